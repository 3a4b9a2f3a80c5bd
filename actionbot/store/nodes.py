"""Queries for nodes (registered rooms)."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from actionbot.core.decisions import Vote
from actionbot.core.nodes import Node, Standing
from actionbot.store.db import Database, from_db_time, to_db_time


@dataclass(frozen=True, kw_only=True)
class NameTaken:
    """Another room already uses this node name (names are unique, case-insensitively)."""

    name: str


def name_key(name: str) -> str:
    return name.casefold()


def _row_to_node(row: aiosqlite.Row) -> Node:
    return Node(
        id=row["id"],
        room_id=row["room_id"],
        name=row["name"],
        timezone=row["timezone"],
        language=row["language"],
        homeserver=row["homeserver"],
        registered_at=from_db_time(row["registered_at"]),
        standing=Standing(row["standing"]),
        requested_at=from_db_time(row["requested_at"]) if row["requested_at"] else None,
    )


async def upsert_node(tx: aiosqlite.Connection, node: Node) -> None:
    """Insert the node, or update the room's node in place (its id, server and
    registration time never change)."""
    await tx.execute(
        """INSERT INTO nodes (id, room_id, name, name_key, timezone, language,
                              homeserver, registered_at, standing, requested_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (room_id) DO UPDATE SET
               name = excluded.name, name_key = excluded.name_key,
               timezone = excluded.timezone, language = excluded.language,
               standing = excluded.standing, requested_at = excluded.requested_at""",
        (
            node.id,
            node.room_id,
            node.name,
            name_key(node.name),
            node.timezone,
            node.language,
            node.homeserver,
            to_db_time(node.registered_at),
            str(node.standing),
            to_db_time(node.requested_at) if node.requested_at else None,
        ),
    )


class NodeStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def by_room(self, room_id: str) -> Node | None:
        row = await self._db.fetchone("SELECT * FROM nodes WHERE room_id = ?", (room_id,))
        return _row_to_node(row) if row else None

    async def by_id(self, node_id: str) -> Node | None:
        row = await self._db.fetchone("SELECT * FROM nodes WHERE id = ?", (node_id,))
        return _row_to_node(row) if row else None

    async def all(self) -> list[Node]:
        """The network: admitted nodes only (they vote, receive windows, are listed)."""
        rows = await self._db.fetchall(
            "SELECT * FROM nodes WHERE standing = 'admitted' ORDER BY name_key"
        )
        return [_row_to_node(r) for r in rows]

    async def requests(self) -> list[Node]:
        """Rooms waiting to be admitted, oldest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM nodes WHERE standing = 'requested' ORDER BY registered_at, id"
        )
        return [_row_to_node(r) for r in rows]

    async def register(self, node: Node) -> Node | NameTaken:
        """Insert the node, or update the room's existing node (keeping its id).

        Returns the stored node, or :class:`NameTaken` if another room has the name.
        """
        async with self._db.transaction() as tx:
            cur = await tx.execute(
                "SELECT room_id FROM nodes WHERE name_key = ?", (name_key(node.name),)
            )
            owner = await cur.fetchone()
            if owner is not None and owner["room_id"] != node.room_id:
                return NameTaken(name=node.name)
            await upsert_node(tx, node)
            cur = await tx.execute("SELECT * FROM nodes WHERE room_id = ?", (node.room_id,))
            row = await cur.fetchone()
        assert row is not None
        return _row_to_node(row)

    async def request_by_id(self, node_id: str) -> Node | None:
        row = await self._db.fetchone(
            "SELECT * FROM nodes WHERE id = ? AND standing = 'requested'", (node_id,)
        )
        return _row_to_node(row) if row else None

    async def request_by_notice(self, message_key: str) -> Node | None:
        """The waiting room whose request the coordination-room message ``message_key``
        announced."""
        row = await self._db.fetchone(
            """SELECT nodes.* FROM request_notices
               JOIN nodes ON nodes.id = request_notices.node_id
               WHERE request_notices.message_key = ? AND nodes.standing = 'requested'""",
            (message_key,),
        )
        return _row_to_node(row) if row else None

    async def upgrade_to(self, new_room: str) -> tuple[str, str] | None:
        """(node id, old room) if ``new_room`` succeeds a node's room."""
        row = await self._db.fetchone(
            "SELECT node_id, old_room FROM upgrades WHERE new_room = ?", (new_room,)
        )
        return (row["node_id"], row["old_room"]) if row else None

    async def admission_votes(self, node_id: str) -> dict[str, Vote]:
        """The admitted nodes' votes on a waiting room (by voter node id)."""
        rows = await self._db.fetchall(
            "SELECT voter_node_id, vote FROM admission_votes WHERE node_id = ?", (node_id,)
        )
        return {r["voter_node_id"]: Vote(r["vote"]) for r in rows}

    async def name_owner(self, name: str) -> str | None:
        """The room that uses this node name (case-insensitively), if any."""
        row = await self._db.fetchone(
            "SELECT room_id FROM nodes WHERE name_key = ?", (name_key(name),)
        )
        return row["room_id"] if row else None

    async def id_exists(self, node_id: str) -> bool:
        row = await self._db.fetchone("SELECT 1 FROM nodes WHERE id = ?", (node_id,))
        return row is not None
