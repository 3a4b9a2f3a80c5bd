"""``actionbot backup`` and ``actionbot status``: the operator's two everyday questions —
"can I get it all back?" and "is it working?" — answered from the bot's own store.

A backup is one ``.tar.gz`` with a consistent copy of the database (SQLite's online backup,
safe while the bot runs) and the encryption store (without it, the restored bot could not
read its rooms). Photos are not included: they are meant to be short-lived.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sqlite3
import sys
import tarfile
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from actionbot.config import Config


def backup(config: Config, out: Path) -> int:
    """Write the backup; returns how many files went in."""
    count = 0
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "actionbot.db"
        with sqlite3.connect(config.db_path) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        with tarfile.open(out, "w:gz") as archive:
            archive.add(copy, arcname="actionbot.db")
            count += 1
            crypto = config.crypto_store_path
            if crypto.exists():
                for path in sorted(crypto.rglob("*")):
                    if path.is_file():
                        archive.add(path, arcname=f"crypto/{path.relative_to(crypto)}")
                        count += 1
            note = b"Restore: stop the bot, extract into store.path (the folder of the config),\n"
            note += b"then start it. The database and crypto/ must come from the same backup.\n"
            info = tarfile.TarInfo("RESTORE.txt")
            info.size = len(note)
            archive.addfile(info, io.BytesIO(note))
    out.chmod(0o600)
    return count


async def status(config: Config) -> dict[str, object]:
    from actionbot.store import Database, NodeStore, OutboxStore, WindowStore
    from actionbot.store.session import SessionStore

    db = await Database.open(config.db_path)
    try:
        outbox = await OutboxStore(db).status_counts()
        windows = WindowStore(db)
        planned = await windows.planned_reminders()
        last = await SessionStore(db).last_sync()
        now = datetime.now(UTC)
        return {
            "last_sync": last.isoformat() if last else None,
            "since_last_sync_s": int((now - last).total_seconds()) if last else None,
            "outbox": dict(outbox),
            "nodes": len(await NodeStore(db).all()),
            "waiting_requests": len(await NodeStore(db).requests()),
            "approved_windows": len(await windows.in_states(["approved"])),
            "planned_reminders": len(planned),
            "next_reminder": planned[0].due.isoformat() if planned else None,
        }
    finally:
        await db.close()


def add_commands(sub, load: Callable[[str], Config | None]) -> None:
    def run_backup(args: argparse.Namespace) -> int:
        config = load(args.config)
        if config is None:
            return 2
        if not config.db_path.exists():
            print(f"no database at {config.db_path}", file=sys.stderr)
            return 2
        count = backup(config, Path(args.out))
        print(f"wrote {args.out} ({count} files: the database and the encryption store)")
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
    parser = sub.add_parser("status", help="last sync, queued sends, next reminder")
    parser.add_argument("-c", "--config", required=True, help="path to config.yaml")
    parser.set_defaults(func=run_status)
