"""Text messages that are commands: run them and record the answer atomically."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from actionbot.commands.context import CommandContext, Outcome, answer_messages
from actionbot.commands.dispatch import Commands
from actionbot.config import Config
from actionbot.core.outbox import OutgoingMessage
from actionbot.core.ratelimit import CommandLimits
from actionbot.flows.applier import outgoing
from actionbot.matrix import events
from actionbot.matrix.connection import Connection
from actionbot.render.catalogs import Voices
from actionbot.render.faults import too_fast
from actionbot.store.events import EventLog
from actionbot.store.nodes import NodeStore

log = logging.getLogger(__name__)


def outgoing_answer(
    outcome: Outcome,
    room_id: str,
    event_id: str,
    sender: str,
    useful_until: datetime | None = None,
) -> list[OutgoingMessage]:
    return [outgoing(m) for m in answer_messages(outcome, room_id, event_id, sender, useful_until)]


class CommandHandler:
    def __init__(
        self,
        *,
        config: Config,
        commands: Commands,
        connection: Connection,
        nodes: NodeStore,
        voices: Voices,
        handled: EventLog,
        notify: Callable[[], None],
        clock: Callable[[], datetime],
        limits: CommandLimits | None = None,
    ) -> None:
        """``limits`` is shared with the other inbound handlers that answer people."""
        self._config = config
        self._commands = commands
        self._connection = connection
        self._nodes = nodes
        self._voices = voices
        self._handled = handled
        self._notify = notify
        self._clock = clock
        self._limits = limits or CommandLimits()

    async def handle(self, message: events.TextMessage) -> None:
        prefix = self._config.command_prefix
        if not self._commands.is_command(message.body, prefix):
            return  # ordinary chat: not even a database read
        if await self._handled.is_handled(message.event_id):
            return
        person = self._commands.services.runner.person_hash(message.sender)
        # Charged when it arrives (a sending time is the sender's server's word, and a
        # hostile one could space its stamps out). A vote is never refused for the
        # person's pace — after an outage a coordinator's backlog arrives all at once, and
        # a dropped vote is the worst loss (review) — only for the room's.
        now = self._clock()
        words = message.body.split(maxsplit=1)
        vote = bool(words) and words[0].lower() == f"{prefix}vote"
        allowed, tell = self._limits.allow(person, message.room_id, now, pace_person=not vote)
        if not allowed:
            log.warning("command refused: too many too fast", extra={"room_id": message.room_id})
            node = await self._nodes.by_room(message.room_id)
            outcome = Outcome(reply=too_fast(self._voices.of(node)))
            await self._handled.record_handled(
                event_id=message.event_id,
                room_id=message.room_id,
                now=self._clock(),
                messages=outgoing_answer(
                    outcome,
                    message.room_id,
                    message.event_id,
                    message.sender,
                    now + self._config.max_command_age,
                )
                if tell
                else [],
            )
            if tell:
                self._notify()
            return
        now = self._clock()
        connection = self._connection
        node = await self._nodes.by_room(message.room_id)
        ctx = CommandContext(
            room_id=message.room_id,
            sender=message.sender,
            event_id=message.event_id,
            now=now,
            sender_power=lambda: connection.power_level(message.room_id, message.sender),
            is_coordinator=message.sender in self._config.coordinators,
            prefix=prefix,
            node=node,
            voice=self._voices.of(node),
            reply_to=message.reply_to,
            # Answers are retried through an outage for as long as a command is acted on.
            reply_until=now + self._config.max_command_age,
        )
        outcome = await self._commands.handle(ctx, message.body)
        if outcome is None:
            return
        recorded = outcome.recorded or await self._handled.record_handled(
            event_id=message.event_id,
            room_id=message.room_id,
            now=now,
            messages=outgoing_answer(
                outcome, message.room_id, message.event_id, message.sender, ctx.reply_until
            ),
        )
        if recorded:
            log.info(
                "command answered",
                extra={
                    "room_id": message.room_id,
                    "event_id": message.event_id,
                    "error": outcome.reply.is_error,
                },
            )
            self._notify()
