"""The outbox worker: turns pending outbox rows into Matrix events.

- Concurrency is bounded (``sending.concurrency``) and at most one message per room is
  in flight, so messages in one room keep their order (except that a message waiting to
  be retried after a failure may be overtaken by later ones).
- A 429 pauses *all* sending for the server's ``retry_after`` (rate limits are per
  account), logged each time; it does not count as a failed attempt.
- Other failures are retried with exponential back-off up to ``sending.max_attempts``;
  then the row is marked failed with its reason and logged at ERROR, never dropped
  silently. Permanent errors (forbidden, unknown room) fail at once.
- Every send reuses the row's transaction id, so a retry after a lost response or a crash
  is deduplicated by the homeserver.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from actionbot.config import Config
from actionbot.core.outbox import (
    EDIT,
    LEAVE_ROOM,
    PIN,
    SET_POWER,
    THREAD,
    UNPIN,
    OutboxRow,
    OutgoingMessage,
    Status,
    retry_delay,
)
from actionbot.matrix.connection import Connection, RateLimited, SendFailed, Sent
from actionbot.matrix.content import edit_content, notice_content, thread_content
from actionbot.matrix.rooms import NO_POWER, is_transient
from actionbot.render.reply import Reply
from actionbot.store.outbox import OutboxStore

log = logging.getLogger(__name__)

IDLE_WAIT = timedelta(seconds=30)
# How long a message without its own limit is worth retrying through an outage.
DEFAULT_LIFETIME = timedelta(hours=24)

# (room the message was for, attempts, outbox key, reason) → the report's text.
FailureReport = Callable[[str, int, str, str], Awaitable[Reply]]
# (room the first message was for) → the text saying an outage cost messages their use.
LateReport = Callable[[str], Awaitable[Reply]]


class OutboxSender:
    def __init__(
        self,
        *,
        outbox: OutboxStore,
        connection: Connection,
        config: Config,
        clock: Callable[[], datetime],
        failure_report: FailureReport,
        late_report: LateReport | None = None,
    ) -> None:
        """``failure_report`` words a message the outbox gave up on, for the coordination
        room (in its language, naming the node the message was for); ``late_report`` one
        an outage kept back until it was no longer useful (at most one a minute: an outage
        at 1,000 nodes would otherwise make 1,000 notices)."""
        self._outbox = outbox
        self._conn = connection
        self._config = config
        self._clock = clock
        self._failure_report = failure_report
        self._late_report = late_report
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(config.send_concurrency)
        self._busy_rooms: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._paused_until: datetime | None = None
        self._stopping = False
        self._emptied = False  # rows were emptied since the last scrub

    def notify(self) -> None:
        """Something was enqueued: look at the outbox now."""
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                wait = await self.pump()
                if self._emptied and not self._tasks:
                    # Nothing in flight: the texts just sent leave the write-ahead log too.
                    self._emptied = not await self._outbox.scrub()
            except Exception:
                # Never let the sender die silently: log, wait a little, keep going.
                log.exception("outbox pump failed")
                wait = timedelta(seconds=5)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=wait.total_seconds())
            except TimeoutError:
                pass

    async def pump(self) -> timedelta:
        """Start deliveries for due rows; return how long to sleep before looking again."""
        now = self._clock()
        if self._paused_until and now < self._paused_until:
            return self._paused_until - now
        # Only as many rows as there are free slots, read just before they are sent: a
        # row read long before its turn could meanwhile be skipped (its window cancelled)
        # and would still go out; and reading 100 rows per finished send cost more CPU
        # than the sends themselves in a 1,000-room fan-out.
        free = self._config.send_concurrency - len(self._busy_rooms)
        rows = await self._outbox.due(now=now, limit=free, skip_rooms=self._busy_rooms)
        if self._stopping:  # (perhaps while reading) nothing new starts: the database closes
            rows = []
        for row in rows:
            self._busy_rooms.add(row.room_id)
            task = asyncio.create_task(self._deliver(row))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        if len(self._busy_rooms) >= self._config.send_concurrency:
            return IDLE_WAIT  # a finished send wakes the pump; no need to poll meanwhile
        # Rows of rooms with a send in flight wait for it (its end wakes the pump): counted,
        # they made the pump poll 20 times a second through a long outage (review).
        next_due = await self._outbox.next_due_at(skip_rooms=self._busy_rooms)
        if next_due is None:
            return IDLE_WAIT
        return max(timedelta(milliseconds=50), min(IDLE_WAIT, next_due - self._clock()))

    async def _deliver(self, row: OutboxRow) -> None:
        try:
            async with self._slots:
                if self._paused_until and self._clock() < self._paused_until:
                    return  # picked up again after the pause
                if row.event_type == LEAVE_ROOM:
                    await self._leave(row)
                    return
                if row.event_type == SET_POWER:
                    await self._set_power(row)
                    return
                now = self._clock()
                if row.useful_until is not None and now > row.useful_until:
                    await self._too_late(row, now)
                    return
                event_type, content = row.event_type, row.content
                if row.late_at is not None and now >= row.late_at and row.late_content:
                    content = row.late_content  # lateness is judged when it is sent
                if row.event_type in (PIN, UNPIN, EDIT, THREAD):
                    target = await self._target(row)
                    if target is None:
                        return
                    if row.event_type in (PIN, UNPIN):
                        await self._pin(row, target, pin=row.event_type == PIN)
                        return
                    event_type = "m.room.message"
                    if row.event_type == EDIT:
                        content = edit_content(row.content, target)
                    else:
                        content = thread_content(row.content, target)
                result = await self._conn.send(
                    room_id=row.room_id,
                    event_type=event_type,
                    content=content,
                    txn_id=row.txn_id,
                )
                now = self._clock()
                if isinstance(result, Sent):
                    await self._outbox.mark_sent(row.id, event_id=result.event_id, now=now)
                    log.info(
                        "message sent",
                        extra={"key": row.key, "room_id": row.room_id, "event_id": result.event_id},
                    )
                elif isinstance(result, RateLimited):
                    await self._rate_limited(row, result, now)
                else:
                    await self._failed(row, result, now)
        except Exception:
            log.exception("outbox delivery crashed", extra={"key": row.key})
        finally:
            self._busy_rooms.discard(row.room_id)
            self._emptied = True
            self._wake.set()

    async def _leave(self, row: OutboxRow) -> None:
        """Leave the room, but only once nothing queued before is still waiting for it:
        the room hears why before the bot goes."""
        now = self._clock()
        if await self._outbox.pending_before(row):
            await self._outbox.mark_retry(
                row.id,
                error="waiting for earlier messages",
                next_attempt_at=now + timedelta(seconds=5),
                now=now,
                count_attempt=False,
            )
            return
        problem = await self._conn.leave(row.room_id)
        if problem is None:
            await self._outbox.mark_sent(row.id, event_id="", now=now)
            log.info("left room", extra={"key": row.key, "room_id": row.room_id})
        else:
            await self._failed(row, SendFailed(reason=problem), now)

    async def _set_power(self, row: OutboxRow) -> None:
        user, level = row.content.get("user"), row.content.get("level")
        now = self._clock()
        if not isinstance(user, str) or not isinstance(level, int):
            await self._outbox.mark_failed(row.id, error="malformed power change", now=now)
            return
        problem = await self._conn.set_power(row.room_id, user, level)
        if problem is None:
            await self._outbox.mark_sent(row.id, event_id="", now=now)
            log.info("power level set", extra={"key": row.key, "room_id": row.room_id})
        else:
            await self._failed(row, SendFailed(reason=problem), now)

    async def _target(self, row: OutboxRow) -> str | None:
        """The event id of the message this row refers to; None when there is none to
        act on yet (retried later) or ever (skipped: it was never sent). An unpin also
        waits for its pin (``after``): run first, it would find nothing to unpin and the
        pin would then stay for good."""
        now = self._clock()
        after_key = row.content.get("after")
        if isinstance(after_key, str):
            after = await self._outbox.by_key(after_key)
            if after is not None and after.status is Status.PENDING:
                return await self._wait(row, "waiting for the pin it undoes", now)
            if after is None or after.status is not Status.SENT:
                await self._outbox.mark_skipped(row.key, reason="it was never pinned", now=now)
                return None
        key = row.content.get("target")
        target = await self._outbox.by_key(key) if isinstance(key, str) else None
        if target is not None and target.status is Status.PENDING:
            return await self._wait(row, "waiting for the message it refers to", now)
        if target is None or not target.event_id:
            await self._outbox.mark_skipped(row.key, reason="its message was not sent", now=now)
            return None
        return target.event_id

    async def _wait(self, row: OutboxRow, why: str, now: datetime) -> None:
        """Look again in 5 s, without using up an attempt."""
        await self._outbox.mark_retry(
            row.id,
            error=why,
            next_attempt_at=now + timedelta(seconds=5),
            now=now,
            count_attempt=False,
        )

    async def _pin(self, row: OutboxRow, event_id: str, *, pin: bool) -> None:
        now = self._clock()
        problem = await self._conn.set_pinned(row.room_id, event_id, pin=pin)
        if problem == NO_POWER:
            await self._outbox.mark_skipped(row.key, reason="no power to pin here", now=now)
            log.info("not pinned: no power", extra={"key": row.key, "room_id": row.room_id})
        elif problem is None:
            await self._outbox.mark_sent(row.id, event_id="", now=now)
            log.info("pins changed", extra={"key": row.key, "room_id": row.room_id})
        else:
            await self._failed(
                row, SendFailed(reason=problem, transient=is_transient(problem)), now
            )

    async def _rate_limited(self, row: OutboxRow, result: RateLimited, now: datetime) -> None:
        """Pause every send (limits are per account); the attempt does not count."""
        self._paused_until = now + result.retry_after
        await self._outbox.mark_retry(
            row.id,
            error="rate limited (429)",
            next_attempt_at=self._paused_until,
            now=now,
            count_attempt=False,
        )
        log.warning(
            "rate limited by the homeserver; backing off",
            extra={
                "retry_after_ms": int(result.retry_after.total_seconds() * 1000),
                "room_id": row.room_id,
            },
        )

    async def _too_late(self, row: OutboxRow, now: datetime) -> None:
        """Past its usefulness (an outage outlasted it): skipped, and the coordinators told."""
        await self._outbox.mark_skipped(row.key, reason="too late to be useful", now=now)
        room = self._config.coordination_room
        if self._late_report is None:
            await self._report_failure(row, row.attempts, "too late to be useful")
        elif room and row.room_id != room and not row.key.startswith("failed:"):
            text = await self._late_report(row.room_id)
            await self._outbox.enqueue(
                OutgoingMessage(
                    key=f"failed:late:{now:%Y%m%d%H%M}",  # one a minute says it for all
                    room_id=room,
                    content=notice_content(text),
                ),
                now=self._clock(),
            )
        log.warning(
            "message skipped: too late to be useful",
            extra={"key": row.key, "room_id": row.room_id, "error": row.last_error},
        )

    async def _failed(self, row: OutboxRow, result: SendFailed, now: datetime) -> None:
        """Retry with back-off, or give up (permanent error, attempts used) and report it.

        Time, not attempts, bounds a transient failure (the server unreachable or failing
        on its side): it is retried, back-off growing with the outage up to ``retry_cap``,
        for as long as the message is useful; only other errors use up attempts."""
        if result.transient and not result.permanent:
            limit = row.useful_until or row.created_at + DEFAULT_LIFETIME
            if now < limit:
                outage = now - row.created_at
                delay = min(
                    self._config.send_retry_cap, max(self._config.send_retry_base, outage / 4)
                )
                await self._outbox.mark_retry(
                    row.id,
                    error=result.reason,
                    next_attempt_at=min(now + delay, limit),
                    now=now,
                    count_attempt=False,
                )
                log.warning(
                    "send failed (server unreachable); will retry while useful",
                    extra={"key": row.key, "room_id": row.room_id, "reason": result.reason},
                )
                return
            await self._too_late(row, now)
            return
        attempts = row.attempts + 1
        extra = {
            "key": row.key,
            "room_id": row.room_id,
            "attempts": attempts,
            "reason": result.reason,
        }
        if result.permanent or attempts >= self._config.send_max_attempts:
            await self._outbox.mark_failed(row.id, error=result.reason, now=now)
            await self._report_failure(row, attempts, result.reason)
            log.error("message could not be delivered; giving up", extra=extra)
            return
        delay = retry_delay(
            attempts, base=self._config.send_retry_base, cap=self._config.send_retry_cap
        )
        await self._outbox.mark_retry(
            row.id, error=result.reason, next_attempt_at=now + delay, now=now
        )
        log.warning("send failed; will retry", extra={**extra, "retry_in_s": delay.total_seconds()})

    async def _report_failure(self, row: OutboxRow, attempts: int, reason: str) -> None:
        """Tell the coordinators that something could not be delivered (never silently)."""
        room = self._config.coordination_room
        if not room or row.room_id == room or row.key.startswith("failed:"):
            return
        text = await self._failure_report(row.room_id, attempts, row.key, reason)
        await self._outbox.enqueue(
            OutgoingMessage(key=f"failed:{row.key}", room_id=room, content=notice_content(text)),
            now=self._clock(),
        )

    async def stop(self, *, grace: timedelta) -> None:
        """Stop taking new rows and let in-flight sends finish (bounded by ``grace``)."""
        self._stopping = True
        self._wake.set()
        if self._tasks:
            _done, pending = await asyncio.wait(set(self._tasks), timeout=grace.total_seconds())
            for task in pending:
                task.cancel()
            if pending:
                # Awaited, so none of them touches the database after it is closed.
                await asyncio.gather(*pending, return_exceptions=True)
                log.warning(
                    "shutdown interrupted in-flight sends; they stay pending",
                    extra={"count": len(pending)},
                )

    async def flush(self, *, grace: timedelta) -> bool:
        """Deliver everything that is due now (used at shutdown). True if nothing is left."""
        deadline = self._clock() + grace
        while self._clock() < deadline:
            await self.pump()
            if self._tasks:
                await asyncio.wait(set(self._tasks), timeout=0.5)
                continue
            due = await self._outbox.due(now=self._clock(), limit=1)
            if not due:
                return True
            await asyncio.sleep(0.05)
        return False
