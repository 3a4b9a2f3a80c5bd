"""Queries for the durable outbox (see :mod:`actionbot.core.outbox` for the states)."""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Collection
from datetime import datetime

import aiosqlite

from actionbot.core.outbox import COALESCE_HOLD, OutboxRow, OutgoingMessage, Status
from actionbot.store.db import Database, from_db_time, to_db_time


def _new_txn_id() -> str:
    return "ab" + secrets.token_hex(12)


async def insert_message(
    tx: aiosqlite.Connection, message: OutgoingMessage, *, now: datetime
) -> bool:
    """Insert a pending row inside an open transaction; False if the key already exists.

    Coalescable news goes at once the first time; a repeat within ``COALESCE_HOLD`` of the
    last one waits that long, and a newer repeat replaces it while it waits (the older
    row is skipped and emptied; its key stays taken, so a replay adds nothing). Ten quick
    renames make two notices — the first, and one with the last name — in order."""
    stamp = to_db_time(now)
    due = stamp
    # Held news goes before any later news to the room (a vote held 20 s must not be read
    # after the decision a later vote made, nor after another node's vote — reviews).
    # Only news still in its hold: a row waiting to be retried keeps its back-off.
    await tx.execute(
        """UPDATE outbox SET next_attempt_at = ?
           WHERE room_id = ? AND status = 'pending' AND coalesce IS NOT NULL
           AND coalesce IS NOT ? AND attempts = 0 AND last_error IS NULL
           AND next_attempt_at > ? AND created_at <= ?""",
        (stamp, message.room_id, message.coalesce, stamp, stamp),
    )
    if message.coalesce is not None:
        exists = await tx.execute("SELECT 1 FROM outbox WHERE key = ?", (message.key,))
        if await exists.fetchone() is not None:
            return False
        last = await tx.execute(
            "SELECT MAX(created_at) FROM outbox WHERE room_id = ? AND coalesce = ?",
            (message.room_id, message.coalesce),
        )
        (previous,) = await last.fetchone() or (None,)
        if previous is not None and from_db_time(previous) > now - COALESCE_HOLD:
            await tx.execute(
                """UPDATE outbox SET status = 'skipped', last_error = 'replaced by newer news',
                       content = '{}', late_content = NULL, updated_at = ?
                   WHERE room_id = ? AND coalesce = ? AND status = 'pending'""",
                (stamp, message.room_id, message.coalesce),
            )
            due = to_db_time(now + COALESCE_HOLD)
    cur = await tx.execute(
        """INSERT OR IGNORE INTO outbox
               (id, key, room_id, event_type, content, status, txn_id, attempts,
                next_attempt_at, created_at, updated_at, useful_until, late_at, late_content,
                coalesce)
           VALUES (?, ?, ?, ?, ?, 'pending', ?, 0, ?, ?, ?, ?, ?, ?, ?)""",
        (
            secrets.token_hex(8),
            message.key,
            message.room_id,
            message.event_type,
            json.dumps(message.content, ensure_ascii=False),
            _new_txn_id(),
            due,
            stamp,
            stamp,
            to_db_time(message.useful_until) if message.useful_until else None,
            to_db_time(message.late_at) if message.late_at else None,
            json.dumps(message.late_content, ensure_ascii=False)
            if message.late_content is not None
            else None,
            message.coalesce,
        ),
    )
    return cur.rowcount == 1


def _row(row: aiosqlite.Row) -> OutboxRow:
    return OutboxRow(
        id=row["id"],
        key=row["key"],
        room_id=row["room_id"],
        event_type=row["event_type"],
        content=json.loads(row["content"]),
        status=Status(row["status"]),
        txn_id=row["txn_id"],
        event_id=row["event_id"],
        attempts=row["attempts"],
        next_attempt_at=from_db_time(row["next_attempt_at"]),
        last_error=row["last_error"],
        created_at=from_db_time(row["created_at"]),
        useful_until=from_db_time(row["useful_until"]) if row["useful_until"] else None,
        late_at=from_db_time(row["late_at"]) if row["late_at"] else None,
        late_content=json.loads(row["late_content"]) if row["late_content"] else None,
    )


def _first_per_room(rows: list[aiosqlite.Row], limit: int) -> list[aiosqlite.Row]:
    seen: set[str] = set()
    picked = []
    for row in rows:
        if row["room_id"] not in seen:
            seen.add(row["room_id"])
            picked.append(row)
            if len(picked) == limit:
                break
    return picked


class OutboxStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def enqueue(self, message: OutgoingMessage, *, now: datetime) -> bool:
        async with self._db.transaction() as tx:
            return await insert_message(tx, message, now=now)

    async def due(
        self, *, now: datetime, limit: int = 50, skip_rooms: Collection[str] = ()
    ) -> list[OutboxRow]:
        """The oldest due pending row of each room not in ``skip_rooms`` (rooms with a
        send in flight), oldest first: one room's backlog never hides the other rooms,
        and only rows that can start now are read (one query per finished send).

        Usually the oldest few rows hold enough rooms; only when they do not (a backlog in
        a few rooms) is every due row ranked per room — that costs 10× more with 20,000
        waiting (second review)."""
        if limit <= 0:
            return []
        skip = sorted(skip_rooms)
        marks = ", ".join("?" * len(skip))
        probe = max(4 * limit, 64)
        rows = await self._db.fetchall(
            f"""SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
                AND room_id NOT IN ({marks}) ORDER BY created_at, rowid LIMIT ?""",
            (to_db_time(now), *skip, probe),
        )
        picked = _first_per_room(rows, limit)
        if len(picked) < limit and len(rows) == probe:
            rows = await self._db.fetchall(
                f"""SELECT * FROM (
                       SELECT *, rowid AS seq, ROW_NUMBER() OVER (
                           PARTITION BY room_id ORDER BY created_at, rowid) AS place
                       FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
                       AND room_id NOT IN ({marks}))
                   WHERE place = 1 ORDER BY created_at, seq LIMIT ?""",
                (to_db_time(now), *skip, limit),
            )
            picked = list(rows)
        return [_row(r) for r in picked]

    async def pending_before(self, row: OutboxRow) -> bool:
        """Whether a message queued before ``row`` for the same room is still pending."""
        found = await self._db.fetchone(
            """SELECT 1 FROM outbox WHERE room_id = ? AND status = 'pending'
               AND (created_at < ? OR (created_at = ? AND rowid < (
                   SELECT rowid FROM outbox WHERE id = ?)))""",
            (row.room_id, to_db_time(row.created_at), to_db_time(row.created_at), row.id),
        )
        return found is not None

    async def next_due_at(self, skip_rooms: Collection[str] = ()) -> datetime | None:
        """When the next pending row of a room not in ``skip_rooms`` is due."""
        skip = sorted(skip_rooms)
        row = await self._db.fetchone(
            f"""SELECT MIN(next_attempt_at) AS t FROM outbox WHERE status = 'pending'
                AND room_id NOT IN ({", ".join("?" * len(skip))})""",
            skip,
        )
        return from_db_time(row["t"]) if row and row["t"] else None

    async def mark_sent(self, row_id: str, *, event_id: str, now: datetime) -> None:
        await self._db.execute(
            # Once delivered, the bot keeps no copy of what it said (the room has it): a
            # seized database holds keys and event ids, not bodies or mentions.
            """UPDATE outbox SET status = 'sent', event_id = ?, attempts = attempts + 1,
                   last_error = NULL, updated_at = ?, content = '{}', late_content = NULL
               WHERE id = ? AND status = 'pending'""",
            (event_id, to_db_time(now), row_id),
        )

    async def mark_retry(
        self,
        row_id: str,
        *,
        error: str,
        next_attempt_at: datetime,
        now: datetime,
        count_attempt: bool = True,
    ) -> None:
        await self._db.execute(
            """UPDATE outbox SET attempts = attempts + ?, last_error = ?,
                   next_attempt_at = ?, updated_at = ?
               WHERE id = ? AND status = 'pending'""",
            (
                1 if count_attempt else 0,
                error,
                to_db_time(next_attempt_at),
                to_db_time(now),
                row_id,
            ),
        )

    async def mark_failed(self, row_id: str, *, error: str, now: datetime) -> None:
        await self._db.execute(
            # A message given up on keeps no content either (nor the mention in it).
            """UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?,
                   updated_at = ?, content = '{}', late_content = NULL
               WHERE id = ? AND status = 'pending'""",
            (error, to_db_time(now), row_id),
        )

    async def mark_skipped(self, key: str, *, reason: str, now: datetime) -> bool:
        """Give up a message that is no longer worth sending (it stays, with the reason)."""
        changed = await self._db.execute(
            """UPDATE outbox SET status = 'skipped', last_error = ?, updated_at = ?,
                   content = '{}', late_content = NULL
               WHERE key = ? AND status = 'pending'""",
            (reason, to_db_time(now), key),
        )
        return changed == 1

    async def forget_settled_before(self, cutoff: datetime) -> int:
        """Delete messages sent, failed or skipped before ``cutoff``: their keys (which
        event, which window, which node) are needed against doubles only while a replay
        is possible, long shorter than ``store.retention``."""
        return await self._db.execute(
            "DELETE FROM outbox WHERE status != 'pending' AND updated_at < ?",
            (to_db_time(cutoff),),
        )

    async def scrub(self) -> bool:
        """Leave no copy of emptied rows in the write-ahead log (see ``Database.scrub``)."""
        return await self._db.scrub()

    async def by_key(self, key: str) -> OutboxRow | None:
        row = await self._db.fetchone("SELECT * FROM outbox WHERE key = ?", (key,))
        return _row(row) if row else None

    async def by_event_id(self, event_id: str) -> OutboxRow | None:
        row = await self._db.fetchone("SELECT * FROM outbox WHERE event_id = ?", (event_id,))
        return _row(row) if row else None

    async def all(self) -> list[OutboxRow]:
        rows = await self._db.fetchall("SELECT * FROM outbox ORDER BY created_at, rowid")
        return [_row(r) for r in rows]

    async def status_counts(self) -> Counter[str]:
        rows = await self._db.fetchall("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
        return Counter({r["status"]: r["n"] for r in rows})
