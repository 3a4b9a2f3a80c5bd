"""Messages the bot could not decrypt: ask for the key; if it has not come after a short
wait, handle the event as what it is, or reply with a hint — once per person, room and
day (per Megolm session, made-up session ids got a hint each — review). Each one passes
the same token buckets as commands: a flood costs no key requests beyond them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from nio import RoomMessageText, UnknownEvent

from actionbot.config import Config
from actionbot.core.keys import MessageKey, MessageKind
from actionbot.core.ratelimit import CommandLimits
from actionbot.flows.applier import outgoing
from actionbot.flows.effects import Notice
from actionbot.inbound.commands import CommandHandler
from actionbot.inbound.polls import PollHandler
from actionbot.matrix import events
from actionbot.matrix.connection import Connection
from actionbot.render import system
from actionbot.render.catalogs import Voices
from actionbot.store.events import EventLog
from actionbot.store.nodes import NodeStore

log = logging.getLogger(__name__)


class UndecryptableHandler:
    def __init__(
        self,
        *,
        config: Config,
        connection: Connection,
        commands: CommandHandler,
        polls: PollHandler,
        nodes: NodeStore,
        voices: Voices,
        handled: EventLog,
        notify: Callable[[], None],
        clock: Callable[[], datetime],
        person_hash: Callable[[str], str],
        limits: CommandLimits | None = None,
    ) -> None:
        self._config = config
        self._connection = connection
        self._commands = commands
        self._person_hash = person_hash
        self._limits = limits or CommandLimits()
        self._polls = polls
        self._nodes = nodes
        self._voices = voices
        self._handled = handled
        self._notify = notify
        self._clock = clock
        self._tasks: set[asyncio.Task[None]] = set()
        self._pending: dict[str, events.Undecryptable] = {}

    async def handle(self, item: events.Undecryptable) -> None:
        if await self._handled.is_handled(item.event_id):
            return
        person = self._person_hash(item.sender)
        allowed, _tell = self._limits.allow(person, item.room_id, self._clock())
        if not allowed:
            log.warning("undecryptable event ignored: too many too fast")
            return
        log.info(
            "undecryptable event; requesting its key",
            extra={"room_id": item.room_id, "event_id": item.event_id},
        )
        await self._connection.request_room_key(item.event)
        self._pending[item.event_id] = item
        task = asyncio.create_task(self._later(item))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _later(self, item: events.Undecryptable) -> None:
        await asyncio.sleep(self._config.undecryptable_hint_delay.total_seconds())
        try:
            await self._resolve(item)
        except Exception:
            log.exception("undecryptable hint failed", extra={"event_id": item.event_id})

    async def settle(self) -> None:
        """At shutdown, decide pending hints now rather than dropping them."""
        for task in list(self._tasks):
            task.cancel()
        for item in list(self._pending.values()):
            try:
                await self._resolve(item)
            except Exception:
                log.exception("undecryptable hint failed", extra={"event_id": item.event_id})

    async def _resolve(self, item: events.Undecryptable) -> None:
        """If the key has arrived, handle the event as what it is (history stays history);
        otherwise reply once per Megolm session with a hint."""
        if self._pending.pop(item.event_id, None) is None:
            return  # already resolved
        decrypted = self._connection.try_decrypt(item.event)
        if decrypted is not None:
            if item.before_join:
                return
            if isinstance(decrypted, RoomMessageText):
                await self._commands.handle(
                    events.TextMessage(
                        room_id=item.room_id,
                        event_id=item.event_id,
                        sender=item.sender,
                        body=decrypted.body,
                        sent_at=item.sent_at,
                        encrypted=True,
                    )
                )
            elif isinstance(decrypted, UnknownEvent) and decrypted.type in (
                events.POLL_RESPONSE_TYPES
            ):
                answer = events.poll_answer(item.room_id, decrypted)
                if answer is not None:
                    await self._polls.handle(answer)
            return
        voice = self._voices.of(await self._nodes.by_room(item.room_id))
        now = self._clock()
        hinted = f"{self._person_hash(item.sender)[:16]}-{now:%Y%m%d}"
        notice = Notice(
            key=MessageKey(kind=MessageKind.HINT, room=item.room_id, session=hinted),
            room_id=item.room_id,
            reply=system.undecryptable(
                voice, self._config.command_prefix, self._connection.device_id
            ),
            in_reply_to=item.event_id,
            mention=item.sender,
        )
        if await self._handled.record_hint(
            room_id=item.room_id,
            session_id=hinted,
            now=now,
            message=outgoing(notice),
        ):
            log.info(
                "sent undecryptable hint",
                extra={"room_id": item.room_id, "event_id": item.event_id},
            )
            self._notify()
