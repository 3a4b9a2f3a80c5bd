"""The operator's commands: ``backup``/``restore`` ("can I get it all back?", see
:mod:`actionbot.backups`), ``status`` and ``health`` ("is it working?"), answered from the
bot's own store."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from actionbot.backups import BackupFailed, backup, restore
from actionbot.config import Config


async def status(config: Config) -> dict[str, object]:
    from actionbot.store import Database, NodeStore, OutboxStore, WindowStore
    from actionbot.store.session import SessionStore

    db = await Database.open(config.db_path, migrate=False)
    try:
        outbox = await OutboxStore(db).status_counts()
        windows = WindowStore(db)
        planned, next_due = await windows.planned_summary()
        last = await SessionStore(db).last_sync()
        now = datetime.now(UTC)
        return {
            "last_sync": last.isoformat() if last else None,
            "since_last_sync_s": int((now - last).total_seconds()) if last else None,
            "outbox": dict(outbox),
            "nodes": len(await NodeStore(db).all()),
            "waiting_requests": len(await NodeStore(db).requests()),
            "approved_windows": len(await windows.in_states(["approved"])),
            "planned_reminders": planned,
            "next_reminder": next_due.isoformat() if next_due else None,
        }
    finally:
        await db.close()


def healthy(config: Config, *, now: datetime | None = None) -> tuple[bool, str]:
    """For a container health check: the bot synced recently (a sync is at most
    ``sync_timeout`` long, so a live bot writes its time at least that often)."""
    if not config.db_path.exists():
        return False, "no database yet"

    async def last_sync() -> datetime | None:
        from actionbot.store import Database
        from actionbot.store.session import SessionStore

        db = await Database.open(config.db_path, migrate=False)
        try:
            return await SessionStore(db).last_sync()
        finally:
            await db.close()

    last = asyncio.run(last_sync())
    if last is None:
        return False, "never synced"
    age = (now or datetime.now(UTC)) - last
    limit = 2 * config.sync_timeout + HEALTH_SLACK
    if age > limit:
        return (
            False,
            f"last sync {int(age.total_seconds())} s ago (limit {int(limit.total_seconds())} s)",
        )
    return True, f"last sync {int(age.total_seconds())} s ago"


HEALTH_SLACK = timedelta(seconds=60)


def add_commands(sub, load: Callable[[str], Config | None]) -> None:
    def run_backup(args: argparse.Namespace) -> int:
        config = load(args.config)
        if config is None:
            return 2
        count = backup(config, Path(args.out))
        if isinstance(count, BackupFailed):
            print(count.reason, file=sys.stderr)
            return 2
        print(f"wrote {args.out} ({count} files: the database and the encryption store)")
        return 0

    def run_restore(args: argparse.Namespace) -> int:
        config = load(args.config)
        if config is None:
            return 2
        done = restore(config, Path(args.source))
        if isinstance(done, BackupFailed):
            print(f"nothing was changed: {done.reason}", file=sys.stderr)
            return 2
        print(done)
        return 0

    def run_status(args: argparse.Namespace) -> int:
        config = load(args.config)
        if config is None:
            return 2
        if not config.db_path.exists():
            print(f"no database at {config.db_path} (has the bot run yet?)", file=sys.stderr)
            return 2
        facts = asyncio.run(status(config))
        for key, value in facts.items():
            print(f"{key:<20} {value}")
        return 0

    parser = sub.add_parser("backup", help="one file with the database and the encryption store")
    parser.add_argument("-c", "--config", required=True, help="path to config.yaml")
    parser.add_argument("--out", required=True, help="the .tar.gz to write")
    parser.set_defaults(func=run_backup)
    parser = sub.add_parser("restore", help="bring back a backup (stop the bot first)")
    parser.add_argument("-c", "--config", required=True, help="path to config.yaml")
    parser.add_argument("--from", dest="source", required=True, help="the backup .tar.gz")
    parser.set_defaults(func=run_restore)

    def run_health(args: argparse.Namespace) -> int:
        config = load(args.config)
        if config is None:
            return 1  # health checks: 1 is "unhealthy", 2 is reserved by Docker
        ok, why = healthy(config)
        print(("healthy: " if ok else "unhealthy: ") + why)
        return 0 if ok else 1

    parser = sub.add_parser("health", help="exit 0 if the bot synced recently (health checks)")
    parser.add_argument("-c", "--config", required=True, help="path to config.yaml")
    parser.set_defaults(func=run_health, failure_code=1)
    parser = sub.add_parser("status", help="last sync, queued sends, next reminder")
    parser.add_argument("-c", "--config", required=True, help="path to config.yaml")
    parser.set_defaults(func=run_status)
