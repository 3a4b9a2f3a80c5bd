"""Which Matrix events the bot has already acted on, and which hints it has given.

Recording the event id in the same transaction as the reply it caused is what makes
"never answer a command twice" hold across restarts and replayed sync batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from actionbot.core.outbox import OutgoingMessage
from actionbot.store.db import Database, to_db_time
from actionbot.store.outbox import insert_message


class EventLog:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def prune(self, before: datetime) -> int:
        """Forget which events were handled before ``before``: they are older than anything
        the bot would still act on (see ``handled_retention``), and the list of event ids
        is a record of who spoke when."""
        async with self._db.transaction() as tx:
            cur = await tx.execute(
                "DELETE FROM handled_events WHERE handled_at < ?", (to_db_time(before),)
            )
            # A hint is given once per person, room and day: older records only say who
            # could not be read where.
            await tx.execute(
                "DELETE FROM undecryptable_hints WHERE hinted_at < ?", (to_db_time(before),)
            )
            return cur.rowcount

    async def is_handled(self, event_id: str) -> bool:
        row = await self._db.fetchone(
            "SELECT 1 FROM handled_events WHERE event_id = ?", (event_id,)
        )
        return row is not None

    async def record_handled(
        self,
        *,
        event_id: str,
        room_id: str,
        now: datetime,
        messages: Sequence[OutgoingMessage],
    ) -> bool:
        """Mark the event handled and enqueue its messages, atomically.

        Returns False (and enqueues nothing) if the event had already been handled.
        """
        async with self._db.transaction() as tx:
            cur = await tx.execute(
                "INSERT OR IGNORE INTO handled_events (event_id, room_id, handled_at) "
                "VALUES (?, ?, ?)",
                (event_id, room_id, to_db_time(now)),
            )
            if cur.rowcount == 0:
                return False
            for message in messages:
                await insert_message(tx, message, now=now)
        return True

    async def record_hint(
        self, *, room_id: str, session_id: str, now: datetime, message: OutgoingMessage
    ) -> bool:
        """Enqueue an undecryptable-message hint unless ``session_id`` (what is hinted: the
        person's keyed hash and the day) was hinted before in this room."""
        async with self._db.transaction() as tx:
            cur = await tx.execute(
                "INSERT OR IGNORE INTO undecryptable_hints (room_id, session_id, hinted_at) "
                "VALUES (?, ?, ?)",
                (room_id, session_id, to_db_time(now)),
            )
            if cur.rowcount == 0:
                return False
            await insert_message(tx, message, now=now)
        return True
