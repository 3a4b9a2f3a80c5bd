"""The bot's Matrix login (device id, access token) and its sync position.

Why persist the login: a fresh login creates a new device, and every new device breaks
end-to-end encryption for the people in the bot's rooms. So the bot logs in once and
reuses the same device and token on every restart.
Why persist the sync token ourselves (and not let nio do it): nio saves the token as soon
as a sync response arrives, *before* the bot has acted on its events, so a crash in
between would lose them. We save it after the batch has been handled; a replay is
harmless because handled events are recorded (see ``EventLog``).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from actionbot.store.db import Database, from_db_time, to_db_time

_SYNC_TOKEN = "sync_token"
_LAST_SYNC = "last_sync_at"
_CROSS_SIGNING = "secret:cross-signing"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True)
class SavedSession:
    homeserver: str
    user_id: str
    device_id: str
    access_token: str
    pickle_key: str
    created_at: datetime

    def __repr__(self) -> str:  # never print the token, even by accident
        return f"SavedSession(user_id={self.user_id!r}, device_id={self.device_id!r})"


class SessionStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def load(self) -> SavedSession | None:
        row = await self._db.fetchone("SELECT * FROM session WHERE id = 1")
        if row is None:
            return None
        return SavedSession(
            homeserver=row["homeserver"],
            user_id=row["user_id"],
            device_id=row["device_id"],
            access_token=row["access_token"],
            pickle_key=row["pickle_key"],
            created_at=from_db_time(row["created_at"]),
        )

    async def save(self, session: SavedSession) -> None:
        await self._db.execute(
            """INSERT INTO session
                   (id, homeserver, user_id, device_id, access_token, pickle_key, created_at)
               VALUES (1, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (id) DO UPDATE SET
                   homeserver = excluded.homeserver, user_id = excluded.user_id,
                   device_id = excluded.device_id, access_token = excluded.access_token,
                   pickle_key = excluded.pickle_key, created_at = excluded.created_at""",
            (
                session.homeserver,
                session.user_id,
                session.device_id,
                session.access_token,
                session.pickle_key,
                to_db_time(session.created_at),
            ),
        )

    async def forget(self) -> None:
        """Drop the saved login and sync position (after the server revoked the token)."""
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM session")
            await tx.execute("DELETE FROM kv WHERE key = ?", (_SYNC_TOKEN,))

    async def install_secret(self, name: str) -> bytes:
        """A random secret made once per installation (e.g. the key for person hashes)."""
        key = f"secret:{name}"
        row = await self._db.fetchone("SELECT value FROM kv WHERE key = ?", (key,))
        if row is None:
            await self._db.execute(
                "INSERT OR IGNORE INTO kv (key, value) VALUES (?, ?)", (key, secrets.token_hex(32))
            )
            row = await self._db.fetchone("SELECT value FROM kv WHERE key = ?", (key,))
        assert row is not None
        return bytes.fromhex(row["value"])

    async def value(self, name: str) -> str | None:
        row = await self._db.fetchone("SELECT value FROM kv WHERE key = ?", (name,))
        return row["value"] if row else None

    async def set_value(self, name: str, value: str) -> None:
        await self._db.execute(
            "INSERT INTO kv (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    async def forget_secret(self, name: str) -> bool:
        """Delete a stored installation secret (it now lives outside the database)."""
        return await self._db.execute("DELETE FROM kv WHERE key = ?", (f"secret:{name}",)) == 1

    async def cross_signing_seeds(self) -> tuple[bytes, ...] | None:
        """The private seeds of the account's cross-signing keys (see cross_signing.py)."""
        row = await self._db.fetchone("SELECT value FROM kv WHERE key = ?", (_CROSS_SIGNING,))
        return tuple(bytes.fromhex(seed) for seed in json.loads(row["value"])) if row else None

    async def save_cross_signing_seeds(self, seeds: tuple[bytes, ...]) -> None:
        await self._db.execute(
            "INSERT INTO kv (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (_CROSS_SIGNING, json.dumps([seed.hex() for seed in seeds])),
        )

    async def sync_token(self) -> str | None:
        row = await self._db.fetchone("SELECT value FROM kv WHERE key = ?", (_SYNC_TOKEN,))
        return row["value"] if row else None

    async def save_sync_token(self, token: str, now: datetime | None = None) -> None:
        """The token, and when it came (``actionbot status`` shows the last sync)."""
        async with self._db.transaction() as tx:
            for key, value in ((_SYNC_TOKEN, token), (_LAST_SYNC, to_db_time(now or _now()))):
                await tx.execute(
                    "INSERT INTO kv (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )

    async def last_sync(self) -> datetime | None:
        row = await self._db.fetchone("SELECT value FROM kv WHERE key = ?", (_LAST_SYNC,))
        return from_db_time(row["value"]) if row else None
