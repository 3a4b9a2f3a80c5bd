"""The bot's life: open the store, log in, compose the parts, sync until stopped, and shut
down cleanly (settle pending hints, flush the outbox, close the connection and database).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from actionbot.calendars import load_calendar
from actionbot.compose import Parts, compose
from actionbot.config import Config
from actionbot.core.keys import MessageKey, MessageKind
from actionbot.flows.applier import outgoing
from actionbot.flows.effects import Notice
from actionbot.gestures import load_files
from actionbot.housekeeping import forget_old
from actionbot.matrix.connection import Connection, LoginFailed
from actionbot.matrix.cross_signing import CrossSigningKeys
from actionbot.matrix.sender import OutboxSender
from actionbot.render.catalogs import Catalogs
from actionbot.render.system import device_replaced, identity_replaced
from actionbot.store import Database, SessionStore, WindowStore

log = logging.getLogger(__name__)

SHUTDOWN_GRACE = timedelta(seconds=10)
HOUSEKEEPING = timedelta(hours=6)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Bot:
    """One bot instance. Several can run in one process (tests do): no globals."""

    def __init__(self, config: Config, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.config = config
        self.clock = clock
        self.ready = asyncio.Event()  # set after the first handled sync (tests wait on it)
        self._parts: Parts | None = None
        self._signing_keys: CrossSigningKeys | None = None
        self._sender_task: asyncio.Task[None] | None = None
        self._housekeeping_task: asyncio.Task[None] | None = None

    # Read by tests and tools once the bot runs.
    @property
    def parts(self) -> Parts:
        if self._parts is None:
            raise RuntimeError("the bot is not running")
        return self._parts

    @property
    def db(self) -> Database:
        return self.parts.db

    @property
    def connection(self) -> Connection:
        return self.parts.connection

    @property
    def sender(self) -> OutboxSender:
        return self.parts.sender

    @property
    def windows(self) -> WindowStore:
        return self.parts.windows

    async def run(self, stop: asyncio.Event) -> int:
        """Run until ``stop`` is set. Returns a process exit code."""
        config = self.config
        try:
            db = await Database.open(config.db_path, writable=True)
        except (sqlite3.Error, OSError, RuntimeError) as exc:
            log.error(
                "cannot use the database: check that the file, its folder and the disk are "
                "writable by the bot's user",
                extra={"path": str(config.db_path), "error": str(exc)},
            )
            return 2
        sessions = SessionStore(db)
        connection: Connection | None = None
        try:
            opened = await Connection.open(config, sessions, now=self.clock())
            if isinstance(opened, LoginFailed):
                log.error("login failed", extra={"reason": opened.reason})
                return 2
            connection = opened
            calendar = load_calendar(config.calendar_file)
            if isinstance(calendar, list):
                log.error(
                    "calendar file is invalid", extra={"problems": [str(e) for e in calendar]}
                )
                return 2
            gestures, problems = await asyncio.to_thread(load_files, config.gesture_folders)
            if problems:
                log.error(
                    "gesture files are invalid", extra={"problems": [str(e) for e in problems]}
                )
                return 2
            salt = await sessions.person_key(config.person_key)
            if isinstance(salt, str):
                log.error("cannot start", extra={"reason": salt})
                return 2
            self._parts = compose(
                config=config,
                db=db,
                connection=connection,
                sessions=sessions,
                calendar=calendar,
                gestures=gestures,
                catalogs=await asyncio.to_thread(Catalogs.load),
                salt=salt,
                clock=self.clock,
                ready=self.ready,
                after_first=self._after_first_sync,
            )
            if config.cross_signing:
                self._signing_keys = await _signing_keys(sessions)
            if connection.replaced is not None:
                await _announce_new_device(self._parts, config, connection, self.clock())
            return await self._run_parts(self._parts, stop)
        finally:
            if connection is not None:
                await connection.close()
            await db.close()
            log.info("stopped")

    async def _run_parts(self, parts: Parts, stop: asyncio.Event) -> int:
        parts.scheduler.start(parts.runner.run_job)
        try:
            return await parts.sync.run(stop)
        finally:
            parts.scheduler.shutdown()
            if self._housekeeping_task is not None:
                self._housekeeping_task.cancel()
                await asyncio.gather(self._housekeeping_task, return_exceptions=True)
            await parts.router.undecryptable.settle()
            if self._sender_task is not None:
                await parts.sender.flush(grace=SHUTDOWN_GRACE)
                await parts.sender.stop(grace=SHUTDOWN_GRACE)
                self._sender_task.cancel()
                await asyncio.gather(self._sender_task, return_exceptions=True)

    async def _after_first_sync(self) -> None:
        """Rebuild the jobs and start the outbox, once the first batch is handled."""
        parts = self.parts
        if self._signing_keys is not None:  # the device's keys were uploaded by now
            _, in_use = await parts.connection.cross_sign(
                self._signing_keys, password=self.config.password
            )
            if in_use is not self._signing_keys:
                await SessionStore(parts.db).save_cross_signing_seeds(in_use.seeds)
                self._signing_keys = in_use
                await self._announce_new_identity(in_use.public("master"))
        await parts.runner.rebuild()
        await self._housekeeping()
        self._sender_task = asyncio.create_task(parts.sender.run(), name="outbox")
        self._housekeeping_task = asyncio.create_task(self._every(HOUSEKEEPING), name="upkeep")

    async def _announce_new_identity(self, master: str) -> None:
        """The account showed a cross-signing identity that is not the bot's (reset from a
        client, or a database from another time): the bot made a new one. People must know,
        since their clients now show the bot's identity changed (a seizer with the password
        could do this; only a WARNING in the log told no one — review)."""
        room = self.config.coordination_room
        if not room:
            return
        parts = self.parts
        voice = parts.runner.ctx.voices.of(await parts.nodes.by_room(room))
        key = MessageKey(kind=MessageKind.DEVICE, room=room, session=master[:16])
        notice = Notice(key=key, room_id=room, reply=identity_replaced(voice, master))
        await parts.outbox.enqueue(outgoing(notice), now=self.clock())

    async def _housekeeping(self) -> None:
        """Forget what is no longer needed (see :mod:`actionbot.housekeeping`), at start and
        every ``HOUSEKEEPING``: a bot that runs for months forgets too."""
        parts = self.parts
        gone = await forget_old(parts.db, self.config, parts.runner.roundups, self.clock())
        if gone.windows or gone.messages:
            log.info(
                "old history forgotten", extra={"windows": gone.windows, "messages": gone.messages}
            )

    async def _every(self, period: timedelta) -> None:
        while True:
            await asyncio.sleep(period.total_seconds())
            try:
                await self._housekeeping()
            except Exception:
                log.exception("housekeeping failed; trying again later")


async def _announce_new_device(
    parts: Parts, config: Config, connection: Connection, now: datetime
) -> None:
    """Tell the coordination room (through the outbox) that the bot has a new device."""
    replaced = connection.replaced
    if replaced is None or not config.coordination_room:
        return
    room = config.coordination_room
    voice = parts.runner.ctx.voices.of(await parts.nodes.by_room(room))
    text = device_replaced(
        voice,
        old_device=replaced.old_device,
        new_device=replaced.new_device,
        fingerprint=connection.fingerprint,
        old_deleted=replaced.old_deleted,
    )
    key = MessageKey(kind=MessageKind.DEVICE, room=room, event=replaced.new_device)
    await parts.outbox.enqueue(outgoing(Notice(key=key, room_id=room, reply=text)), now=now)


async def _signing_keys(sessions: SessionStore) -> CrossSigningKeys:
    """The account's cross-signing keys, made (and stored) at the first start."""
    seeds = await sessions.cross_signing_seeds()
    if seeds is not None and len(seeds) == 3:
        return CrossSigningKeys.from_seeds(*seeds)
    keys = CrossSigningKeys.generate()
    await sessions.save_cross_signing_seeds(keys.seeds)
    return keys
