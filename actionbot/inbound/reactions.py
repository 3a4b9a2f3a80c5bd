"""Reactions: a coordinator's ✅ or ❌ on a request's notice in the coordination room admits
or refuses that room, like ``!node admit`` / ``!node refuse``; every other reaction is
chat, and ignored without a database read."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from actionbot.config import Config
from actionbot.core.changes import MarkHandled
from actionbot.core.keys import MessageKey, MessageKind
from actionbot.core.nodes import Node, may_admit
from actionbot.flows.applier import outgoing
from actionbot.flows.effects import Effects, Notice, Response
from actionbot.flows.runner import Runner
from actionbot.matrix import events
from actionbot.matrix.connection import Connection
from actionbot.render import admission as text
from actionbot.render.catalogs import Voices
from actionbot.render.reply import Reply
from actionbot.store.events import EventLog
from actionbot.store.nodes import NodeStore
from actionbot.store.outbox import OutboxStore

log = logging.getLogger(__name__)

# The emoji people use for yes and no; variation selectors are ignored.
ADMIT = frozenset({"✅", "✔", "☑", "👍"})
REFUSE = frozenset({"❌", "✖", "❎", "👎"})


def meaning(key: str) -> bool | None:
    """True (admit), False (refuse), or None (just a reaction)."""
    bare = key.replace("\ufe0f", "").strip()
    if bare in ADMIT:
        return True
    if bare in REFUSE:
        return False
    return None


class ReactionHandler:
    def __init__(
        self,
        *,
        config: Config,
        connection: Connection,
        runner: Runner,
        nodes: NodeStore,
        outbox: OutboxStore,
        voices: Voices,
        handled: EventLog,
        notify: Callable[[], None],
        clock: Callable[[], datetime],
    ) -> None:
        self._config = config
        self._connection = connection
        self._runner = runner
        self._nodes = nodes
        self._outbox = outbox
        self._voices = voices
        self._handled = handled
        self._notify = notify
        self._clock = clock

    async def handle(self, reaction: events.Reaction) -> None:
        config = self._config
        admit = meaning(reaction.key)
        if admit is None or reaction.room_id != config.coordination_room:
            return
        if await self._handled.is_handled(reaction.event_id):
            return
        notice = await self._outbox.by_event_id(reaction.reacts_to)
        request = await self._nodes.request_by_notice(notice.key) if notice else None
        if request is None:
            return  # a reaction to something else, or to a request already decided
        voice = self._voices.of(await self._nodes.by_room(reaction.room_id))
        level = config.register_min_power_level
        is_coordinator = reaction.sender in config.coordinators or (
            await self._connection.power_level(reaction.room_id, reaction.sender) >= level
        )
        if not may_admit(is_coordinator=is_coordinator, in_coordination_room=True):
            await self._answer(reaction, text.only_coordinators_admit(voice), once=True)
            return

        def answered(node: Node) -> Effects:
            done = text.admission_done(voice, node, admitted=admit)
            return Effects(
                changes=(MarkHandled(event_id=reaction.event_id, room_id=reaction.room_id),),
                messages=(self._notice(reaction, done),),
            )

        response = Response(answered)
        if admit:
            await self._runner.admit(request.id, response=response)
        else:
            await self._runner.refuse(request.id, "", response=response)
        if response.applied:
            log.info("request decided by reaction", extra={"node": request.id, "admit": admit})
            self._notify()

    def _notice(self, reaction: events.Reaction, reply: Reply, *, once: bool = False) -> Notice:
        key = MessageKey(kind=MessageKind.REPLY, event=reaction.event_id)
        if once:  # said once per person and request, however often they react
            key = MessageKey(
                kind=MessageKind.NOT_COUNTED,
                event=reaction.reacts_to,
                session=self._runner.person_hash(reaction.sender)[:16],
            )
        return Notice(
            key=key,
            room_id=reaction.room_id,
            reply=reply,
            in_reply_to=reaction.reacts_to,
            mention=reaction.sender,
        )

    async def _answer(self, reaction: events.Reaction, reply: Reply, *, once: bool) -> None:
        await self._handled.record_handled(
            event_id=reaction.event_id,
            room_id=reaction.room_id,
            now=self._clock(),
            messages=[outgoing(self._notice(reaction, reply, once=once))],
        )
        self._notify()
