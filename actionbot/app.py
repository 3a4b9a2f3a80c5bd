"""Wiring: build every part once, pass them in, run the sync loop, shut down cleanly.

Each sync batch is handled in this order: key maintenance and trust → invites →
timeline (commands, poll answers, undecryptable hints) → save the sync token. After the
first batch of a run, the timed jobs (deadlines, reminders, ends) are rebuilt from the
database: commands that arrived while the bot was down count before any overdue job runs.
Saving the token last means a crash re-delivers the batch; handled events are recorded,
so nothing is doubled.

Replay rules, so a restart never answers old commands again:
- the very first sync of a fresh store is history: its timeline is skipped;
- an event already recorded as handled is skipped;
- a command older than ``bot.max_command_age`` is skipped (a command sent while the
  bot was down *is* answered if it is younger than that).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from nio import RoomMessageText, UnknownEvent

from actionbot.calendars import load_calendar
from actionbot.commands.context import CommandContext, Outcome, Services
from actionbot.commands.dispatch import Commands, build_commands
from actionbot.render.reply import code, reply
from actionbot.config import Config
from actionbot.coordination import Coordinator, Problem
from actionbot.core.decisions import Vote
from actionbot.core.outbox import OutgoingMessage
from actionbot.core.servers import invite_allowed, server_of
from actionbot.matrix import events
from actionbot.matrix.connection import Connection, LoginFailed, SyncFailed
from actionbot.matrix.content import notice_content
from actionbot.matrix.sender import OutboxSender
from actionbot.scheduler import Scheduler
from actionbot.store import (
    Database,
    EventLog,
    NodeStore,
    OutboxStore,
    SessionStore,
    WindowStore,
)

log = logging.getLogger(__name__)

MAX_SYNC_BACKOFF = timedelta(seconds=60)
SHUTDOWN_GRACE = timedelta(seconds=10)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Bot:
    """One bot instance. Several can run in one process (tests do): no globals."""

    def __init__(self, config: Config, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.config = config
        self.clock = clock
        self.ready = asyncio.Event()  # set after the first handled sync (tests wait on it)
        self.db: Database | None = None
        self.connection: Connection | None = None
        self.sender: OutboxSender | None = None
        self.commands: Commands | None = None
        self._events: EventLog | None = None
        self._hint_tasks: set[asyncio.Task[None]] = set()
        self._to_greet: set[str] = set()  # joined, greeting once the room has synced
        self._sender_task: asyncio.Task[None] | None = None
        self._pending_hints: dict[str, events.Undecryptable] = {}
        self.scheduler = Scheduler()
        self.windows: WindowStore | None = None
        self.outbox: OutboxStore | None = None
        self.coordinator: Coordinator | None = None

    async def run(self, stop: asyncio.Event) -> int:
        """Run until ``stop`` is set. Returns a process exit code."""
        config = self.config
        self.db = await Database.open(config.db_path)
        sessions = SessionStore(self.db)
        try:
            opened = await Connection.open(config, sessions, now=self.clock())
            if isinstance(opened, LoginFailed):
                log.error("login failed", extra={"reason": opened.reason})
                return 2
            self.connection = opened
            outbox = OutboxStore(self.db)
            self._events = EventLog(self.db)
            self.sender = OutboxSender(
                outbox=outbox, connection=opened, config=config, clock=self.clock
            )
            calendar = load_calendar(config.calendar_file)
            if isinstance(calendar, list):
                log.error(
                    "calendar file is invalid", extra={"problems": [str(e) for e in calendar]}
                )
                return 2
            nodes = NodeStore(self.db)
            self.windows = WindowStore(self.db)
            self.outbox = outbox
            self.coordinator = Coordinator(
                config=config,
                windows=self.windows,
                nodes=nodes,
                outbox=outbox,
                scheduler=self.scheduler,
                calendar=calendar,
                clock=self.clock,
                notify=self.sender.notify,
                salt=await sessions.install_secret("person-hash"),
            )
            self.commands = build_commands(
                Services(
                    config=config,
                    nodes=nodes,
                    windows=self.windows,
                    coordinator=self.coordinator,
                    upload=self._upload,
                )
            )
            self.scheduler.start()
            try:
                code_ = await self._sync_loop(sessions, stop)
            finally:
                self.scheduler.shutdown()
                await self._settle_hints()
                if self._sender_task is not None:
                    await self.sender.flush(grace=SHUTDOWN_GRACE)
                    await self.sender.stop(grace=SHUTDOWN_GRACE)
                    self._sender_task.cancel()
                    await asyncio.gather(self._sender_task, return_exceptions=True)
            return code_
        finally:
            if self.connection is not None:
                await self.connection.close()
            await self.db.close()
            log.info("stopped")

    # --- sync loop ----------------------------------------------------------------------------

    async def _sync_loop(self, sessions: SessionStore, stop: asyncio.Event) -> int:
        assert self.connection is not None
        since = await sessions.sync_token()
        fresh_store = since is None
        backoff = timedelta(seconds=1)
        first = True
        log.info(
            "syncing", extra={"device_id": self.connection.device_id, "resuming": not fresh_store}
        )
        while not stop.is_set():
            sync = asyncio.create_task(
                self.connection.sync(
                    since=since,
                    wait=timedelta(0) if first else self.config.sync_timeout,
                    full_state=first,
                )
            )
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait({sync, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if not sync.done():
                sync.cancel()
                await asyncio.gather(sync, return_exceptions=True)
                break
            result = sync.result()
            if isinstance(result, SyncFailed):
                if result.fatal:
                    log.error(
                        "the homeserver refused the bot's session", extra={"reason": result.reason}
                    )
                    return 3
                wait = result.retry_after or backoff
                log.warning(
                    "sync failed; backing off",
                    extra={"reason": result.reason, "retry_in_s": wait.total_seconds()},
                )
                backoff = min(MAX_SYNC_BACKOFF, backoff * 2)
                try:
                    await asyncio.wait_for(stop.wait(), timeout=wait.total_seconds())
                except TimeoutError:
                    pass
                continue
            backoff = timedelta(seconds=1)
            await self.connection.maintain_keys()
            await self._handle_invites(result)
            if not (first and fresh_store):
                await self._handle_timeline(result)
            for room_id in sorted(self._to_greet & set(self.connection.client.rooms)):
                self._to_greet.discard(room_id)
                await self._greet(room_id)
            await sessions.save_sync_token(result.next_batch)
            since = result.next_batch
            if first and self.coordinator is not None:
                # Jobs are rebuilt only after the first batch is handled: commands sent while
                # the bot was down (e.g. votes just before a deadline) count before any
                # overdue job runs. The outbox starts now too, once nio knows the rooms.
                await self.coordinator.rebuild()
                assert self.sender is not None
                self._sender_task = asyncio.create_task(self.sender.run(), name="outbox")
            first = False
            self.ready.set()
        return 0

    # --- invites ---------------------------------------------------------------------------------

    async def _handle_invites(self, response: object) -> None:
        assert self.connection is not None
        for invite in events.invites(response, self.connection.user_id):  # type: ignore[arg-type]
            server = server_of(invite.inviter)
            if not invite_allowed(invite.inviter, self.config.allowed_servers):
                log.info(
                    "invite rejected: inviter's server is not on the allow-list",
                    extra={"room_id": invite.room_id, "inviter_server": server},
                )
                error = await self.connection.leave(invite.room_id)
                if error:
                    log.warning(
                        "could not reject invite", extra={"room_id": invite.room_id, "error": error}
                    )
                continue
            error = None
            for attempt in range(3):
                error = await self.connection.join(invite.room_id)
                if error is None:
                    break
                await asyncio.sleep(2**attempt)
            if error:
                log.warning(
                    "could not join room", extra={"room_id": invite.room_id, "error": error}
                )
                continue
            log.info("joined room", extra={"room_id": invite.room_id, "inviter_server": server})
            self._to_greet.add(invite.room_id)

    async def _greet(self, room_id: str) -> None:
        assert self.connection is not None and self.sender is not None
        prefix = self.config.command_prefix
        lines: list = [
            "Hello! I help collectives coordinate synchronized action windows.",
            [
                "Send ",
                code(f"{prefix}help"),
                " to see what I can do. A moderator can make this room a node with ",
                code(f"{prefix}node register <name…> tz=<zone> lang=<code>"),
                ".",
            ],
        ]
        if self.connection.fingerprint:
            lines.append(
                [
                    "To verify me: device ",
                    code(self.connection.device_id),
                    ", key ",
                    code(self.connection.fingerprint),
                    ".",
                ]
            )
        message = OutgoingMessage(
            key=f"greet:{room_id}", room_id=room_id, content=notice_content(reply(*lines))
        )
        assert self.outbox is not None
        if await self.outbox.enqueue(message, now=self.clock()):
            self.sender.notify()

    # --- timeline ------------------------------------------------------------------------------

    async def _handle_timeline(self, response: object) -> None:
        assert self.connection is not None
        now = self.clock()
        for item in events.timeline(response, self.connection.user_id):  # type: ignore[arg-type]
            if now - item.sent_at > self.config.max_command_age:
                log.debug("old event ignored", extra={"event_id": item.event_id})
                continue
            # A bug triggered by one event must not stop the bot, or it would crash again
            # on the same event after every restart: log it (no body) and go on.
            try:
                if isinstance(item, events.TextMessage):
                    await self._handle_text(item)
                elif isinstance(item, events.PollAnswer):
                    await self._handle_poll_answer(item)
                else:
                    await self._handle_undecryptable(item)
            except Exception:
                log.exception(
                    "event handling failed",
                    extra={"event_id": item.event_id, "room_id": item.room_id},
                )

    async def _handle_text(self, message: events.TextMessage) -> None:
        assert self.connection and self.commands and self._events and self.sender
        if await self._events.is_handled(message.event_id):
            return
        now = self.clock()
        connection = self.connection
        ctx = CommandContext(
            room_id=message.room_id,
            sender=message.sender,
            event_id=message.event_id,
            now=now,
            sender_power=lambda: connection.power_level(message.room_id, message.sender),
            is_coordinator=message.sender in self.config.coordinators,
            prefix=self.config.command_prefix,
        )
        outcome = await self.commands.handle(ctx, message.body)
        if outcome is None:
            return
        recorded = await self._events.record_handled(
            event_id=message.event_id,
            room_id=message.room_id,
            now=now,
            messages=self._messages_for(outcome, message.room_id, message.event_id, message.sender),
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
            self.sender.notify()

    async def _upload(self, data: bytes, filename: str, mimetype: str, room_id: str):
        assert self.connection is not None
        result = await self.connection.upload_file(
            data, filename=filename, mimetype=mimetype, room_id=room_id
        )
        return result if isinstance(result, dict) else result.reason

    async def _handle_poll_answer(self, answer: events.PollAnswer) -> None:
        """A poll response counts as the node's vote, under the same rules as ``!vote``."""
        assert self.connection and self._events and self.outbox and self.coordinator
        if await self._events.is_handled(answer.event_id):
            return
        poll = await self.outbox.by_event_id(answer.poll_event_id)
        if poll is None or not poll.key.startswith("poll:") or poll.room_id != answer.room_id:
            return  # someone else's poll
        _, window_id, node_id = poll.key.split(":")
        node = await self.coordinator.nodes.by_id(node_id)
        problem: str | None = None
        if node is None or not answer.answers or answer.answers[0] not in set(Vote):
            problem = "That poll answer could not be counted."
        elif self.config.voters == "moderators" and answer.sender not in self.config.coordinators:
            level = await self.connection.power_level(answer.room_id, answer.sender)
            if level < self.config.register_min_power_level:
                problem = "Only room moderators' answers count as this node's vote."
        messages: list[OutgoingMessage] = []
        if problem is None and node is not None:
            result = await self.coordinator.vote(
                window_id=window_id,
                node=node,
                vote=Vote(answer.answers[0]),
                via="poll",
                event_id=answer.event_id,
            )
            if isinstance(result, Problem):
                problem = result.message[0].upper() + result.message[1:] + "."
        if problem is not None:
            messages.append(
                OutgoingMessage(
                    key=f"reply:{answer.event_id}",
                    room_id=answer.room_id,
                    content=notice_content(
                        reply(problem), in_reply_to=answer.event_id, mention=answer.sender
                    ),
                )
            )
        await self._events.record_handled(
            event_id=answer.event_id, room_id=answer.room_id, now=self.clock(), messages=messages
        )
        log.info(
            "poll answer handled", extra={"room_id": answer.room_id, "counted": problem is None}
        )
        self.sender.notify()  # type: ignore[union-attr]

    @staticmethod
    def _messages_for(
        outcome: Outcome, room_id: str, event_id: str, sender: str
    ) -> list[OutgoingMessage]:
        messages = [
            OutgoingMessage(
                key=f"reply:{event_id}",
                room_id=room_id,
                content=notice_content(outcome.reply, in_reply_to=event_id, mention=sender),
            )
        ]
        for index, content in enumerate(outcome.files):
            messages.append(
                OutgoingMessage(
                    key=f"file:{event_id}:{index}",
                    room_id=room_id,
                    content={**content, "m.relates_to": {"m.in_reply_to": {"event_id": event_id}}},
                )
            )
        for note in outcome.announcements:
            messages.append(
                OutgoingMessage(
                    key=note.key, room_id=note.room_id, content=notice_content(note.reply)
                )
            )
        return messages

    async def _handle_undecryptable(self, item: events.Undecryptable) -> None:
        """Ask for the key; if it has not come after a short wait, reply once with a hint."""
        assert self.connection and self._events
        if await self._events.is_handled(item.event_id):
            return
        log.info(
            "undecryptable event; requesting its key",
            extra={"room_id": item.room_id, "event_id": item.event_id},
        )
        await self.connection.request_room_key(item.event)
        self._pending_hints[item.event_id] = item
        task = asyncio.create_task(self._hint_later(item))
        self._hint_tasks.add(task)
        task.add_done_callback(self._hint_tasks.discard)

    async def _hint_later(self, item: events.Undecryptable) -> None:
        await asyncio.sleep(self.config.undecryptable_hint_delay.total_seconds())
        try:
            await self._resolve_hint(item)
        except Exception:
            log.exception("undecryptable hint failed", extra={"event_id": item.event_id})

    async def _settle_hints(self) -> None:
        """At shutdown, decide pending hints now rather than dropping them."""
        for task in list(self._hint_tasks):
            task.cancel()
        for item in list(self._pending_hints.values()):
            try:
                await self._resolve_hint(item)
            except Exception:
                log.exception("undecryptable hint failed", extra={"event_id": item.event_id})

    async def _resolve_hint(self, item: events.Undecryptable) -> None:
        """If the key has arrived, handle the event as what it is (history stays history);
        otherwise reply once per Megolm session with a hint."""
        assert self.connection and self._events and self.sender
        if self._pending_hints.pop(item.event_id, None) is None:
            return  # already resolved
        decrypted = self.connection.try_decrypt(item.event)
        if decrypted is not None:
            if item.before_join:
                return
            if isinstance(decrypted, RoomMessageText):
                await self._handle_text(
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
                    await self._handle_poll_answer(answer)
            return
        prefix = self.config.command_prefix
        hint = reply(
            "🔒 I couldn't decrypt this message: it was sent before I joined, or your "
            "client has not shared its keys with my device yet.",
            [
                "Please send it again. If this keeps happening, allow sending to unverified "
                "devices or verify my device ",
                code(self.connection.device_id),
                ". ",
                code(f"{prefix}help"),
                " lists what I understand.",
            ],
        )
        message = OutgoingMessage(
            key=f"hint:{item.room_id}:{item.session_id}",
            room_id=item.room_id,
            content=notice_content(hint, in_reply_to=item.event_id, mention=item.sender),
        )
        if await self._events.record_hint(
            room_id=item.room_id, session_id=item.session_id, now=self.clock(), message=message
        ):
            log.info(
                "sent undecryptable hint",
                extra={"room_id": item.room_id, "event_id": item.event_id},
            )
            self.sender.notify()
