"""Queries for reports and node settings. Senders only as keyed hashes."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from actionbot.core.report_changes import AddReport, ReportChange, SetNodeSettings, WithdrawReport
from actionbot.core.reports import NodeSettings, Report
from actionbot.store.db import Database, from_db_time, to_db_time

_COLUMNS = (
    "id, window_id, node_id, kind, created_at, caption, consent, sender_hash, source_event, "
    "sha256, size, width, height, faces"
)


def _row(row: aiosqlite.Row) -> Report:
    return Report(
        id=row["id"],
        window_id=row["window_id"],
        node_id=row["node_id"],
        kind=row["kind"],
        created_at=from_db_time(row["created_at"]),
        caption=row["caption"],
        consent=row["consent"],
        sender_hash=row["sender_hash"],
        source_event=row["source_event"],
        sha256=row["sha256"],
        size=row["size"],
        width=row["width"],
        height=row["height"],
        faces=row["faces"],
    )


async def apply(tx: aiosqlite.Connection, change: ReportChange, now: datetime) -> bool:
    match change:
        case AddReport():
            r = change.report
            cur = await tx.execute(
                f"INSERT OR IGNORE INTO reports ({_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    r.id,
                    r.window_id,
                    r.node_id,
                    r.kind,
                    to_db_time(r.created_at),
                    r.caption,
                    r.consent,
                    r.sender_hash,
                    r.source_event,
                    r.sha256,
                    r.size,
                    r.width,
                    r.height,
                    r.faces,
                ),
            )
            return cur.rowcount == 1
        case WithdrawReport():
            await tx.execute("DELETE FROM reports WHERE id = ?", (change.report_id,))
        case SetNodeSettings():
            s = change.settings
            await tx.execute(
                """INSERT INTO node_settings (node_id, blur, consent, rest) VALUES (?, ?, ?, ?)
                   ON CONFLICT (node_id) DO UPDATE SET blur = excluded.blur,
                       consent = excluded.consent, rest = excluded.rest""",
                (change.node_id, int(s.blur), s.consent, s.rest),
            )
    return True


class ReportStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def of_window(self, window_id: str) -> list[Report]:
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM reports WHERE window_id = ? ORDER BY created_at, id",
            (window_id,),
        )
        return [_row(r) for r in rows]

    async def count_by(self, window_id: str, sender_hash: str) -> int:
        """How many reports one person (by keyed hash) has made for a window."""
        row = await self._db.fetchone(
            "SELECT COUNT(*) AS n FROM reports WHERE window_id = ? AND sender_hash = ?",
            (window_id, sender_hash),
        )
        return row["n"] if row else 0

    async def by_source_event(self, event_id: str) -> Report | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM reports WHERE source_event = ?", (event_id,)
        )
        return _row(row) if row else None

    async def forget(self, report_id: str) -> None:
        await self._db.execute("DELETE FROM reports WHERE id = ?", (report_id,))

    async def hash_in_use(self, sha256: str) -> bool:
        row = await self._db.fetchone("SELECT 1 FROM reports WHERE sha256 = ?", (sha256,))
        return row is not None

    async def hashes(self) -> set[str]:
        """Every stored photo's hash that a report still refers to."""
        rows = await self._db.fetchall(
            "SELECT DISTINCT sha256 FROM reports WHERE sha256 IS NOT NULL"
        )
        return {r["sha256"] for r in rows}

    async def photos_before(self, cutoff: datetime) -> list[Report]:
        """Photo reports of windows not kept by a roundup, made before ``cutoff``."""
        rows = await self._db.fetchall(
            f"""SELECT {_COLUMNS} FROM reports WHERE kind = 'photo' AND created_at < ?
                AND window_id NOT IN (SELECT window_id FROM kept_roundups)""",
            (to_db_time(cutoff),),
        )
        return [_row(r) for r in rows]

    async def keep(self, window_id: str, now: datetime) -> None:
        await self._db.execute(
            "INSERT OR IGNORE INTO kept_roundups (window_id, kept_at) VALUES (?, ?)",
            (window_id, to_db_time(now)),
        )

    async def settings(self, node_id: str) -> NodeSettings:
        row = await self._db.fetchone(
            "SELECT blur, consent, rest FROM node_settings WHERE node_id = ?", (node_id,)
        )
        if row is None:
            return NodeSettings()
        return NodeSettings(blur=bool(row["blur"]), consent=row["consent"], rest=row["rest"])
