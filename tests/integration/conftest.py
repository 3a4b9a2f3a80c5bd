"""Fixtures for the real-homeserver tests.

A real Synapse (PyPI ``matrix-synapse``, SQLite, 127.0.0.1 only) is started once per test
session. For speed its config lowers ``bcrypt_rounds`` and raises every ``rc_*`` rate limit
(see :data:`actionbot.localserver.RELAXED_LIMITS`); ``test_rate_limits.py`` starts a second
one that keeps Synapse's default limits, to prove the bot's 429 handling.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from actionbot.app import Bot
from actionbot.config import Config, parse_config
from actionbot.localserver import LocalSynapse, User
from tests.integration.matrix_user import MatrixUser

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSynapse]:
    server = LocalSynapse(tmp_path_factory.mktemp("synapse"))
    server.start()
    yield server
    server.stop()


def bot_config(server: LocalSynapse, user: User, store: Path, **overrides: Any) -> Config:
    raw: dict[str, Any] = {
        "matrix": {"homeserver": server.url, "user_id": user.user_id, "password": user.password},
        "bot": {"undecryptable_hint_delay": "1s"},
        "store": {"path": str(store)},
        "sending": {"sync_timeout": "5s", "retry_base": "1s"},
        "logging": {"level": "DEBUG"},
        # Tests of other things admit every room; admission has a test of its own.
        "network": {"admission": "open"},
    }
    for dotted, value in overrides.items():
        section, key = dotted.split("__")
        raw.setdefault(section, {})[key] = value
    config = parse_config(raw, env={})
    assert isinstance(config, Config), config
    return config


class RunningBot:
    """A Bot running as a task in the test's event loop, stoppable and restartable."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.bot: Bot | None = None
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task[int] | None = None

    @property
    def user_id(self) -> str:
        return self.config.user_id

    async def start(self) -> RunningBot:
        self.bot = Bot(self.config)
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self.bot.run(self._stop))
        ready = asyncio.create_task(self.bot.ready.wait())
        done, _ = await asyncio.wait(
            {ready, self._task}, timeout=60, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            code = self._task.result() if self._task.done() else "timeout"
            raise AssertionError(f"bot did not become ready ({code})")
        return self

    async def stop(self) -> int:
        assert self._stop is not None and self._task is not None
        self._stop.set()
        return await asyncio.wait_for(self._task, 60)


@pytest.fixture
async def new_user(synapse: LocalSynapse, tmp_path: Path) -> AsyncIterator[Any]:
    """Factory for logged-in, syncing test users; all are closed after the test."""
    users: list[MatrixUser] = []

    async def make(prefix: str = "user") -> MatrixUser:
        account = synapse.register(f"{prefix}{secrets.token_hex(3)}")
        user = MatrixUser(
            url=synapse.url,
            user_id=account.user_id,
            password=account.password,
            store_dir=tmp_path / f"store-{account.user_id[1:].split(':')[0]}",
        )
        users.append(user)
        return await user.login()

    yield make
    for user in users:
        await user.close()


@pytest.fixture
async def make_bot(synapse: LocalSynapse, tmp_path: Path) -> AsyncIterator[Any]:
    running: list[RunningBot] = []

    async def make(store_name: str = "bot", **overrides: Any) -> RunningBot:
        account = synapse.register(f"bot{secrets.token_hex(3)}")
        config = bot_config(synapse, account, tmp_path / store_name, **overrides)
        bot = RunningBot(config)
        running.append(bot)
        return await bot.start()

    yield make
    for bot in running:
        if bot._task and not bot._task.done():
            await bot.stop()
    for bot in running:
        assert_no_person_in(bot.config.db_path, bot.user_id)


PERSON = re.compile(rb"@[a-z0-9._=/+-]+:[a-z0-9.-]+(:[0-9]+)?", re.IGNORECASE)


def assert_no_person_in(db_path: Path, bot_id: str) -> None:
    """After every real-Synapse test: the bot's whole database, dumped, names nobody — no
    Matrix user id in clear anywhere, except in messages still waiting to be sent (they
    need their mention) and the bot's own id. When nothing waits, the raw bytes of the
    file and its write-ahead log are searched too (free pages, old copies of rows)."""
    if not db_path.exists():
        return
    with sqlite3.connect(db_path) as db:
        lines = [
            line
            for line in db.iterdump()
            if not (line.startswith('INSERT INTO "outbox"') and "'pending'" in line)
        ]
        waiting = db.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetchone()
    found = {match.group(0).decode() for line in lines for match in PERSON.finditer(line.encode())}
    if not waiting[0]:
        for path in db_path.parent.glob(db_path.name + "*"):
            found |= {match.group(0).decode() for match in PERSON.finditer(path.read_bytes())}
    # In raw bytes the bot's own id runs on into the next column's bytes.
    found = {f for f in found if not f.lower().startswith(bot_id.lower())}
    assert not found, f"Matrix ids in the database: {sorted(found)}"
