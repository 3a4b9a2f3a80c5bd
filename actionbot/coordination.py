"""Windows across the network: proposals, decisions, reminders, ends and recurrences.

Each flow is: read state → decide (pure core) → persist atomically with the messages it
causes (outbox) → schedule the next timed step. Timed steps are idempotent jobs that
re-read the database, so running one twice or late never doubles a message.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from actionbot.commands import window_text
from actionbot.render.reply import Reply, bold, code, reply
from actionbot.config import Config
from actionbot.core.calendar import Calendar
from actionbot.core.decisions import Decision, Rule, Vote, decide
from actionbot.core.durations import format_duration
from actionbot.core.ids import new_id
from actionbot.core.lunar import next_phase
from actionbot.core.nodes import Node
from actionbot.core.outbox import OutgoingMessage
from actionbot.core.proposals import Proposal
from actionbot.core.reminders import (
    Action,
    Kind,
    Offset,
    PlannedReminder,
    lateness_action,
    parse_offsets,
    plan,
)
from actionbot.core.timing import (
    ClockTime,
    Lunar,
    Timing,
    WhenError,
    fmt_utc,
    next_occurrence,
    parse_at,
    resolve,
    when_from_json,
    when_to_json,
)
from actionbot.core.windows import State, Window
from actionbot.matrix.content import notice_content
from actionbot.scheduler import Scheduler
from actionbot.store.nodes import NodeStore
from actionbot.store.outbox import OutboxStore
from actionbot.store.windows import WindowStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Problem:
    """An expected failure, worded for the room."""

    message: str


def default_clock(config: Config) -> ClockTime:
    parsed = parse_at(["at", *config.window_default_time.split()])
    assert not isinstance(parsed, WhenError) and parsed[1] is not None  # validated by config
    return parsed[1]


class Coordinator:
    def __init__(
        self,
        *,
        config: Config,
        windows: WindowStore,
        nodes: NodeStore,
        outbox: OutboxStore,
        scheduler: Scheduler,
        calendar: Calendar,
        clock: Callable[[], datetime],
        notify: Callable[[], None],
        salt: bytes,
    ) -> None:
        self.config = config
        self.windows = windows
        self.nodes = nodes
        self.outbox = outbox
        self.scheduler = scheduler
        self.calendar = calendar
        self.clock = clock
        self.notify = notify
        self._salt = salt
        offsets = parse_offsets(config.reminder_offsets)
        assert not isinstance(offsets, str)  # validated by config
        self.offsets: list[Offset] = offsets
        self.rule = Rule(quorum=config.quorum, consensus_only=config.consensus_only)
        # One decision at a time: a vote and the deadline job (or a cancel, or an end)
        # must not read a window's votes while another is changing its state.
        self._lock = asyncio.Lock()

    # --- helpers --------------------------------------------------------------------------

    def person_hash(self, user_id: str) -> str:
        """Who proposed, kept only as a keyed hash: enough to recognise them for
        ``!window cancel``, not enough to list who proposed what from a seized database."""
        return hmac.new(self._salt, user_id.encode(), hashlib.sha256).hexdigest()

    def _notice(self, key: str, room_id: str, text: Reply) -> OutgoingMessage:
        return OutgoingMessage(key=key, room_id=room_id, content=notice_content(text))

    def _to_coordination(self, key: str, text: Reply) -> list[OutgoingMessage]:
        room = self.config.coordination_room
        return [self._notice(key, room, text)] if room else []

    def _broadcast(
        self, key: str, nodes: list[Node], text: Reply, skip_room: str | None = None
    ) -> list[OutgoingMessage]:
        """The same notice to the coordination room and every node room."""
        return self._to_coordination(key, text) + self._to_nodes(key, nodes, text, skip_room)

    def _to_nodes(
        self, key: str, nodes: list[Node], text: Reply, skip_room: str | None = None
    ) -> list[OutgoingMessage]:
        return [
            self._notice(f"{key}:{n.id}", n.room_id, text)
            for n in nodes
            if n.room_id != skip_room and n.room_id != self.config.coordination_room
        ]

    async def _fresh_id(self) -> str:
        while True:
            candidate = new_id()
            if not await self.windows.id_exists(candidate):
                return candidate

    # --- proposing --------------------------------------------------------------------------

    def resolve(self, proposal: Proposal, node: Node) -> Timing | WhenError:
        return resolve(
            proposal.when,
            now=self.clock(),
            proposer_zone=node.timezone,
            calendar=self.calendar,
            default_at=default_clock(self.config),
        )

    async def propose(
        self, *, proposal: Proposal, timing: Timing, node: Node, sender: str, event_id: str
    ) -> Window:
        """Create and announce a proposal. Idempotent per command event: a replayed
        command (crash before it was recorded as handled) returns the window it made."""
        existing = await self.windows.by_source_event(event_id)
        if existing is not None:
            return existing
        now = self.clock()
        nodes = await self.nodes.all()
        window = Window(
            id=await self._fresh_id(),
            title=proposal.title,
            mode=timing.mode,
            start=timing.start,
            local_time=timing.local_time,
            local_date=timing.local_date,
            anchor=timing.anchor,
            duration=proposal.duration or self.config.window_default_duration,
            state=State.PROPOSED,
            proposer_node=node.id,
            gesture=proposal.gesture,
            recurrence=proposal.recurrence,
            when=when_to_json(proposal.when),
            label=timing.label,
            notes=timing.notes,
            created_at=now,
            deadline=now,
        )
        ahead = [s for s in window.starts(nodes).values() if s > now]
        first = min(ahead) if ahead else (window.node_start(node)[0])
        # Decide by the end of the voting period, but at the latest half-way to the first
        # start still ahead (a wave may already have passed further east), so an approval
        # at the deadline still leaves time for the start reminders.
        deadline = max(now, min(now + self.config.decision_period, now + (first - now) / 2))
        notes = list(timing.notes)
        if window.mode == "local":
            passed = [n.name for n in nodes if window.node_start(n)[0] <= now]
            if passed:
                notes.append(f"already passed for: {', '.join(passed)}")
        window = Window(
            **{
                **window.__dict__,
                "deadline": deadline,
                "notes": tuple(notes),
                "series": window.id if window.recurrence else None,
            }
        )

        def announce(target: Node | None) -> Reply:
            # Each room reads the start in its own zone; the coordination room in UTC.
            return reply(
                [
                    "Node ",
                    bold(node.name),
                    " proposes window ",
                    code(window.id),
                    ": ",
                    bold(window.title),
                ],
                *window_text.start_lines(window, target, now),
                f"Anchor: {window.label} · duration {format_duration(window.duration)} · "
                f"decision by {fmt_utc(deadline)}",
                window_text.vote_hint(window, self.config.command_prefix),
            )

        key = f"proposed:{window.id}"
        messages = self._to_coordination(key, announce(None))
        for target in nodes:
            if target.room_id not in (node.room_id, self.config.coordination_room):
                messages.append(
                    self._notice(f"{key}:{target.id}", target.room_id, announce(target))
                )
        if self.config.polls:
            for target in nodes:
                messages.append(
                    OutgoingMessage(
                        key=f"poll:{window.id}:{target.id}",
                        room_id=target.room_id,
                        event_type=window_text.POLL_START,
                        content=window_text.poll_content(window, self.config.command_prefix),
                    )
                )
        await self.windows.create(
            window,
            proposer_hash=self.person_hash(sender),
            now=now,
            messages=messages,
            source_event=event_id,
        )
        self.scheduler.at(f"deadline:{window.id}", deadline, self.decide_at_deadline, window.id)
        log.info("window proposed", extra={"window": window.id, "node": node.id})
        self.notify()
        return window

    # --- voting and deciding ------------------------------------------------------------------

    async def vote(
        self, *, window_id: str, node: Node, vote: Vote, via: str, event_id: str
    ) -> Window | Problem:
        async with self._lock:
            window = await self.windows.get(window_id)
            if window is None:
                return Problem(message=f"there is no window {window_id}")
            if window.state is not State.PROPOSED:
                return Problem(
                    message=f"window {window_id} is already {window.state}; voting is closed"
                )
            now = self.clock()
            await self.windows.set_vote(window.id, node.id, vote, via=via, now=now)
            nodes = await self.nodes.all()
            votes = await self.windows.votes(window.id)
            tally_line = reply(
                [
                    "Vote on ",
                    *window_text.named(window),
                    ": node ",
                    bold(node.name),
                    f" → {vote}.",
                ],
                f"By node: {window_text.per_node_votes(nodes, votes)}",
            )
            if self.config.coordination_room and self.config.coordination_room != node.room_id:
                await self._enqueue(self._to_coordination(f"vote:{event_id}", tally_line))
            decision = decide(votes, nodes=len(nodes), rule=self.rule, deadline_passed=False)
            if decision.approved is not None:
                await self._finalize(window, decision, nodes, votes)
            return await self.windows.get(window.id) or window

    async def _enqueue(self, messages: list[OutgoingMessage]) -> None:
        for message in messages:
            await self.outbox.enqueue(message, now=self.clock())
        self.notify()

    async def decide_at_deadline(self, window_id: str) -> None:
        async with self._lock:
            window = await self.windows.get(window_id)
            if window is None or window.state is not State.PROPOSED:
                return
            nodes = await self.nodes.all()
            votes = await self.windows.votes(window.id)
            decision = decide(votes, nodes=len(nodes), rule=self.rule, deadline_passed=True)
            await self._finalize(window, decision, nodes, votes)

    async def _finalize(
        self, window: Window, decision: Decision, nodes: list[Node], votes: dict[str, Vote]
    ) -> None:
        now = self.clock()
        text = window_text.decision_text(window, decision, nodes, votes)
        messages = self._broadcast(f"decided:{window.id}", nodes, text)
        messages += await self._close_polls(window, nodes, decision)
        if decision.approved:
            reminders = self._plan(window, nodes, now)
            done = await self.windows.transition(
                window,
                State.APPROVED,
                now=now,
                decision=decision.how,
                messages=messages,
                plan=reminders,
            )
            if done:
                self._schedule_approved(window.with_state(State.APPROVED), nodes, reminders)
        else:
            done = await self.windows.transition(
                window, State.REJECTED, now=now, decision=decision.how, messages=messages
            )
        if done:
            self.scheduler.cancel(f"deadline:{window.id}")
            log.info(
                "window decided",
                extra={
                    "window": window.id,
                    "approved": bool(decision.approved),
                    "how": decision.how,
                },
            )
            self.notify()

    async def _close_polls(
        self, window: Window, nodes: list[Node], decision: Decision
    ) -> list[OutgoingMessage]:
        """End the poll in each room, so clients show it closed with its result."""
        verdict = "approved" if decision.approved else "rejected"
        closing = []
        for node in nodes:
            poll = await self.outbox.by_key(f"poll:{window.id}:{node.id}")
            if poll is None:
                continue
            if poll.event_id is None:  # not sent yet: don't open a poll that is already over
                await self.outbox.mark_skipped(
                    poll.key, reason="decided before it was sent", now=self.clock()
                )
                continue
            closing.append(
                OutgoingMessage(
                    key=f"poll-end:{window.id}:{node.id}",
                    room_id=poll.room_id,
                    event_type=window_text.POLL_END,
                    content=window_text.poll_end_content(poll.event_id, verdict),
                )
            )
        return closing

    # --- reminders ---------------------------------------------------------------------------

    def _plan(self, window: Window, nodes: list[Node], now: datetime) -> list[PlannedReminder]:
        return plan(
            window_id=window.id,
            starts=window.starts(nodes),
            duration=window.duration,
            offsets=self.offsets,
            now=now,
        )

    def _schedule_approved(
        self, window: Window, nodes: list[Node], reminders: list[PlannedReminder]
    ) -> None:
        for item in reminders:
            self._schedule_reminder(item)
        end = window.last_end(nodes)
        if end is not None:
            self.scheduler.at(f"end:{window.id}", end, self.end_window, window.id)

    def _schedule_reminder(self, item: PlannedReminder) -> None:
        self.scheduler.at(
            f"reminder:{item.window_id}:{item.node_id}:{item.offset}",
            item.due,
            self.fire_reminder,
            item,
        )

    async def fire_reminder(self, item: PlannedReminder) -> None:
        """Render and enqueue one reminder exactly once (the store refuses a second time)."""
        window = await self.windows.get(item.window_id)
        node = await self.nodes.by_id(item.node_id)
        now = self.clock()
        # A window that ended while the bot was down is DONE but its overdue reminders still
        # go through the lateness rules (skipped ones are reported), not silently cancelled.
        if window is None or node is None or window.state not in (State.APPROVED, State.DONE):
            reason = "node no longer registered" if node is None else "window not approved"
            await self.windows.settle_reminder(item, status="cancelled", reason=reason, now=now)
            return
        end = window.node_start(node)[0] + window.duration
        action = lateness_action(
            kind=item.kind,
            due=item.due,
            now=now,
            grace=self.config.reminder_late_grace,
            window_end=end,
            on_time=self.config.reminder_late_after,
        )
        if action is Action.SKIP:
            late = now - item.due
            report = reply(
                [
                    "Reminder skipped: window ",
                    *window_text.named(window),
                    f" — node {node.name}, {self._offset_text(item)}, due "
                    f"{fmt_utc(item.due)} ({self._late_text(late)} late; the bot was "
                    "not running).",
                ]
            )
            await self.windows.settle_reminder(
                item,
                status="skipped",
                now=now,
                reason=f"{self._late_text(late)} late",
                messages=self._to_coordination(f"skipped:{self._key(item)}", report),
            )
            log.warning("reminder skipped", extra={"reminder": self._key(item)})
        else:
            text = window_text.reminder_text(
                window, node, item.kind, now, late=action is Action.LATE
            )
            # The due time is part of the key: a reminder re-planned for a new time (the node
            # moved zone) is a new message, while a replay of the same one is not.
            message = self._notice(
                f"reminder:{self._key(item)}:{int(item.due.timestamp())}", node.room_id, text
            )
            await self.windows.settle_reminder(item, status="fired", now=now, messages=[message])
            log.info(
                "reminder due", extra={"reminder": self._key(item), "late": action is Action.LATE}
            )
        self.notify()

    @staticmethod
    def _key(item: PlannedReminder) -> str:
        return f"{item.window_id}:{item.node_id}:{item.offset}"

    @staticmethod
    def _offset_text(item: PlannedReminder) -> str:
        if item.kind is Kind.BEFORE:
            return f"{item.offset} before"
        return f"at the {item.kind}"

    @staticmethod
    def _late_text(late: timedelta) -> str:
        minutes = max(1, int(late.total_seconds()) // 60)
        return format_duration(timedelta(minutes=minutes))

    # --- cancelling, ending, recurring ---------------------------------------------------------

    async def cancel(self, window: Window, *, node_name: str) -> bool:
        async with self._lock:
            now = self.clock()
            nodes = await self.nodes.all()
            text = reply(
                [
                    "Window ",
                    *window_text.named(window),
                    f" was cancelled (by node {node_name}). No reminders will be sent.",
                ]
            )
            messages = self._broadcast(f"cancelled:{window.id}", nodes, text)
            done = await self.windows.transition(
                window,
                State.CANCELLED,
                now=now,
                decision=window.decision or "cancelled",
                messages=messages,
                cancel_reminders=True,
            )
            if done:
                for job_id in self.scheduler.job_ids():
                    if job_id.split(":")[1:2] == [window.id]:
                        self.scheduler.cancel(job_id)
                self.notify()
            return done

    async def end_window(self, window_id: str) -> None:
        """Mark the window done; for a series, create the next occurrence in the same
        transaction (a crash cannot end a series, and a second run cannot double it)."""
        async with self._lock:
            window = await self.windows.get(window_id)
            if window is None or window.state is not State.APPROVED:
                return
            now = self.clock()
            nodes = await self.nodes.all()
            following = await self._next_in_series(window, nodes) if window.recurrence else None
            if isinstance(following, Window):
                reminders = self._plan(following, nodes, now)
                text = reply(
                    [
                        "Next in the series ",
                        code(following.series or ""),
                        ": window ",
                        *window_text.named(following),
                        f" — {following.label}.",
                    ]
                )
                messages = self._broadcast(f"series:{following.id}", nodes, text)
                proposer_hash = await self.windows.proposer_hash(window.id) or ""
                if not await self.windows.create(
                    following,
                    proposer_hash=proposer_hash,
                    now=now,
                    messages=messages,
                    plan=reminders,
                    finish=window,
                ):
                    return
                self._schedule_approved(following, nodes, reminders)
            else:
                messages = []
                if isinstance(following, str):
                    text = reply(
                        [
                            "The series of window ",
                            *window_text.named(window),
                            f" cannot continue: {following}.",
                        ]
                    )
                    messages = self._to_coordination(f"series-end:{window.id}", text)
                if not await self.windows.transition(
                    window, State.DONE, now=now, messages=messages
                ):
                    return
            log.info("window done", extra={"window": window.id})
            self.notify()

    async def _next_in_series(self, window: Window, nodes: list[Node]) -> Window | str | None:
        """The next occurrence still ahead (skipping any missed while the bot was down),
        or the reason there is none."""
        now = self.clock()
        when = when_from_json(window.when)
        proposer = next((n for n in nodes if n.id == window.proposer_node), None)
        after = window.anchor or window.start or now
        timing: Timing | WhenError | None = None
        anchor = None
        for _ in range(240):  # enough lunar months to catch up after any sane downtime
            anchor = next_occurrence(when, window.recurrence or "", after)
            if anchor is None:
                return None
            timing = resolve(
                anchor,
                now=now,
                proposer_zone=proposer.timezone if proposer else "UTC",
                calendar=self.calendar,
                default_at=default_clock(self.config),
            )
            if isinstance(timing, Timing) or not isinstance(anchor, Lunar):
                break
            after = next_phase(anchor.phase, after)  # that phase is past: try the next one
        if not isinstance(timing, Timing) or anchor is None:
            reason = timing.message if isinstance(timing, WhenError) else "no next occurrence"
            log.warning("series cannot continue", extra={"window": window.id, "reason": reason})
            return reason
        return Window(
            id=await self._fresh_id(),
            title=window.title,
            mode=timing.mode,
            start=timing.start,
            local_time=timing.local_time,
            local_date=timing.local_date,
            anchor=timing.anchor,
            duration=window.duration,
            state=State.APPROVED,
            proposer_node=window.proposer_node,
            gesture=window.gesture,
            recurrence=window.recurrence,
            when=when_to_json(anchor),
            label=timing.label,
            notes=timing.notes,
            created_at=now,
            deadline=now,
            decided_at=now,
            decision=f"recurring series {window.series or window.id}",
            series=window.series or window.id,
        )

    async def node_changed(self, node: Node) -> None:
        """A node that registered late, or moved to another time zone, gets reminders for
        approved windows at its (new) local times, and the windows' ends are moved."""
        async with self._lock:
            now = self.clock()
            nodes = await self.nodes.all()
            for window in await self.windows.in_states([State.APPROVED]):
                reminders = self._plan(window, [node], now)
                await self.windows.replan_node(window.id, node.id, reminders, now=now)
                for job_id in self.scheduler.job_ids():
                    if job_id.startswith(f"reminder:{window.id}:{node.id}:"):
                        self.scheduler.cancel(job_id)
                for item in reminders:
                    self._schedule_reminder(item)
                end = window.last_end(nodes)
                if end is not None:
                    self.scheduler.at(f"end:{window.id}", end, self.end_window, window.id)

    # --- start-up ------------------------------------------------------------------------------

    async def rebuild(self) -> int:
        """Recreate every job from the database. Returns how many were scheduled."""
        count = 0
        nodes = await self.nodes.all()
        for window in await self.windows.in_states([State.PROPOSED]):
            self.scheduler.at(
                f"deadline:{window.id}", window.deadline, self.decide_at_deadline, window.id
            )
            count += 1
        for window in await self.windows.in_states([State.APPROVED]):
            end = window.last_end(nodes)
            if end is not None:
                self.scheduler.at(f"end:{window.id}", end, self.end_window, window.id)
                count += 1
        for item in await self.windows.planned_reminders():
            self._schedule_reminder(item)
            count += 1
        log.info("schedule rebuilt from the database", extra={"jobs": count})
        return count
