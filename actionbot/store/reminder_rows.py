"""SQL for planned reminders (one row per window, node and offset), used inside the
transactions of :mod:`actionbot.store.changes`. Each row is planned, then fired, skipped or
cancelled exactly once; the guards in the ``WHERE`` clauses are what make a replay or a
stale timer change nothing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import aiosqlite

from actionbot.core.reminders import PlannedReminder
from actionbot.store.db import to_db_time


async def insert_plan(
    tx: aiosqlite.Connection, plan: Iterable[PlannedReminder], now: datetime
) -> None:
    for item in plan:
        await tx.execute(
            """INSERT OR IGNORE INTO reminders
                   (window_id, node_id, offset_key, kind, due_at, status, updated_at)
               VALUES (?, ?, ?, ?, ?, 'planned', ?)""",
            (
                item.window_id,
                item.node_id,
                item.offset,
                str(item.kind),
                to_db_time(item.due),
                to_db_time(now),
            ),
        )


async def cancel_planned(
    tx: aiosqlite.Connection, window_id: str, reason: str, now: datetime
) -> None:
    await tx.execute(
        """UPDATE reminders SET status = 'cancelled', reason = ?, updated_at = ?
           WHERE window_id = ? AND status = 'planned'""",
        (reason, to_db_time(now), window_id),
    )


async def settle_reminder(
    tx: aiosqlite.Connection, item: PlannedReminder, status: str, reason: str | None, now: datetime
) -> bool:
    """Settle the reminder ``item`` is — for the time it was planned for: an item read
    before its node moved zone must not settle the reminder planned anew (review: the
    old time was sent and the new one lost)."""
    cur = await tx.execute(
        """UPDATE reminders SET status = ?, reason = ?, updated_at = ?
           WHERE window_id = ? AND node_id = ? AND offset_key = ? AND status = 'planned'
           AND due_at = ?""",
        (
            status,
            reason,
            to_db_time(now),
            item.window_id,
            item.node_id,
            item.offset,
            to_db_time(item.due),
        ),
    )
    return cur.rowcount == 1


async def replan_node(
    tx: aiosqlite.Connection,
    window_id: str,
    node_id: str,
    plan: Sequence[PlannedReminder],
    now: datetime,
) -> None:
    """Replace a node's still-planned reminders for a window (fired ones stay fired, unless
    they are planned again for a new time)."""
    await tx.execute(
        "DELETE FROM reminders WHERE window_id = ? AND node_id = ? AND status = 'planned'",
        (window_id, node_id),
    )
    for item in plan:
        await tx.execute(
            """INSERT INTO reminders
                   (window_id, node_id, offset_key, kind, due_at, status, updated_at)
               VALUES (?, ?, ?, ?, ?, 'planned', ?)
               ON CONFLICT (window_id, node_id, offset_key) DO UPDATE SET
                   due_at = excluded.due_at, status = 'planned', reason = NULL,
                   updated_at = excluded.updated_at
               WHERE reminders.due_at != excluded.due_at""",
            (
                item.window_id,
                item.node_id,
                item.offset,
                str(item.kind),
                to_db_time(item.due),
                to_db_time(now),
            ),
        )
