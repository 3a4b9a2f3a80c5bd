"""Runs the flows: read the state a flow needs, call it, apply its effects.

This is the thin, impure shell around the pure flows in :mod:`decide`, :mod:`remind` and
:mod:`series`. One lock makes decisions one at a time: a vote and the deadline job (or a
cancel, or an end) must not read a window's votes while another is changing its state.
Timed steps are idempotent — they re-read the database — so a job run twice or late never
doubles a message.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from actionbot.core.decisions import Vote
from actionbot.core.gesture_changes import KeepGesture, SetAdaptation
from actionbot.core.gestures import Gesture
from actionbot.core.ids import new_id
from actionbot.core.keys import JobId, JobKind
from actionbot.core.nodes import Node
from actionbot.core.proposals import Proposal
from actionbot.core.timing import Timing, resolve
from actionbot.core.when import WhenError
from actionbot.core.windows import State, Window
from actionbot.flows import admission_vote, decide, series
from actionbot.flows import nodes as node_flows
from actionbot.flows.applier import Applier
from actionbot.flows.context import FlowContext
from actionbot.flows.decide import VoteResult
from actionbot.flows.effects import NOTHING, Effects, Job, Response, reminder_job
from actionbot.flows.guideline_steps import GuidelineSteps
from actionbot.flows.node_steps import NodeSteps
from actionbot.flows.remind_steps import ReminderSteps
from actionbot.flows.rota_steps import RoomReader, RotaSteps
from actionbot.flows.rotation import jobs as rota_jobs
from actionbot.gestures import Library
from actionbot.roundup.service import RoundupService
from actionbot.store.nodes import NodeStore
from actionbot.store.rotations import RotationStore
from actionbot.store.windows import WindowStore

log = logging.getLogger(__name__)

HORIZON_RETRY = timedelta(minutes=1)  # after a failed horizon pass


class Runner(NodeSteps, RotaSteps, GuidelineSteps, ReminderSteps):
    def __init__(
        self,
        *,
        ctx: FlowContext,
        windows: WindowStore,
        nodes: NodeStore,
        rotations: RotationStore,
        gestures: Library,
        read_room: RoomReader,
        applier: Applier,
        clock: Callable[[], datetime],
        salt: bytes,
    ) -> None:
        self.ctx = ctx
        self.windows = windows
        self.nodes = nodes
        self.rotations = rotations
        self.gestures = gestures
        self.roundups: RoundupService | None = None  # set by the composition root
        self.read_room = read_room
        self.applier = applier
        self.clock = clock
        self._salt = salt
        self._lock = asyncio.Lock()
        self._due: list[Job] = []  # reminders due, waiting for their batch
        self._alone: set[str] = set()  # reminders of a failed batch (remind_steps.py)
        self._firing: asyncio.Task[None] | None = None

    def person_hash(self, user_id: str) -> str:
        """Who proposed, kept only as a keyed hash: enough to recognise them for
        ``!window cancel``, not enough to list who proposed what from a seized database."""
        return hmac.new(self._salt, user_id.encode(), hashlib.sha256).hexdigest()

    async def _fresh_id(self) -> str:
        while True:
            candidate = new_id()
            if not await self.windows.id_exists(candidate):
                return candidate

    async def _apply(
        self, effects: Effects, response: Response | None, result: object, now: datetime
    ) -> bool:
        """Apply a flow's effects together with the answer to the event it ran for, and
        with what they mean for gesture guidelines (sent on approval, unpinned at the end)."""
        answer = response.effects(result) if response is not None else NOTHING
        effects += await self.guideline_effects(effects, now)
        applied = await self.applier.apply(effects + answer, now=now)
        if response is not None:
            response.applied = applied
        return applied

    # --- proposing and deciding ---------------------------------------------------------

    def resolve(self, proposal: Proposal, node: Node) -> Timing | WhenError:
        return resolve(
            proposal.when,
            now=self.clock(),
            proposer_zone=node.timezone,
            calendar=self.ctx.calendar,
            default_at=self.ctx.settings.default_at,
        )

    async def propose(
        self,
        *,
        proposal: Proposal,
        timing: Timing,
        node: Node,
        sender: str,
        event_id: str,
        gesture: Gesture | None = None,
        response: Response[Window] | None = None,
    ) -> Window:
        """Idempotent per command event: a replayed command (crash before it was recorded as
        handled) returns the window it made."""
        async with self._lock:
            existing = await self.windows.by_source_event(event_id)
            if existing is not None:
                return existing
            now = self.clock()
            nodes = await self.nodes.all()
            window = decide.new_window(
                self.ctx,
                window_id=await self._fresh_id(),
                proposal=proposal,
                timing=timing,
                proposer=node,
                nodes=nodes,
                now=now,
            )
            effects = decide.propose(
                self.ctx,
                window=window,
                proposer=node,
                nodes=nodes,
                proposer_hash=self.person_hash(sender),
                event_id=event_id,
                now=now,
            )
            await self._apply(effects + _keep(gesture), response, window, now)
            log.info("window proposed", extra={"window": window.id, "node": node.id})
            return window

    async def move(
        self,
        *,
        window: Window,
        proposal: Proposal,
        timing: Timing,
        node: Node,
        sender: str,
        event_id: str,
        acting_room: str,
        gesture: Gesture | None = None,
        response: Response[Window] | None = None,
    ) -> Window | None:
        """The new window, or None if the old one was no longer proposed or approved.
        Idempotent per command event, like :meth:`propose`."""
        async with self._lock:
            existing = await self.windows.by_source_event(event_id)
            if existing is not None:
                return existing
            old = await self.windows.get(window.id)
            if old is None or old.state not in (State.PROPOSED, State.APPROVED):
                return None
            now = self.clock()
            nodes = await self.nodes.all()
            proposer = await self.nodes.by_id(old.proposer_node) or node
            new = decide.new_window(
                self.ctx,
                window_id=await self._fresh_id(),
                proposal=proposal,
                timing=timing,
                proposer=proposer,
                nodes=nodes,
                now=now,
            )
            effects = decide.move(
                self.ctx,
                old=old,
                new=new,
                proposer=proposer,
                nodes=nodes,
                polls=await self.windows.polls_of(old.id),
                proposer_hash=await self.windows.proposer_hash(old.id) or self.person_hash(sender),
                event_id=event_id,
                acting_room=acting_room,
                now=now,
            )
            # Each node's adaptation of the same gesture carries over to the moved window.
            if new.gesture == old.gesture:
                effects += Effects(
                    changes=tuple(
                        SetAdaptation(window_id=new.id, node_id=node_id, text=adaptation)
                        for node_id, adaptation in (
                            await self.gestures.store.adaptations(old.id)
                        ).items()
                    )
                )
            if not await self._apply(effects + _keep(gesture), response, new, now):
                return None
            log.info("window moved", extra={"window": old.id, "to": new.id})
            return new

    async def vote(
        self,
        *,
        window: Window,
        node: Node,
        choice: Vote,
        via: str,
        event_id: str,
        response: Response[VoteResult] | None = None,
    ) -> VoteResult:
        async with self._lock:
            current = await self.windows.get(window.id) or window
            now = self.clock()
            result = decide.vote(
                self.ctx,
                window=current,
                nodes=await self.nodes.all(),
                votes=await self.windows.votes(current.id),
                polls=await self.windows.polls_of(current.id),
                node=node,
                choice=choice,
                via=via,
                event_id=event_id,
                now=now,
            )
            if not await self._apply(result.effects, response, result, now):
                return VoteResult(
                    effects=result.effects, window=current, decision=None, closed=True
                )
            if result.decision is not None:
                self._log_decision(current, result.decision.approved, str(result.decision.how))
            return result

    async def decide_at_deadline(self, window_id: str) -> None:
        async with self._lock:
            window = await self.windows.get(window_id)
            if window is None:
                return
            now = self.clock()
            effects = decide.deadline(
                self.ctx,
                window=window,
                nodes=await self.nodes.all(),
                votes=await self.windows.votes(window.id),
                polls=await self.windows.polls_of(window.id),
                now=now,
            )
            if effects.changes and await self._apply(effects, None, None, now):
                self._log_decision(window, None, "deadline")

    async def draft_roundup(self, window_id: str) -> None:
        """The grace period is over: a draft roundup for the coordinators (once: its outbox
        key is the window's)."""
        window = await self.windows.get(window_id)
        if window is None or window.state not in (State.APPROVED, State.DONE):
            return
        if self.roundups is not None:
            await self.roundups.post(window, draft=True, tag="draft")

    def _log_decision(self, window: Window, approved: bool | None, how: str) -> None:
        log.info("window decided", extra={"window": window.id, "approved": approved, "how": how})

    async def cancel(
        self,
        window: Window,
        *,
        by: Node | None,
        acting_room: str,
        response: Response[Window] | None = None,
    ) -> bool:
        async with self._lock:
            current = await self.windows.get(window.id)
            if current is None:
                return False
            effects = decide.cancel(
                self.ctx,
                window=current,
                nodes=await self.nodes.all(),
                by=by,
                acting_room=acting_room,
            )
            return bool(effects.changes) and await self._apply(
                effects, response, current, self.clock()
            )

    # --- timed steps -----------------------------------------------------------------------

    async def run_job(self, job: Job) -> None:
        if job.id.kind is JobKind.DEADLINE:
            await self.decide_at_deadline(job.id.window)
        elif job.id.kind is JobKind.END:
            await self.end_window(job.id.window)
        elif job.id.kind is JobKind.EXPIRE and job.id.node is not None:
            await self.expire(job.id.node)
        elif job.id.kind is JobKind.ADMISSION and job.id.node is not None:
            await self.admission_deadline(job.id.node)
        elif job.id.kind is JobKind.HANDOVER and job.id.rota is not None:
            await self.hand_over(job.id.rota)
        elif job.id.kind is JobKind.HANDOVER_SOON and job.id.rota is not None:
            await self.remind_handover(job.id.rota)
        elif job.id.kind is JobKind.ROUNDUP:
            await self.draft_roundup(job.id.window)
        elif job.id.kind is JobKind.HORIZON:
            scheduler = self.applier.scheduler
            # The next pass first, soon: one failed load (a locked database) must not be
            # the last, or no reminder beyond the horizon would ever get a timer (review).
            scheduler.at(Job(id=JobId(kind=JobKind.HORIZON), at=self.clock() + HORIZON_RETRY))
            async with self._lock:  # no re-planning between reading and setting timers
                for next_job in await self.horizon_jobs():
                    scheduler.at(next_job)
        elif job.reminder is not None:
            await self.fire_reminder(job)

    async def horizon_jobs(self) -> list[Job]:
        """Timers for the reminders due within the scheduler's horizon, and the job that
        loads the next ones half a horizon from now."""
        now, horizon = self.clock(), self.applier.scheduler.horizon
        due = await self.windows.planned_reminders(before=now + horizon)
        return [
            *(reminder_job(item) for item in due),
            Job(id=JobId(kind=JobKind.HORIZON), at=now + horizon / 2),
        ]

    async def end_window(self, window_id: str) -> None:
        """Mark the window done; for a series, create the next occurrence in the same
        transaction (a crash cannot end a series, and a second run cannot double it)."""
        async with self._lock:
            window = await self.windows.get(window_id)
            if window is None or window.state is not State.APPROVED:
                return
            now = self.clock()
            effects = series.end(
                self.ctx,
                window=window,
                nodes=await self.nodes.all(),
                proposer_hash=await self.windows.proposer_hash(window.id) or "",
                next_id=await self._fresh_id(),
                now=now,
            )
            if await self._apply(effects, None, None, now):
                log.info("window done", extra={"window": window.id})

    # --- start-up ------------------------------------------------------------------------------

    async def rebuild(self) -> int:
        """Recreate every job from the database. Returns how many were scheduled."""
        jobs: list[Job] = []
        nodes = await self.nodes.all()
        for window in await self.windows.in_states([State.PROPOSED]):
            jobs.append(Job(id=JobId(kind=JobKind.DEADLINE, window=window.id), at=window.deadline))
        for window in await self.windows.in_states([State.APPROVED]):
            end = window.last_end(nodes)
            if end is not None:
                jobs.append(Job(id=JobId(kind=JobKind.END, window=window.id), at=end))
        jobs += await self.horizon_jobs()
        requests = await self.nodes.requests()
        jobs += [node_flows.expiry_job(self.ctx, request) for request in requests]
        if self.ctx.settings.admission == "vote":
            jobs += [
                Job(
                    id=JobId(kind=JobKind.ADMISSION, node=request.id),
                    at=admission_vote.deadline(self.ctx, request),
                )
                for request in requests
            ]
        now = self.clock()
        for rota in await self.rotations.all():
            jobs += rota_jobs(rota, now)
        grace_start = now - self.ctx.settings.report_grace
        for window in await self.windows.ending_after([State.APPROVED, State.DONE], grace_start):
            jobs += [j for j in self.draft_job(window, nodes).schedule if j.at > now]
        for job in jobs:
            self.applier.scheduler.at(job)
        log.info("schedule rebuilt from the database", extra={"jobs": len(jobs)})
        await self.send_missing_guidelines()
        return len(jobs)


def _keep(gesture: Gesture | None) -> Effects:
    """The version of the gesture a window was proposed with is kept for good."""
    return Effects(changes=(KeepGesture(gesture=gesture),)) if gesture is not None else NOTHING
