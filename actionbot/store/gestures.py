"""Queries for gestures kept in the database, adaptations, guidelines sent and RSVPs.

People who RSVP are stored only as the keyed hash used elsewhere (never a Matrix id).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

import aiosqlite

from actionbot.core.gesture_changes import (
    GestureChange,
    KeepGesture,
    RecordGuideline,
    SetAdaptation,
    SetRsvp,
    UndoReaction,
)
from actionbot.core.gestures import Gesture, GestureError, from_data
from actionbot.store.db import Database, to_db_time


async def apply(tx: aiosqlite.Connection, change: GestureChange, now: datetime) -> bool:
    """Run one gesture change inside the flow's transaction."""
    match change:
        case KeepGesture():
            gesture = change.gesture
            await tx.execute(
                """INSERT INTO gesture_versions (id, rev, body_json, added_at)
                   VALUES (?, ?, ?, ?)
                   ON CONFLICT (id, rev) DO UPDATE SET
                       added_at = COALESCE(excluded.added_at, added_at)""",
                (
                    gesture.id,
                    gesture.rev,
                    json.dumps(gesture.to_json(), ensure_ascii=False),
                    to_db_time(now) if change.added else None,
                ),
            )
        case SetAdaptation() if change.text is None:
            await tx.execute(
                "DELETE FROM adaptations WHERE window_id = ? AND node_id = ?",
                (change.window_id, change.node_id),
            )
        case SetAdaptation():
            await tx.execute(
                """INSERT INTO adaptations (window_id, node_id, text, updated_at)
                   VALUES (?, ?, ?, ?)
                   ON CONFLICT (window_id, node_id) DO UPDATE SET
                       text = excluded.text, updated_at = excluded.updated_at""",
                (change.window_id, change.node_id, change.text, to_db_time(now)),
            )
        case RecordGuideline():
            await tx.execute(
                """INSERT OR IGNORE INTO guidelines (window_id, node_id, room_id, message_key)
                   VALUES (?, ?, ?, ?)""",
                (change.window_id, change.node_id, change.room_id, change.message_key.text()),
            )
        case SetRsvp() if change.joined:
            await tx.execute(
                """INSERT INTO rsvps (window_id, node_id, person_hash, reaction_event, by_command)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (window_id, node_id, person_hash) DO UPDATE SET
                       reaction_event = COALESCE(excluded.reaction_event, reaction_event),
                       by_command = MAX(by_command, excluded.by_command)""",
                (
                    change.window_id,
                    change.node_id,
                    change.person_hash,
                    change.reaction_event,
                    int(change.reaction_event is None),
                ),
            )
        case SetRsvp():
            await tx.execute(
                "DELETE FROM rsvps WHERE window_id = ? AND node_id = ? AND person_hash = ?",
                (change.window_id, change.node_id, change.person_hash),
            )
        case UndoReaction():
            mine = (change.reaction_event, change.node_id, change.person_hash)
            where = "reaction_event = ? AND node_id = ? AND person_hash = ?"
            await tx.execute(f"DELETE FROM rsvps WHERE {where} AND by_command = 0", mine)
            await tx.execute(f"UPDATE rsvps SET reaction_event = NULL WHERE {where}", mine)
    return True


class GestureStore:
    def __init__(self, db: Database, language: Callable[[str], str | None]) -> None:
        self._db = db
        self._language = language

    def _gesture(self, body: str) -> Gesture | None:
        made = from_data(json.loads(body), source="database", language=self._language)
        return None if isinstance(made, GestureError) else made

    async def version(self, gesture_id: str, rev: str) -> Gesture | None:
        row = await self._db.fetchone(
            "SELECT body_json FROM gesture_versions WHERE id = ? AND rev = ?", (gesture_id, rev)
        )
        return self._gesture(row["body_json"]) if row else None

    async def added(self) -> dict[str, Gesture]:
        """The gestures coordinators sent in chat: the latest version of each id."""
        rows = await self._db.fetchall(
            """SELECT id, body_json FROM gesture_versions WHERE added_at IS NOT NULL
               ORDER BY added_at, rowid"""
        )
        found: dict[str, Gesture] = {}
        for row in rows:
            gesture = self._gesture(row["body_json"])
            if gesture is not None:
                found[row["id"]] = gesture
        return found

    async def adaptations(self, window_id: str) -> dict[str, str]:
        rows = await self._db.fetchall(
            "SELECT node_id, text FROM adaptations WHERE window_id = ?", (window_id,)
        )
        return {row["node_id"]: row["text"] for row in rows}

    async def guidelines(self, window_id: str) -> dict[str, tuple[str, str]]:
        """Node id → (room id, message key) of the guidelines queued for a window."""
        rows = await self._db.fetchall(
            "SELECT node_id, room_id, message_key FROM guidelines WHERE window_id = ?",
            (window_id,),
        )
        return {row["node_id"]: (row["room_id"], row["message_key"]) for row in rows}

    async def guideline_of(self, message_key: str) -> tuple[str, str] | None:
        """(window id, node id) of the guideline sent under this outbox key."""
        row = await self._db.fetchone(
            "SELECT window_id, node_id FROM guidelines WHERE message_key = ?", (message_key,)
        )
        return (row["window_id"], row["node_id"]) if row else None

    async def rsvp_counts(self, window_id: str) -> dict[str, int]:
        rows = await self._db.fetchall(
            """SELECT node_id, COUNT(*) AS n FROM rsvps WHERE window_id = ?
               GROUP BY node_id""",
            (window_id,),
        )
        return {row["node_id"]: row["n"] for row in rows}

    async def has_rsvp(self, window_id: str, node_id: str, person_hash: str) -> bool:
        row = await self._db.fetchone(
            "SELECT 1 FROM rsvps WHERE window_id = ? AND node_id = ? AND person_hash = ?",
            (window_id, node_id, person_hash),
        )
        return row is not None
