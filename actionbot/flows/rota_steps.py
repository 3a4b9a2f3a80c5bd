"""The runner's rota steps (a mixin of :class:`~actionbot.flows.runner.Runner`, kept apart
so each file stays about one thing): read the room, call the pure rota flow, apply."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from actionbot.core.ids import new_id
from actionbot.core.nodes import Node
from actionbot.core.rotation import Rotation, RotationRequest, next_handover
from actionbot.flows import rotation as flow
from actionbot.flows.applier import Applier
from actionbot.flows.context import FlowContext
from actionbot.flows.effects import Response
from actionbot.flows.rotation import RoomPeople
from actionbot.store.nodes import NodeStore
from actionbot.store.rotations import RotationStore

log = logging.getLogger(__name__)

# Reads a room now: its members (user ids), their levels, its creators, the bot's id.
RoomReader = Callable[[str], Awaitable["RoomState"]]


class RoomState:
    """What the homeserver says about a room, before people are hashed."""

    def __init__(
        self,
        *,
        members: Sequence[str],
        levels: dict[str, int] | None,
        creators: frozenset[str],
        me: str,
    ) -> None:
        self.members = tuple(members)
        self.levels = levels
        self.creators = creators
        self.me = me


class RotaSteps:
    ctx: FlowContext
    nodes: NodeStore
    rotations: RotationStore
    read_room: RoomReader
    applier: Applier
    clock: Callable[[], datetime]
    _lock: asyncio.Lock

    def person_hash(self, user_id: str) -> str:  # pragma: no cover - defined by Runner
        raise NotImplementedError

    async def people(self, room_id: str) -> RoomPeople:
        state = await self.read_room(room_id)
        levels = dict(state.levels or {})
        # Changes queued but not yet made count as made: two quick skips must not read the
        # level from before the first and lose what the rota has to give back.
        for user, level in await self.rotations.pending_power(room_id):
            levels[user] = level
        present = {self.person_hash(user): user for user in state.members}
        listed = {self.person_hash(user): user for user in levels}
        return RoomPeople(
            present=present,
            levels=levels,
            known=state.levels is not None,
            creators=state.creators,
            me=state.me,
            listed=listed,
        )

    async def set_rota(
        self,
        request: RotationRequest,
        *,
        room_id: str,
        node: Node | None,
        event_id: str,
        response: Response[Rotation] | None = None,
    ) -> Rotation:
        async with self._lock:
            now = self.clock()
            replaced = next(
                (r for r in await self.rotations.of_room(room_id) if r.duty == request.duty), None
            )
            rota = Rotation(
                id=replaced.id if replaced else new_id(),
                room_id=room_id,
                duty=request.duty,
                members=tuple(self.person_hash(user) for user in request.users),
                cadence=request.cadence,
                power=request.power,
                position=0,
                next_at=next_handover(request.cadence, now),
            )
            effects = flow.start(
                self.ctx,
                rota=rota,
                people=await self.people(room_id),
                replaced=replaced,
                node=node,
                nodes=await self.nodes.all(),
                event_id=event_id,
                now=now,
            )
            answer = response.effects(rota) if response is not None else None
            applied = await self.applier.apply(effects + answer if answer else effects, now=now)
            if response is not None:
                response.applied = applied
            log.info("rota set", extra={"rota": rota.id, "people": len(rota.members)})
            return rota

    async def hand_over(self, rota_id: str, *, early: bool = False) -> Rotation | None:
        """The scheduled hand-over (or ``!rotation skip``): idempotent, since a job that
        fires twice finds ``next_at`` already moved on."""
        async with self._lock:
            rota = await self.rotations.by_id(rota_id)
            now = self.clock()
            if rota is None or (not early and rota.next_at > now):
                return None
            effects = flow.handover(
                self.ctx,
                rota=rota,
                people=await self.people(rota.room_id),
                node=await self.nodes.by_room(rota.room_id),
                nodes=await self.nodes.all(),
                now=now,
            )
            await self.applier.apply(effects, now=now)
            log.info("rota handed over", extra={"rota": rota.id})
            return await self.rotations.by_id(rota_id)

    async def remind_handover(self, rota_id: str) -> None:
        async with self._lock:
            rota = await self.rotations.by_id(rota_id)
            if rota is None:
                return
            effects = flow.soon(
                self.ctx,
                rota=rota,
                people=await self.people(rota.room_id),
                node=await self.nodes.by_room(rota.room_id),
            )
            await self.applier.apply(effects, now=self.clock())

    async def stop_rota(self, rota_id: str) -> bool:
        async with self._lock:
            rota = await self.rotations.by_id(rota_id)
            if rota is None:
                return False
            effects = flow.stop(
                self.ctx,
                rota=rota,
                people=await self.people(rota.room_id),
                node=await self.nodes.by_room(rota.room_id),
                nodes=await self.nodes.all(),
                now=self.clock(),
            )
            return await self.applier.apply(effects, now=self.clock())
