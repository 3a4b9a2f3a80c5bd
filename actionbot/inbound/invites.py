"""Invites: join rooms invited to from allowed servers, greet once the room has synced."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from actionbot.config import Config
from actionbot.core.keys import MessageKey, MessageKind
from actionbot.core.servers import invite_allowed, server_of
from actionbot.flows.applier import outgoing
from actionbot.flows.effects import Notice
from actionbot.flows.runner import Runner
from actionbot.matrix import events
from actionbot.matrix.connection import Connection
from actionbot.render import system
from actionbot.render.catalogs import Voices
from actionbot.store.nodes import NodeStore
from actionbot.store.outbox import OutboxStore

log = logging.getLogger(__name__)


class InviteHandler:
    def __init__(
        self,
        *,
        config: Config,
        connection: Connection,
        nodes: NodeStore,
        runner: Runner,
        voices: Voices,
        outbox: OutboxStore,
        notify: Callable[[], None],
        clock: Callable[[], datetime],
    ) -> None:
        self._config = config
        self._connection = connection
        self._nodes = nodes
        self._runner = runner
        self._voices = voices
        self._outbox = outbox
        self._notify = notify
        self._clock = clock
        self._to_greet: set[str] = set()  # joined, greeting once the room has synced
        self._to_continue: set[str] = set()  # successors of node rooms (upgrades)

    def continue_in(self, room_id: str) -> None:
        """``room_id`` succeeds a node's room: once synced, move the node there."""
        self._to_continue.add(room_id)

    async def handle(self, invite: events.Invite) -> None:
        connection = self._connection
        server = server_of(invite.inviter)
        if not invite_allowed(invite.inviter, self._config.allowed_servers):
            log.info(
                "invite rejected: inviter's server is not on the allow-list",
                extra={"room_id": invite.room_id, "inviter_server": server},
            )
            error = await connection.leave(invite.room_id)
            if error:
                log.warning(
                    "could not reject invite", extra={"room_id": invite.room_id, "error": error}
                )
            return
        error = None
        for attempt in range(3):
            error = await connection.join(invite.room_id)
            if error is None:
                break
            await asyncio.sleep(2**attempt)
        if error:
            log.warning("could not join room", extra={"room_id": invite.room_id, "error": error})
            return
        log.info("joined room", extra={"room_id": invite.room_id, "inviter_server": server})
        if await self._nodes.upgrade_to(invite.room_id) is not None:
            self._to_continue.add(invite.room_id)
        else:
            self._to_greet.add(invite.room_id)

    async def greet_synced(self) -> None:
        """Greet the rooms joined earlier that the client now knows (so it can encrypt);
        in a node room's successor, move the node there instead."""
        known = set(self._connection.client.rooms)
        for room_id in sorted(self._to_continue & known):
            self._to_continue.discard(room_id)
            await self._runner.continue_in(room_id)
        for room_id in sorted(self._to_greet & set(self._connection.client.rooms)):
            self._to_greet.discard(room_id)
            voice = self._voices.of(await self._nodes.by_room(room_id))
            text = system.greeting(
                voice,
                self._config.command_prefix,
                self._connection.device_id,
                self._connection.fingerprint,
            )
            notice = Notice(
                key=MessageKey(kind=MessageKind.GREETING, room=room_id), room_id=room_id, reply=text
            )
            if await self._outbox.enqueue(outgoing(notice), now=self._clock()):
                self._notify()
