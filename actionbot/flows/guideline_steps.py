"""The runner's gesture steps (a mixin of :class:`~actionbot.flows.runner.Runner`): read
what the pure :mod:`~actionbot.flows.distribute` flow needs, and add its effects to the
transaction of the change that caused them — an approval sends the guidelines with it, an
admission sends the new node what it missed, an end or a cancel unpins."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from actionbot.core.changes import CreateWindow, RegisterNode, Transition
from actionbot.core.gesture_changes import KeepGesture, SetAdaptation, SetRsvp, UndoReaction
from actionbot.core.gestures import Gesture
from actionbot.core.keys import JobId, JobKind, MessageKey, MessageKind
from actionbot.core.nodes import Node
from actionbot.core.rest import DEFAULT as DEFAULT_REST
from actionbot.core.rest import RestPlan, gathering, parse_rest
from actionbot.core.windows import State, Window
from actionbot.flows import distribute
from actionbot.flows.applier import Applier
from actionbot.flows.context import FlowContext
from actionbot.flows.effects import NOTHING, Effects, Job, Notice, Response
from actionbot.gestures import Library
from actionbot.render import rest as rest_text
from actionbot.store.nodes import NodeStore
from actionbot.store.windows import WindowStore

log = logging.getLogger(__name__)


class GuidelineSteps:
    ctx: FlowContext
    windows: WindowStore
    nodes: NodeStore
    gestures: Library
    applier: Applier
    clock: Callable[[], datetime]
    _lock: asyncio.Lock

    async def gesture_of(self, window: Window) -> Gesture | None:
        if not window.gesture:
            return None
        return await self.gestures.version(window.gesture, window.gesture_rev)

    async def _send(self, window: Window, nodes: Sequence[Node], now: datetime) -> Effects:
        gesture = await self.gesture_of(window)
        if gesture is None:
            return NOTHING
        store = self.gestures.store
        return distribute.guidelines(
            self.ctx,
            window=window,
            gesture=gesture,
            nodes=nodes,
            adaptations=await store.adaptations(window.id),
            sent=await store.guidelines(window.id),
            now=now,
        )

    async def _unpin(self, window_id: str) -> Effects:
        """Unpin in the rooms of the nodes still in the network (one that left or was
        removed had its guidelines unpinned then, and the bot may no longer be there)."""
        sent = await self.gestures.store.guidelines(window_id)
        admitted = {n.id for n in await self.nodes.all() if n.admitted}
        return distribute.unpin(
            self.ctx,
            window_id=window_id,
            sent={node: room for node, (room, _k) in sent.items() if node in admitted},
        )

    async def guideline_effects(self, effects: Effects, now: datetime) -> Effects:
        """What the changes in ``effects`` mean for guidelines (to apply with them)."""
        extra = NOTHING
        nodes: list[Node] | None = None
        for change in effects.changes:
            if isinstance(change, Transition) and change.window.state is State.APPROVED:
                if change.to in (State.DONE, State.CANCELLED):
                    extra += await self._unpin(change.window.id)
                if change.to is State.DONE:
                    nodes = nodes if nodes is not None else await self.nodes.all()
                    extra += await self._invite_to_rest(change.window, nodes)
            elif isinstance(change, Transition) and change.to is State.APPROVED:
                nodes = nodes if nodes is not None else await self.nodes.all()
                approved = change.window.with_state(State.APPROVED)
                extra += await self._send(approved, nodes, now)
                extra += self.draft_job(approved, nodes)
            elif isinstance(change, CreateWindow):
                if change.finish is not None:
                    extra += await self._unpin(change.finish.id)
                    nodes = nodes if nodes is not None else await self.nodes.all()
                    extra += await self._invite_to_rest(change.finish, nodes)
                if change.window.state is State.APPROVED:
                    nodes = nodes if nodes is not None else await self.nodes.all()
                    extra += await self._send(change.window, nodes, now)
                    extra += self.draft_job(change.window, nodes)
        joining = [
            c.node for c in effects.changes if isinstance(c, RegisterNode) and c.node.admitted
        ]
        if joining:
            for window in await self.windows.in_states([State.APPROVED]):
                extra += await self._send(window, joining, now)
        return extra

    async def _invite_to_rest(self, window: Window, nodes: Sequence[Node]) -> Effects:
        """After a window: each node room is invited to rest (unless the node said off)."""
        roundups = getattr(self, "roundups", None)
        messages = []
        for node in nodes:
            settings = await roundups.reports.settings(node.id) if roundups else None
            plan = parse_rest(settings.rest if settings else DEFAULT_REST)
            if not isinstance(plan, RestPlan):
                continue
            messages.append(
                Notice(
                    key=MessageKey(kind=MessageKind.REST, window=window.id, node=node.id),
                    room_id=node.room_id,
                    reply=rest_text.invitation(
                        self.ctx.voices.of(node), window, gathering(window, node, plan)
                    ),
                )
            )
        return Effects(messages=tuple(messages))

    def draft_job(self, window: Window, nodes: Sequence[Node]) -> Effects:
        """When the grace period for reports ends, the coordination room gets a draft."""
        end = window.last_end(nodes)
        if end is None or not self.ctx.settings.coordination_room:
            return NOTHING
        at = end + self.ctx.settings.report_grace
        return Effects(schedule=(Job(id=JobId(kind=JobKind.ROUNDUP, window=window.id), at=at),))

    async def send_missing_guidelines(self) -> int:
        """At start-up: any approved window whose guidelines were not all queued (a node
        admitted, or a change made before this version) gets them now."""
        sent = 0
        async with self._lock:
            nodes = await self.nodes.all()
            for window in await self.windows.in_states([State.APPROVED]):
                now = self.clock()
                effects = await self._send(window, nodes, now)
                if effects.messages and await self.applier.apply(effects, now=now):
                    sent += len(effects.changes)
        if sent:
            log.info("guidelines queued at start-up", extra={"count": sent})
        return sent

    async def add_gesture(self, gesture: Gesture, *, response: Response[bool] | None) -> bool:
        """A coordinator's gesture becomes the library's current version of its id."""
        async with self._lock:
            effects = Effects(changes=(KeepGesture(gesture=gesture, added=True),))
            answer = response.effects(True) if response is not None else NOTHING
            applied = await self.applier.apply(effects + answer, now=self.clock())
            if response is not None:
                response.applied = applied
            log.info("gesture added", extra={"gesture": gesture.id, "rev": gesture.rev})
            return applied

    async def adapt(
        self,
        window: Window,
        node: Node,
        adaptation: str | None,
        *,
        event_id: str,
        response: Response[bool] | None = None,
    ) -> bool:
        """Save (or clear) a node's adaptation; edit its guideline if already queued.
        Returns whether the guideline was already out (so the reply can say so)."""
        async with self._lock:
            now = self.clock()
            sent = node.id in await self.gestures.store.guidelines(window.id)
            effects = Effects(
                changes=(SetAdaptation(window_id=window.id, node_id=node.id, text=adaptation),)
            )
            effects += distribute.adapted(
                self.ctx,
                window=window,
                gesture=await self.gesture_of(window),
                node=node,
                adaptation=adaptation,
                sent=sent,
                event_id=event_id,
            )
            answer = response.effects(sent) if response is not None else NOTHING
            applied = await self.applier.apply(effects + answer, now=now)
            if response is not None:
                response.applied = applied
            return sent

    async def rsvp(
        self,
        window: Window,
        node: Node,
        person_hash: str,
        *,
        joined: bool,
        reaction_event: str | None = None,
        response: Response[int] | None = None,
    ) -> int:
        """Record that someone takes part (or not); returns the node's count after."""
        async with self._lock:
            now = self.clock()
            store = self.gestures.store
            before = (await store.rsvp_counts(window.id)).get(node.id, 0)
            had = await store.has_rsvp(window.id, node.id, person_hash)
            after = before + (1 if joined and not had else -1 if had and not joined else 0)
            change = SetRsvp(
                window_id=window.id,
                node_id=node.id,
                person_hash=person_hash,
                joined=joined,
                reaction_event=reaction_event,
            )
            answer = response.effects(after) if response is not None else NOTHING
            applied = await self.applier.apply(Effects(changes=(change,)) + answer, now=now)
            if response is not None:
                response.applied = applied
            return after

    async def undo_reaction(self, reaction_event: str, *, room_id: str, sender: str) -> None:
        async with self._lock:
            node = await self.nodes.by_room(room_id)
            if node is None:
                return
            change = UndoReaction(
                reaction_event=reaction_event,
                node_id=node.id,
                person_hash=self.person_hash(sender),
            )
            await self.applier.apply(Effects(changes=(change,)), now=self.clock())
