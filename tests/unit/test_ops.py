"""``actionbot backup`` gives back a working store; ``actionbot status`` reads it."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import tarfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from actionbot.cli import main
from actionbot.cli_ops import healthy, status
from actionbot.config import Config, parse_config
from actionbot.store import Database
from actionbot.store.session import SessionStore


def _config(tmp_path: Path) -> Config:
    config = parse_config(
        {
            "matrix": {"homeserver": "https://h.org", "user_id": "@b:h.org", "password": "pw12"},
            "store": {"path": str(tmp_path / "store")},
            "network": {"admission": "open"},
        },
        env={},
        base_dir=tmp_path,
    )
    assert isinstance(config, Config)
    return config


async def test_backup_restores_a_working_store_and_status_reads_it(tmp_path: Path) -> None:
    config = _config(tmp_path)
    config.store_path.mkdir(parents=True)
    db = await Database.open(config.db_path)
    await SessionStore(db).save_sync_token("s123", datetime(2027, 1, 1, tzinfo=UTC))
    await db.execute("INSERT INTO kv (key, value) VALUES ('marker', 'kept')")
    await db.close()
    (config.crypto_store_path / "keys").mkdir(parents=True)
    (config.crypto_store_path / "keys" / "device.db").write_bytes(b"olm account")
    (tmp_path / "config.yaml").write_text(
        "matrix: {homeserver: 'https://h.org', user_id: '@b:h.org', password: pw12}\n"
        f"store: {{path: '{config.store_path}'}}\nnetwork: {{admission: open}}\n"
    )
    out = tmp_path / "backup.tar.gz"
    code = await asyncio.to_thread(
        main, ["backup", "-c", str(tmp_path / "config.yaml"), "--out", str(out)]
    )
    assert code == 0 and out.stat().st_mode & 0o077 == 0  # the file is the bot's user's only
    restored = tmp_path / "restored"
    with tarfile.open(out) as archive:
        names = archive.getnames()
        archive.extractall(restored, filter="data")
    assert {"actionbot.db", "crypto/keys/device.db", "RESTORE.txt"} <= set(names)
    with sqlite3.connect(restored / "actionbot.db") as copy:
        assert copy.execute("SELECT value FROM kv WHERE key = 'marker'").fetchone() == ("kept",)
    assert (restored / "crypto" / "keys" / "device.db").read_bytes() == b"olm account"

    facts = await status(config)
    assert facts["last_sync"] == "2027-01-01T00:00:00+00:00"
    assert facts["planned_reminders"] == 0 and facts["outbox"] == {}


def test_health_is_a_recent_sync(tmp_path: Path) -> None:
    """The container health check: healthy while syncs keep coming (at most
    ``sync_timeout`` apart), unhealthy when they stop or never began."""
    config = _config(tmp_path)
    assert healthy(config) == (False, "no database yet")
    config.store_path.mkdir(parents=True)
    synced = datetime(2027, 1, 1, tzinfo=UTC)

    async def make(sync: bool) -> None:
        db = await Database.open(config.db_path)
        if sync:
            await SessionStore(db).save_sync_token("s1", synced)
        await db.close()

    asyncio.run(make(sync=False))
    assert healthy(config) == (False, "never synced")
    asyncio.run(make(sync=True))
    ok, why = healthy(config, now=synced + timedelta(seconds=30))
    assert ok and "30 s ago" in why
    ok, why = healthy(config, now=synced + 2 * config.sync_timeout + timedelta(seconds=61))
    assert not ok and "limit" in why


def _make_read_only(path: Path) -> Callable[[], None] | None:
    """Read-only even for root (who ignores file modes): the immutable attribute; for
    anyone else, the mode. Returns the undo, or None if this machine cannot do it."""
    import os
    import subprocess

    if os.geteuid() != 0:
        path.chmod(0o444)
        return lambda: path.chmod(0o644)
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if done.returncode != 0:
        return None
    return lambda: subprocess.run(["chattr", "-i", str(path)], check=False) and None


def test_a_read_only_database_stops_start_up_with_a_clear_reason(tmp_path: Path) -> None:
    """Found at start, not at the first vote: exit code 2 and a log naming the cause,
    before any network call."""
    import os
    import subprocess
    import sys

    config = _config(tmp_path)
    config_file = tmp_path / "config.yaml"
    config_file.write_text(
        json.dumps(
            {
                "matrix": {
                    "homeserver": "http://127.0.0.1:9",  # never reached
                    "user_id": "@b:h.org",
                    "password": "pw12",
                },
                "store": {"path": str(config.store_path)},
                "network": {"admission": "open"},
            }
        )
    )
    config.store_path.mkdir(parents=True)

    async def make() -> None:
        await (await Database.open(config.db_path)).close()

    asyncio.run(make())
    undo = _make_read_only(config.db_path)
    if undo is None:
        pytest.skip("this machine cannot make a file read-only for root (no chattr +i)")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "actionbot", "run", "-c", str(config_file)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ},
        )
    finally:
        undo()
    output = done.stdout + done.stderr
    assert done.returncode == 2, (done.returncode, output[-2000:])
    assert "cannot use the database" in output and "readonly" in output, output[-2000:]
    assert "Traceback" not in output


async def test_restore_moves_the_old_store_aside_and_drops_a_stale_log(tmp_path: Path) -> None:
    """Review: the README said "extract into store.path"; an old ``actionbot.db-wal`` left
    there was replayed over the restored database. ``actionbot restore`` moves what is
    there aside, and the crypto store (a live SQLite file) is copied consistently."""
    config = _config(tmp_path)
    config.store_path.mkdir(parents=True)
    db = await Database.open(config.db_path)
    await db.execute("INSERT INTO kv (key, value) VALUES ('marker', 'backed up')")
    await db.close()
    config.crypto_store_path.mkdir()
    olm = config.crypto_store_path / "@b:h.org_DEV.db"
    with sqlite3.connect(olm) as live:
        live.execute("PRAGMA journal_mode=WAL")
        live.execute("CREATE TABLE accounts (pickle TEXT)")
        live.execute("INSERT INTO accounts VALUES ('olm account')")
    (tmp_path / "config.yaml").write_text(
        "matrix: {homeserver: 'https://h.org', user_id: '@b:h.org', password: pw12}\n"
        f"store: {{path: '{config.store_path}'}}\nnetwork: {{admission: open}}\n"
    )
    cli = ["-c", str(tmp_path / "config.yaml")]
    out = tmp_path / "backup.tar.gz"
    assert await asyncio.to_thread(main, ["backup", *cli, "--out", str(out)]) == 0
    before = out.read_bytes()
    # A second backup to the same name is refused: last week's is never replaced.
    assert await asyncio.to_thread(main, ["backup", *cli, "--out", str(out)]) == 2
    assert out.read_bytes() == before

    # Later: the database changed, and a write-ahead log of that time is left behind.
    with sqlite3.connect(config.db_path) as later:
        later.execute("UPDATE kv SET value = 'changed later' WHERE key = 'marker'")
    stale = Path(f"{config.db_path}-wal")
    await asyncio.to_thread(stale.write_bytes, b"stale log of another time")
    assert await asyncio.to_thread(main, ["restore", *cli, "--from", str(out)]) == 0
    with sqlite3.connect(config.db_path) as restored:
        marker = restored.execute("SELECT value FROM kv WHERE key = 'marker'").fetchone()
    assert marker == ("backed up",)
    with sqlite3.connect(olm) as copy:
        assert copy.execute("SELECT pickle FROM accounts").fetchall() == [("olm account",)]
    (aside,) = config.store_path.glob("before-restore-*")
    assert (aside / "actionbot.db-wal").read_bytes() == b"stale log of another time"
    assert (aside / "crypto").is_dir()  # moved, not deleted


def test_restore_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    from actionbot.backups import BackupFailed, restore

    config = _config(tmp_path)
    hostile = tmp_path / "hostile.tar.gz"
    with tarfile.open(hostile, "w:gz") as archive:
        for name in ("actionbot.db", "crypto/../../escape.txt"):
            data = tmp_path / "x"
            data.write_bytes(b"x")
            archive.add(data, arcname=name)
    refused = restore(config, hostile)
    assert isinstance(refused, BackupFailed) and "escape" in refused.reason
    assert not (tmp_path / "escape.txt").exists() and not config.store_path.exists()
    not_gz = tmp_path / "notes.txt"
    not_gz.write_text("hello")
    assert isinstance(restore(config, not_gz), BackupFailed)


def test_a_damaged_database_is_one_line_not_a_hang(tmp_path: Path) -> None:
    """Review: on a file that is not SQLite, `actionbot status` printed a traceback and
    then never exited (the connection's thread was left running). Now one line, exit 2;
    `health` exits 1 (Docker reserves 2)."""
    import subprocess
    import sys

    config = _config(tmp_path)
    config.store_path.mkdir(parents=True)
    config.db_path.write_bytes(b"this is not a database, just some text " * 200)
    (tmp_path / "config.yaml").write_text(
        "matrix: {homeserver: 'https://h.org', user_id: '@b:h.org', password: pw12}\n"
        f"store: {{path: '{config.store_path}'}}\nnetwork: {{admission: open}}\n"
    )
    for command, code in (("status", 2), ("health", 1)):
        done = subprocess.run(
            [sys.executable, "-m", "actionbot", command, "-c", str(tmp_path / "config.yaml")],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == code, done.stderr
        assert "Traceback" not in done.stderr
        assert "cannot use the database" in done.stderr or "unhealthy" in done.stdout


async def test_tools_never_migrate_a_database_beside_an_older_bot(tmp_path: Path) -> None:
    """`status` and `health` opened the database with migrations: run after an upgrade
    but before the restart, they changed the schema under the old bot. Now refused."""
    from actionbot.store.migrations import MIGRATIONS

    config = _config(tmp_path)
    config.store_path.mkdir(parents=True)
    old = await Database.open(config.db_path, migrations=MIGRATIONS[:-1])
    await old.close()
    with pytest.raises(RuntimeError, match="start the bot once"):
        await status(config)
    with sqlite3.connect(config.db_path) as db:
        (version,) = db.execute("SELECT MAX(version) FROM schema_version").fetchone()
    assert version == MIGRATIONS[-2].version


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_a_restore_run_with_sudo_leaves_files_the_bot_can_open(tmp_path: Path) -> None:
    """Review: backup and restore run as root (the natural way beside systemd) gave back a
    database and encryption store owned by root: the bot could not start."""
    from actionbot.backups import backup, restore

    config = _config(tmp_path)
    config.store_path.mkdir(parents=True)
    with sqlite3.connect(config.db_path) as db:
        db.execute("CREATE TABLE kv (key TEXT, value TEXT)")
    (config.crypto_store_path / "sub").mkdir(parents=True)
    (config.crypto_store_path / "sub" / "olm.db").write_bytes(b"olm account")
    out = tmp_path / "b.tar.gz"
    assert backup(config, out) == 2
    os.chown(config.store_path, 12345, 12345)  # the bot's user owns its folder
    assert isinstance(restore(config, out), str)
    for path in (config.db_path, config.crypto_store_path, config.crypto_store_path / "sub"):
        assert (path.stat().st_uid, path.stat().st_gid) == (12345, 12345), path
    olm = config.crypto_store_path / "sub" / "olm.db"
    assert olm.stat().st_uid == 12345 and olm.stat().st_mode & 0o077 == 0


def test_a_restore_that_fails_halfway_changes_nothing(tmp_path: Path, monkeypatch) -> None:
    """Second review: a failure after the current store was moved aside (a damaged
    archive, a full disk) left half a store. A damaged archive is found before anything
    moves; a failure while writing puts back what was there."""
    from actionbot import backups
    from actionbot.backups import BackupFailed, backup, restore

    config = _config(tmp_path)
    config.store_path.mkdir(parents=True)
    with sqlite3.connect(config.db_path) as db:
        db.execute("CREATE TABLE kv (key TEXT, value TEXT)")
    config.crypto_store_path.mkdir()
    (config.crypto_store_path / "olm.db").write_bytes(b"the current account " * 4000)
    out = tmp_path / "b.tar.gz"
    assert backup(config, out) == 2
    before = config.db_path.read_bytes()
    (config.crypto_store_path / "olm.db").write_bytes(b"changed since " * 4000)
    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(out.read_bytes()[:-200])  # cut short: the last member is broken
    assert isinstance(restore(config, damaged), BackupFailed)
    calls = []

    def disk_full(*args) -> None:
        calls.append(args)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(backups, "_private", disk_full)
    failed = restore(config, out)
    assert isinstance(failed, BackupFailed) and "No space" in failed.reason
    assert config.db_path.read_bytes() == before
    assert (config.crypto_store_path / "olm.db").read_bytes() == b"changed since " * 4000
    assert not list(config.store_path.glob("before-restore-*"))
