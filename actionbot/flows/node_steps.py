"""The runner's node steps (a mixin of :class:`~actionbot.flows.runner.Runner`): rooms that
ask to join, are admitted, refused or voted on, lapse, move to an upgraded room, leave or
are removed. Each reads what its pure flow in :mod:`actionbot.flows.nodes` needs and
applies the effects in one transaction, under the runner's lock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from actionbot.core.decisions import Vote
from actionbot.core.nodes import Node, Standing
from actionbot.core.windows import State
from actionbot.flows import admission_vote, distribute
from actionbot.flows import nodes as node_flows
from actionbot.flows import rotation as rota_flow
from actionbot.flows.applier import Applier
from actionbot.flows.context import FlowContext
from actionbot.flows.effects import NOTHING, Effects, Response
from actionbot.flows.rotation import RoomPeople
from actionbot.gestures import Library
from actionbot.store.nodes import NameTaken, NodeStore
from actionbot.store.rotations import RotationStore
from actionbot.store.windows import WindowStore

log = logging.getLogger(__name__)


class NodeSteps:
    ctx: FlowContext
    windows: WindowStore
    nodes: NodeStore
    rotations: RotationStore
    gestures: Library
    applier: Applier
    clock: Callable[[], datetime]
    _lock: asyncio.Lock

    async def _apply(
        self, effects: Effects, response: Response | None, result: object, now: datetime
    ) -> bool:  # pragma: no cover - defined by Runner
        raise NotImplementedError

    people: Callable[[str], Awaitable[RoomPeople]]  # from RotaSteps

    async def register(
        self, node: Node, *, response: Response[Node] | None = None
    ) -> Node | NameTaken:
        """Store a room's node and replan its reminders in one transaction. Names are unique
        across the network; checked under the lock, so two rooms cannot take one name."""
        async with self._lock:
            owner = await self.nodes.name_owner(node.name)
            if owner is not None and owner != node.room_id:
                return NameTaken(name=node.name)
            now = self.clock()
            previous = await self.nodes.by_room(node.room_id)
            network = await self.nodes.all()
            effects = node_flows.register(
                self.ctx,
                node=node,
                previous=previous,
                nodes=network,
                approved=await self.windows.in_states([State.APPROVED]),
                now=now,
            )
            newly_asks = node.standing is Standing.REQUESTED and (
                previous is None or previous.standing is not Standing.REQUESTED
            )
            if self.ctx.settings.admission == "vote" and newly_asks:
                effects += admission_vote.ask(self.ctx, request=node, nodes=network)
            await self._apply(effects, response, node, now)
            return node

    async def admit(self, node_id: str, *, response: Response[Node] | None = None) -> bool:
        """Admit a waiting room; False if no room with this id is waiting (any more)."""
        async with self._lock:
            request = await self.nodes.request_by_id(node_id)
            if request is None:
                return False
            now = self.clock()
            effects = node_flows.admit(
                self.ctx,
                request=request,
                nodes=await self.nodes.all(),
                approved=await self.windows.in_states([State.APPROVED]),
                now=now,
            )
            log.info("node admitted", extra={"node": node_id})
            return await self._apply(effects, response, request, now)

    async def refuse(
        self, node_id: str, reason: str, *, response: Response[Node] | None = None
    ) -> bool:
        """Refuse a waiting room; False if no room with this id is waiting (any more)."""
        async with self._lock:
            request = await self.nodes.request_by_id(node_id)
            if request is None:
                return False
            effects = node_flows.refuse(self.ctx, request=request, reason=reason)
            log.info("node refused", extra={"node": node_id})
            return await self._apply(effects, response, request, self.clock())

    async def admission_vote(
        self,
        request_id: str,
        *,
        voter: Node,
        choice: Vote,
        response: Response[bool] | None = None,
    ) -> bool | None:
        """A node's vote on a waiting room: True if it admitted the room, False if not yet,
        None if no room with this id is waiting."""
        async with self._lock:
            request = await self.nodes.request_by_id(request_id)
            if request is None:
                return None
            now = self.clock()
            effects, admitted = admission_vote.vote(
                self.ctx,
                request=request,
                voter=voter,
                choice=choice,
                votes=await self.nodes.admission_votes(request.id),
                nodes=await self.nodes.all(),
                approved=await self.windows.in_states([State.APPROVED]),
                now=now,
            )
            await self._apply(effects, response, admitted, now)
            return admitted

    async def admission_deadline(self, request_id: str) -> None:
        async with self._lock:
            request = await self.nodes.request_by_id(request_id)
            if request is None:
                return  # decided already (admitted by consensus, or by coordinators)
            now = self.clock()
            effects = admission_vote.at_deadline(
                self.ctx,
                request=request,
                votes=await self.nodes.admission_votes(request.id),
                nodes=await self.nodes.all(),
                approved=await self.windows.in_states([State.APPROVED]),
                now=now,
            )
            if await self._apply(effects, None, None, now):
                log.info("admission decided by the nodes", extra={"node": request_id})

    async def expire(self, node_id: str) -> None:
        """Drop a request nobody decided on in time (idempotent: a decided one is gone)."""
        async with self._lock:
            request = await self.nodes.request_by_id(node_id)
            if request is None:
                return
            now = self.clock()
            if node_flows.expiry_job(self.ctx, request).at > now:
                return  # asked again since; its own job comes later
            effects = node_flows.expire(self.ctx, request=request, nodes=await self.nodes.all())
            if await self.applier.apply(effects, now=now):
                log.info("request expired", extra={"node": node_id})

    async def upgraded(self, node: Node, new_room: str, *, joined: bool) -> None:
        async with self._lock:
            effects = node_flows.upgraded(
                self.ctx,
                node=node,
                nodes=await self.nodes.all(),
                new_room=new_room,
                joined=joined,
            )
            await self.applier.apply(effects, now=self.clock())

    async def continue_in(self, new_room: str) -> bool:
        """Move a node to its room's successor, if ``new_room`` is one."""
        async with self._lock:
            pending = await self.nodes.upgrade_to(new_room)
            if pending is None:
                return False
            node = await self.nodes.by_id(pending[0])
            if node is None or node.room_id != pending[1]:
                return False
            effects = node_flows.continue_in(self.ctx, node=node, new_room=new_room)
            applied = await self.applier.apply(effects, now=self.clock())
            if applied:
                log.info("node moved to the upgraded room", extra={"node": node.id})
            return applied

    async def depart(
        self,
        node_id: str,
        *,
        removed: bool,
        reason: str = "",
        response: Response[Node] | None = None,
    ) -> bool:
        """A node leaves or is removed; False if it is not an admitted node (any more)."""
        async with self._lock:
            node = await self.nodes.by_id(node_id)
            if node is None or not node.admitted:
                return False
            now = self.clock()
            # Its rotas end first, so every level they raised is given back before the bot
            # leaves the room (the outbox keeps that order).
            effects = NOTHING
            rotas = await self.rotations.of_room(node.room_id)
            if rotas:
                people = await self.people(node.room_id)
                for rota in rotas:
                    effects += rota_flow.wind_down(self.ctx, rota, people, now)
            approved = await self.windows.in_states([State.APPROVED])
            for window in approved:  # its guidelines leave the pinned list before the bot
                queued = await self.gestures.store.guidelines(window.id)
                if node.id in queued:
                    effects += distribute.unpin(
                        self.ctx, window_id=window.id, sent={node.id: queued[node.id][0]}
                    )
            effects += node_flows.depart(
                self.ctx,
                node=node,
                removed=removed,
                reason=reason,
                proposed=await self.windows.in_states([State.PROPOSED]),
                approved=approved,
            )
            log.info("node departed", extra={"node": node_id, "removed": removed})
            return await self._apply(effects, response, node, now)
