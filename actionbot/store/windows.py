"""Queries for windows, votes and reminder plans.

State changes go through :meth:`WindowStore.transition`, which checks the current state in
the same statement (``WHERE state = ?``) and, in the same transaction, stores the reminder
plan and enqueues the messages the change causes — so a crash can never leave a window
approved without its reminders, or announced without being approved.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

import aiosqlite

from actionbot.core.decisions import Vote
from actionbot.core.notes import Note
from actionbot.core.outbox import OutgoingMessage
from actionbot.core.reminders import Kind, PlannedReminder
from actionbot.core.windows import State, Window
from actionbot.store.db import Database, from_db_time, to_db_time
from actionbot.store.outbox import insert_message


def _opt_time(text: str | None) -> datetime | None:
    return from_db_time(text) if text else None


def _row_to_window(row: aiosqlite.Row) -> Window:
    return Window(
        id=row["id"],
        title=row["title"],
        mode=row["mode"],
        start=_opt_time(row["start_at"]),
        local_time=time.fromisoformat(row["local_time"]) if row["local_time"] else None,
        local_date=date.fromisoformat(row["local_date"]) if row["local_date"] else None,
        anchor=_opt_time(row["anchor_at"]),
        duration=timedelta(seconds=row["duration_s"]),
        state=State(row["state"]),
        proposer_node=row["proposer_node"],
        gesture=row["gesture"],
        recurrence=row["recurrence"],
        when=json.loads(row["when_json"]),
        label=row["label"],
        notes=tuple(Note.from_json(item) for item in json.loads(row["notes_json"])),
        created_at=from_db_time(row["created_at"]),
        deadline=from_db_time(row["deadline_at"]),
        decided_at=_opt_time(row["decided_at"]),
        decision=row["decision"],
        series=row["series"],
    )


def _row_to_reminder(row: aiosqlite.Row) -> PlannedReminder:
    return PlannedReminder(
        window_id=row["window_id"],
        node_id=row["node_id"],
        offset=row["offset_key"],
        kind=Kind(row["kind"]),
        due=from_db_time(row["due_at"]),
    )


async def _insert_plan(
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


class _AlreadyFinished(Exception):
    """Rolls back a series step whose previous window was already finished."""


class WindowStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- windows -------------------------------------------------------------------------

    async def id_exists(self, window_id: str) -> bool:
        return (
            await self._db.fetchone("SELECT 1 FROM windows WHERE id = ?", (window_id,)) is not None
        )

    async def create(
        self,
        window: Window,
        *,
        proposer_hash: str,
        now: datetime,
        messages: Sequence[OutgoingMessage] = (),
        plan: Iterable[PlannedReminder] = (),
        finish: Window | None = None,
        source_event: str | None = None,
    ) -> bool:
        """Insert the window with its plan and messages; with ``finish``, also move that
        approved window to done in the same transaction (False if it was not approved:
        another run already continued the series)."""

        def opt(value: datetime | None) -> str | None:
            return to_db_time(value) if value else None

        try:
            async with self._db.transaction() as tx:
                if finish is not None:
                    cur = await tx.execute(
                        "UPDATE windows SET state = 'done' WHERE id = ? AND state = 'approved'",
                        (finish.id,),
                    )
                    if cur.rowcount != 1:
                        raise _AlreadyFinished
                await tx.execute(
                    """INSERT INTO windows (id, title, mode, start_at, local_time, local_date,
                           anchor_at, duration_s, state, proposer_node, proposer_hash, gesture,
                           recurrence, when_json, label, notes_json, created_at, deadline_at,
                           decided_at, decision, series, source_event)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (
                        window.id,
                        window.title,
                        window.mode,
                        opt(window.start),
                        window.local_time.isoformat() if window.local_time else None,
                        window.local_date.isoformat() if window.local_date else None,
                        opt(window.anchor),
                        int(window.duration.total_seconds()),
                        str(window.state),
                        window.proposer_node,
                        proposer_hash,
                        window.gesture,
                        window.recurrence,
                        json.dumps(window.when),
                        window.label,
                        json.dumps([note.to_json() for note in window.notes]),
                        to_db_time(window.created_at),
                        to_db_time(window.deadline),
                        opt(window.decided_at),
                        window.decision,
                        window.series,
                        source_event,
                    ),
                )
                await _insert_plan(tx, plan, now)
                for message in messages:
                    await insert_message(tx, message, now=now)
        except _AlreadyFinished:
            return False
        return True

    async def by_source_event(self, event_id: str) -> Window | None:
        row = await self._db.fetchone("SELECT * FROM windows WHERE source_event = ?", (event_id,))
        return _row_to_window(row) if row else None

    async def get(self, window_id: str) -> Window | None:
        row = await self._db.fetchone("SELECT * FROM windows WHERE id = ?", (window_id,))
        return _row_to_window(row) if row else None

    async def proposer_hash(self, window_id: str) -> str | None:
        row = await self._db.fetchone(
            "SELECT proposer_hash FROM windows WHERE id = ?", (window_id,)
        )
        return row["proposer_hash"] if row else None

    async def in_states(self, states: Iterable[State]) -> list[Window]:
        wanted = [str(s) for s in states]
        marks = ",".join("?" * len(wanted))
        rows = await self._db.fetchall(
            f"SELECT * FROM windows WHERE state IN ({marks}) ORDER BY created_at", wanted
        )
        return [_row_to_window(r) for r in rows]

    async def all(self) -> list[Window]:
        rows = await self._db.fetchall("SELECT * FROM windows ORDER BY created_at")
        return [_row_to_window(r) for r in rows]

    async def transition(
        self,
        window: Window,
        to: State,
        *,
        now: datetime,
        decision: str | None = None,
        messages: Sequence[OutgoingMessage] = (),
        plan: Iterable[PlannedReminder] = (),
        cancel_reminders: bool = False,
    ) -> bool:
        """Move ``window`` to ``to`` if it is still in its current state; atomically store
        the plan and enqueue the messages. False if someone else changed it first."""
        window.with_state(to)  # raises on a transition the life cycle forbids
        async with self._db.transaction() as tx:
            cur = await tx.execute(
                """UPDATE windows SET state = ?, decided_at = COALESCE(?, decided_at),
                       decision = COALESCE(?, decision)
                   WHERE id = ? AND state = ?""",
                (
                    str(to),
                    to_db_time(now) if decision else None,
                    decision,
                    window.id,
                    str(window.state),
                ),
            )
            if cur.rowcount != 1:
                return False
            await _insert_plan(tx, plan, now)
            if cancel_reminders:
                await tx.execute(
                    """UPDATE reminders SET status = 'cancelled', reason = ?, updated_at = ?
                       WHERE window_id = ? AND status = 'planned'""",
                    (f"window {to}", to_db_time(now), window.id),
                )
            for message in messages:
                await insert_message(tx, message, now=now)
        return True

    # --- votes -----------------------------------------------------------------------------

    async def set_vote(
        self, window_id: str, node_id: str, vote: Vote, *, via: str, now: datetime
    ) -> None:
        await self._db.execute(
            """INSERT INTO votes (window_id, node_id, vote, via, updated_at)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (window_id, node_id) DO UPDATE SET
                   vote = excluded.vote, via = excluded.via, updated_at = excluded.updated_at""",
            (window_id, node_id, str(vote), via, to_db_time(now)),
        )

    async def votes(self, window_id: str) -> dict[str, Vote]:
        rows = await self._db.fetchall(
            "SELECT node_id, vote FROM votes WHERE window_id = ?", (window_id,)
        )
        return {r["node_id"]: Vote(r["vote"]) for r in rows}

    # --- reminders ---------------------------------------------------------------------------

    async def add_plan(self, plan: Iterable[PlannedReminder], *, now: datetime) -> None:
        async with self._db.transaction() as tx:
            await _insert_plan(tx, plan, now)

    async def replan_node(
        self, window_id: str, node_id: str, plan: Iterable[PlannedReminder], *, now: datetime
    ) -> None:
        """Replace a node's still-planned reminders for a window (fired ones stay fired)."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "DELETE FROM reminders WHERE window_id = ? AND node_id = ? AND status = 'planned'",
                (window_id, node_id),
            )
            for item in plan:
                # A reminder already sent for the old time is planned again for the new one.
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

    async def planned_reminders(self) -> list[PlannedReminder]:
        rows = await self._db.fetchall(
            "SELECT * FROM reminders WHERE status = 'planned' ORDER BY due_at"
        )
        return [_row_to_reminder(r) for r in rows]

    async def reminders_of(self, window_id: str) -> list[tuple[PlannedReminder, str, str | None]]:
        rows = await self._db.fetchall(
            "SELECT * FROM reminders WHERE window_id = ? ORDER BY due_at, node_id", (window_id,)
        )
        return [(_row_to_reminder(r), r["status"], r["reason"]) for r in rows]

    async def settle_reminder(
        self,
        reminder: PlannedReminder,
        *,
        status: str,
        now: datetime,
        reason: str | None = None,
        messages: Sequence[OutgoingMessage] = (),
    ) -> bool:
        """Mark a planned reminder fired/skipped/cancelled and enqueue its messages, once."""
        async with self._db.transaction() as tx:
            cur = await tx.execute(
                """UPDATE reminders SET status = ?, reason = ?, updated_at = ?
                   WHERE window_id = ? AND node_id = ? AND offset_key = ?
                     AND status = 'planned'""",
                (
                    status,
                    reason,
                    to_db_time(now),
                    reminder.window_id,
                    reminder.node_id,
                    reminder.offset,
                ),
            )
            if cur.rowcount != 1:
                return False
            for message in messages:
                await insert_message(tx, message, now=now)
        return True
