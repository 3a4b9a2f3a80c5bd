"""Queries for rotas. People are stored only as keyed hashes (see core.rotation)."""

from __future__ import annotations

import json

import aiosqlite

from actionbot.core.outbox import SET_POWER
from actionbot.core.rotation import Rotation
from actionbot.store.db import Database, from_db_time, to_db_time


def _row(row: aiosqlite.Row) -> Rotation:
    return Rotation(
        id=row["id"],
        room_id=row["room_id"],
        duty=row["duty"],
        members=tuple(json.loads(row["members_json"])),
        cadence=row["cadence"],
        power=row["power"],
        position=row["position"],
        next_at=from_db_time(row["next_at"]),
        prior={str(k): int(v) for k, v in json.loads(row["prior_json"]).items()},
    )


async def save_rotation(tx: aiosqlite.Connection, rotation: Rotation) -> None:
    await tx.execute(
        """INSERT INTO rotations (id, room_id, duty, members_json, cadence, power, position,
                                  next_at, prior_json)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET
               members_json = excluded.members_json, cadence = excluded.cadence,
               power = excluded.power, position = excluded.position,
               next_at = excluded.next_at, prior_json = excluded.prior_json""",
        (
            rotation.id,
            rotation.room_id,
            rotation.duty,
            json.dumps(list(rotation.members)),
            rotation.cadence,
            rotation.power,
            rotation.position,
            to_db_time(rotation.next_at),
            json.dumps(rotation.prior),
        ),
    )


class RotationStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def by_id(self, rotation_id: str) -> Rotation | None:
        row = await self._db.fetchone("SELECT * FROM rotations WHERE id = ?", (rotation_id,))
        return _row(row) if row else None

    async def of_room(self, room_id: str) -> list[Rotation]:
        rows = await self._db.fetchall(
            "SELECT * FROM rotations WHERE room_id = ? ORDER BY duty", (room_id,)
        )
        return [_row(r) for r in rows]

    async def all(self) -> list[Rotation]:
        rows = await self._db.fetchall("SELECT * FROM rotations ORDER BY next_at")
        return [_row(r) for r in rows]

    async def pending_power(self, room_id: str) -> list[tuple[str, int]]:
        """Power changes queued for the room and not yet made, oldest first: a rota read
        right after a hand-over must see the levels as they are about to be."""
        rows = await self._db.fetchall(
            """SELECT content FROM outbox WHERE room_id = ? AND event_type = ?
                   AND status = 'pending' ORDER BY created_at, rowid""",
            (room_id, SET_POWER),
        )
        found: list[tuple[str, int]] = []
        for row in rows:
            content = json.loads(row["content"])
            user, level = content.get("user"), content.get("level")
            if isinstance(user, str) and isinstance(level, int):
                found.append((user, level))
        return found
