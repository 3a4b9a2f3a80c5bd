"""Opening the database, applying migrations, and serialising access to it.

One aiosqlite connection is shared by the whole bot. SQLite transactions belong to a
connection, not to a task, so every access takes an asyncio lock: otherwise one task's
read could see another task's half-done transaction.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from actionbot.store.migrations import MIGRATIONS, Migration

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 5  # one wait for a lock held by another process
LOCK_PATIENCE = 120  # seconds of such waits before a write gives up (and is logged)

_TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def to_db_time(value: datetime) -> str:
    """Aware datetime → fixed-width UTC text that sorts in time order."""
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not stored; pass an aware datetime")
    return value.astimezone(UTC).strftime(_TS_FORMAT)


def from_db_time(text: str) -> datetime:
    """The inverse of :func:`to_db_time`. ``fromisoformat`` reads that fixed format ten
    times faster than ``strptime`` (the outbox reads thousands of rows in a fan-out)."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("stored times are UTC with a 'Z'")
    return value


def _create_private_file(path: Path) -> None:
    """Create the file owner-only before SQLite writes access tokens into it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


class Database:
    """The bot's SQLite database (WAL mode, versioned schema)."""

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        migrations: Sequence[Migration] = MIGRATIONS,
        now: datetime | None = None,
        writable: bool = False,
        migrate: bool = True,
    ) -> Database:
        """Open (creating if needed, owner-only permissions) and migrate the database.

        ``writable``: prove now that a write goes through (the bot), so a read-only file,
        folder or disk stops start-up with a clear reason instead of failing later, at the
        first vote or reminder. ``migrate=False`` (the operator's tools, which may run beside
        an older bot): never change the schema; a database not at this version is refused.
        Raises :class:`sqlite3.Error`, :class:`OSError` or :class:`RuntimeError`."""
        path = str(path)
        if path != ":memory:":
            await asyncio.to_thread(_create_private_file, Path(path))
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            # WAL lets readers (e.g. `actionbot windows --json`) run while the bot writes;
            # synchronous=FULL because "nothing lost" matters more than write speed here.
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=FULL")
            await conn.execute("PRAGMA foreign_keys=ON")
            # Deleted or emptied rows (a sent message's text and mention) are overwritten
            # with zeros in the file, not left in free space; set here, not trusted to the
            # build.
            await conn.execute("PRAGMA secure_delete=ON")
            await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
            if migrate:
                await db.migrate(migrations, now=now or datetime.now(UTC))
            else:
                await db.require_version(migrations[-1].version if migrations else 0)
            if writable:
                await db.execute(
                    "INSERT INTO kv (key, value) VALUES ('opened_at', ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (to_db_time(now or datetime.now(UTC)),),
                )
        except BaseException:
            # A damaged file or a failed migration must not leak the connection's thread
            # (it kept `actionbot status` alive for good on a file that is not SQLite).
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        async with self._lock:
            await self._conn.close()

    async def require_version(self, version: int) -> None:
        """Refuse a database whose schema is not ``version`` (without changing it)."""
        async with self._lock:
            cur = await self._conn.execute(
                "SELECT name FROM sqlite_master WHERE name = 'schema_version'"
            )
            current = 0
            if await cur.fetchone() is not None:
                cur = await self._conn.execute("SELECT MAX(version) FROM schema_version")
                row = await cur.fetchone()
                current = (row[0] if row else 0) or 0
        if current < version:
            raise RuntimeError(
                f"the database is at schema version {current}, this actionbot expects "
                f"{version}: start the bot once to upgrade it"
            )
        if current > version:
            raise RuntimeError(
                f"database schema version {current} is newer than this actionbot knows; "
                "upgrade actionbot instead of downgrading"
            )

    async def migrate(self, migrations: Sequence[Migration], *, now: datetime) -> list[int]:
        """Apply every migration newer than the stored version; return those applied."""
        async with self._lock:
            await self._conn.execute(
                """CREATE TABLE IF NOT EXISTS schema_version (
                    version INTEGER PRIMARY KEY,
                    description TEXT NOT NULL,
                    applied_at TEXT NOT NULL)"""
            )
            cur = await self._conn.execute("SELECT MAX(version) FROM schema_version")
            row = await cur.fetchone()
            current = row[0] or 0
        versions = [m.version for m in migrations]
        if versions != sorted(set(versions)):
            raise ValueError("migrations must have unique, increasing versions")
        if current > (versions[-1] if versions else 0):
            raise RuntimeError(
                f"database schema version {current} is newer than this actionbot knows; "
                "upgrade actionbot instead of downgrading"
            )
        applied = []
        for migration in migrations:
            if migration.version <= current:
                continue
            async with self.transaction() as tx:
                for statement in migration.statements:
                    await tx.execute(statement)
                await tx.execute(
                    "INSERT INTO schema_version (version, description, applied_at) "
                    "VALUES (?, ?, ?)",
                    (migration.version, migration.description, to_db_time(now)),
                )
            log.info(
                "migration applied",
                extra={"version": migration.version, "description": migration.description},
            )
            applied.append(migration.version)
        return applied

    async def schema_version(self) -> int:
        row = await self.fetchone("SELECT MAX(version) AS v FROM schema_version")
        return int(row["v"] or 0) if row else 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the block in one IMMEDIATE transaction; roll back on any exception.

        BEGIN, COMMIT and ROLLBACK run to completion even if the task is cancelled
        meanwhile (aiosqlite would still run them in its thread): otherwise a cancellation
        at shutdown could leave the shared connection inside an open transaction.
        """
        async with self._lock:
            if await self._begin():
                await self._settle("ROLLBACK")
                raise asyncio.CancelledError
            try:
                yield self._conn
            except BaseException:
                await self._settle("ROLLBACK")
                raise
            else:
                if await self._settle("COMMIT"):
                    raise asyncio.CancelledError

    async def _begin(self) -> bool:
        """BEGIN IMMEDIATE, waiting out a lock held by another process (a backup, an
        operator's sqlite3 shell): each try waits ``busy_timeout`` (5 s); the bot keeps
        trying, and says so, for up to ``LOCK_PATIENCE`` instead of crashing."""
        waited = 0
        while True:
            try:
                return await self._settle("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or waited >= LOCK_PATIENCE:
                    raise
                waited += BUSY_TIMEOUT_S
                log.warning(
                    "the database is locked by another process; still waiting",
                    extra={"waited_s": waited},
                )

    async def _settle(self, sql: str) -> bool:
        """Run ``sql`` to completion; return True if we were cancelled while waiting."""
        task = asyncio.ensure_future(self._conn.execute(sql))
        cancelled = False
        while not task.done():
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                cancelled = True
        task.result()
        return cancelled

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self._lock:
            cur = await self._conn.execute(sql, tuple(params))
            return list(await cur.fetchall())

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with self._lock:
            cur = await self._conn.execute(sql, tuple(params))
            return await cur.fetchone()

    async def scrub(self) -> bool:
        """Move the write-ahead log into the database file and empty it. Until then the
        log keeps the *old* version of each changed page — a sent message's text and its
        mention stay readable in ``-wal`` after the row was emptied (review: 238 copies of
        one user id after 40 replies). True if the log was emptied; False if a reader
        (another process) held it — the next scrub will."""
        async with self._lock:
            # Never wait for a reader (a backup, a shell): the whole bot would wait with it
            # for the busy timeout (review). Busy now means "next time".
            await self._conn.execute("PRAGMA busy_timeout=0")
            try:
                cur = await self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                row = await cur.fetchone()
            finally:
                await self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        return row is not None and row[0] == 0

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one write statement in its own transaction; return the rows changed."""
        async with self.transaction() as tx:
            cur = await tx.execute(sql, tuple(params))
            return cur.rowcount
