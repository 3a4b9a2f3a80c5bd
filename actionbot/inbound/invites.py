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
        voices: Voices,
        outbox: OutboxStore,
        notify: Callable[[], None],
        clock: Callable[[], datetime],
    ) -> None:
        self._config = config
        self._connection = connection
        self._nodes = nodes
        self._voices = voices
        self._outbox = outbox
        self._notify = notify
        self._clock = clock
        self._to_greet: set[str] = set()  # joined, greeting once the room has synced

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
        self._to_greet.add(invite.room_id)

    async def greet_synced(self) -> None:
        """Greet the rooms joined earlier that the client now knows (so it can encrypt)."""
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
