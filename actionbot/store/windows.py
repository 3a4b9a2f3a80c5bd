"""Reading windows, votes, reminder plans and polls.

Every change to them goes through :mod:`actionbot.store.changes`, which applies a flow's
decision — state, plan and messages — in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import date, datetime, time, timedelta

import aiosqlite

from actionbot.core.decisions import Vote
from actionbot.core.notes import Note
from actionbot.core.polls import PollRef
from actionbot.core.reminders import Kind, PlannedReminder
from actionbot.core.windows import State, Window
from actionbot.store.db import Database, from_db_time, to_db_time


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
        gesture_rev=row["gesture_rev"],
    )


def _row_to_reminder(row: aiosqlite.Row) -> PlannedReminder:
    return PlannedReminder(
        window_id=row["window_id"],
        node_id=row["node_id"],
        offset=row["offset_key"],
        kind=Kind(row["kind"]),
        due=from_db_time(row["due_at"]),
    )


def _row_to_poll(row: aiosqlite.Row) -> PollRef:
    return PollRef(
        window_id=row["window_id"],
        node_id=row["node_id"],
        room_id=row["room_id"],
        event_id=row["event_id"],
    )


class WindowStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- windows -------------------------------------------------------------------------

    async def id_exists(self, window_id: str) -> bool:
        return (
            await self._db.fetchone("SELECT 1 FROM windows WHERE id = ?", (window_id,)) is not None
        )

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

    async def proposed_since(self, node_id: str, since: datetime) -> int:
        """How many windows this node proposed by command since ``since``, whatever became
        of them (a series' next occurrence is not a proposal)."""
        row = await self._db.fetchone(
            """SELECT COUNT(*) AS n FROM windows WHERE proposer_node = ? AND created_at >= ?
               AND source_event IS NOT NULL""",
            (node_id, to_db_time(since)),
        )
        return row["n"] if row else 0

    async def in_states(self, states: Iterable[State]) -> list[Window]:
        wanted = [str(s) for s in states]
        marks = ",".join("?" * len(wanted))
        rows = await self._db.fetchall(
            f"SELECT * FROM windows WHERE state IN ({marks}) ORDER BY created_at", wanted
        )
        return [_row_to_window(r) for r in rows]

    async def pages(self, size: int = 500) -> AsyncIterator[list[Window]]:
        """Every window, oldest first, a page at a time (the audit export streams them:
        10,000 windows are not held in memory at once)."""
        after = -1
        while True:
            rows = await self._db.fetchall(
                "SELECT rowid AS _rowid, * FROM windows WHERE rowid > ? ORDER BY rowid LIMIT ?",
                (after, size),
            )
            if not rows:
                return
            after = rows[-1]["_rowid"]
            yield [_row_to_window(r) for r in rows]

    async def votes_of(self, window_ids: Sequence[str]) -> dict[str, dict[str, Vote]]:
        """The votes of several windows in one query."""
        marks = ",".join("?" * len(window_ids))
        rows = await self._db.fetchall(
            f"SELECT window_id, node_id, vote FROM votes WHERE window_id IN ({marks})",
            tuple(window_ids),
        )
        out: dict[str, dict[str, Vote]] = {w: {} for w in window_ids}
        for r in rows:
            out[r["window_id"]][r["node_id"]] = Vote(r["vote"])
        return out

    async def all(self) -> list[Window]:
        rows = await self._db.fetchall("SELECT * FROM windows ORDER BY created_at")
        return [_row_to_window(r) for r in rows]

    # --- votes -----------------------------------------------------------------------------

    async def votes(self, window_id: str) -> dict[str, Vote]:
        rows = await self._db.fetchall(
            "SELECT node_id, vote FROM votes WHERE window_id = ?", (window_id,)
        )
        return {r["node_id"]: Vote(r["vote"]) for r in rows}

    # --- reminders ---------------------------------------------------------------------------

    async def planned_reminders(self, before: datetime | None = None) -> list[PlannedReminder]:
        """Reminders still to send; due before ``before`` if given (indexed)."""
        if before is None:
            rows = await self._db.fetchall(
                "SELECT * FROM reminders WHERE status = 'planned' ORDER BY due_at"
            )
        else:
            rows = await self._db.fetchall(
                "SELECT * FROM reminders WHERE status = 'planned' AND due_at < ? ORDER BY due_at",
                (to_db_time(before),),
            )
        return [_row_to_reminder(r) for r in rows]

    async def planned_summary(self) -> tuple[int, datetime | None]:
        """How many reminders are still to send, and the next due instant (one query)."""
        row = await self._db.fetchone(
            "SELECT COUNT(*) AS n, MIN(due_at) AS next FROM reminders WHERE status = 'planned'"
        )
        if row is None or not row["n"]:
            return 0, None
        return int(row["n"]), from_db_time(row["next"])

    async def ending_after(self, states: Iterable[State], instant: datetime) -> list[Window]:
        """Windows in ``states`` that may end after ``instant`` — a superset (two days of
        margin for the zones of a wave), so start-up does not compute every past window's
        per-node ends."""
        wanted = [str(s) for s in states]
        marks = ",".join("?" * len(wanted))
        rows = await self._db.fetchall(
            f"""SELECT * FROM windows WHERE state IN ({marks})
                AND julianday(COALESCE(start_at, anchor_at, local_date))
                    + duration_s / 86400.0 + 2 >= julianday(?)
                ORDER BY created_at""",
            (*wanted, to_db_time(instant)),
        )
        return [_row_to_window(r) for r in rows]

    async def forget_over_before(self, cutoff: datetime) -> int:
        """Delete windows that were over (done, cancelled, rejected) before ``cutoff`` — with
        two days of margin for the zones of a wave — and everything recorded about them
        (votes, polls, reminders, RSVPs, adaptations, guidelines, reports), unless their
        roundup is kept. Returns how many windows. History is evidence: kept no longer than
        ``store.retention``."""
        async with self._db.transaction() as tx:
            await tx.execute("""CREATE TEMP TABLE IF NOT EXISTS forget (id TEXT PRIMARY KEY)""")
            await tx.execute("DELETE FROM forget")
            await tx.execute(
                """INSERT INTO forget (id) SELECT id FROM windows
                   WHERE state IN ('done', 'cancelled', 'rejected') AND created_at < ?
                   AND julianday(COALESCE(start_at, anchor_at, local_date, created_at))
                       + duration_s / 86400.0 + 2 < julianday(?)
                   AND id NOT IN (SELECT window_id FROM kept_roundups)""",
                (to_db_time(cutoff), to_db_time(cutoff)),
            )
            for table in _WINDOW_RECORDS:
                await tx.execute(f"DELETE FROM {table} WHERE window_id IN (SELECT id FROM forget)")
            cur = await tx.execute("DELETE FROM windows WHERE id IN (SELECT id FROM forget)")
            await tx.execute("DELETE FROM forget")
            return cur.rowcount

    async def reminders_of(self, window_id: str) -> list[tuple[PlannedReminder, str, str | None]]:
        rows = await self._db.fetchall(
            "SELECT * FROM reminders WHERE window_id = ? ORDER BY due_at, node_id", (window_id,)
        )
        return [(_row_to_reminder(r), r["status"], r["reason"]) for r in rows]

    # --- polls --------------------------------------------------------------------------

    async def polls_of(self, window_id: str) -> list[PollRef]:
        rows = await self._db.fetchall(
            """SELECT p.window_id, p.node_id, p.room_id, o.event_id
               FROM polls p JOIN outbox o ON o.key = p.message_key
               WHERE p.window_id = ? ORDER BY p.node_id""",
            (window_id,),
        )
        return [_row_to_poll(r) for r in rows]

    async def poll_by_event(self, event_id: str) -> PollRef | None:
        """The poll a response answers (its event id is the poll's, as sent)."""
        row = await self._db.fetchone(
            """SELECT p.window_id, p.node_id, p.room_id, o.event_id
               FROM polls p JOIN outbox o ON o.key = p.message_key
               WHERE o.event_id = ?""",
            (event_id,),
        )
        return _row_to_poll(row) if row else None


# Every table that records something about a window (by ``window_id``).
_WINDOW_RECORDS = (
    "votes",
    "reminders",
    "polls",
    "rsvps",
    "adaptations",
    "guidelines",
    "reports",
)
