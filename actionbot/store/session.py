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

import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from actionbot.store.db import Database, from_db_time, to_db_time

_SYNC_TOKEN = "sync_token"
_LAST_SYNC = "last_sync_at"
_CROSS_SIGNING = "secret:cross-signing"
_PERSON_HASH = "person-hash"
_KEY_CHECK = "person-key-check"

log = logging.getLogger(__name__)


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

    async def person_key(self, from_file: str | None) -> bytes | str:
        """The key of the keyed hashes that stand for people, or why the bot must not start.

        Kept in the database unless the operator gives a key file: then whoever holds the
        database (or a backup) alone cannot test a list of user ids against the hashes. A
        key that moves out of the database is deleted from it (hashes made with it match no
        one: that is the point). The database remembers a check value of the file's key,
        so a start without the file, or with another one, is refused instead of silently
        making a new key that would orphan every hash (second review)."""
        check = await self.value(_KEY_CHECK)
        if from_file is None:
            if check is not None:
                return (
                    "the key for person hashes is kept in a file (store.person_key_file or "
                    "ACTIONBOT_PERSON_KEY_FILE), but none is configured: give the same file again"
                )
            return await self.install_secret(_PERSON_HASH)
        key = from_file.encode()
        mine = hmac.new(key, b"actionbot person key check", hashlib.sha256).hexdigest()[:16]
        if check is not None and check != mine:
            return "store.person_key_file holds another key than before: give the same file again"
        if await self.forget_secret(_PERSON_HASH):
            log.warning(
                "the key for person hashes now comes from store.person_key_file; the one in "
                "the database was deleted, so earlier proposers, RSVPs and reports are no "
                "longer recognised as anyone's"
            )
        if check is None:
            await self.set_value(_KEY_CHECK, mine)
        return key

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
