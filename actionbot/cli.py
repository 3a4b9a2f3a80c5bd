"""The ``actionbot`` command: run, check-config, demo.

Exit codes: 0 ok, 2 bad config or login refused, 3 the homeserver revoked the session.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sqlite3
import sys
from pathlib import Path

from actionbot import __version__
from actionbot.app import Bot
from actionbot.config import Config, load_config
from actionbot.logs import setup_logging

log = logging.getLogger(__name__)


def _load(path: str) -> Config | None:
    result = load_config(path)
    if isinstance(result, list):
        print(f"{path}: {len(result)} problem(s) in the configuration:", file=sys.stderr)
        for error in result:
            print(f"  - {error}", file=sys.stderr)
        return None
    return result


async def _run_until_signal(config: Config) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    bot = Bot(config)
    running = asyncio.create_task(bot.run(stop))

    def on_signal() -> None:
        stop.set()
        if not bot.ready.is_set():
            # Still starting (e.g. waiting for the homeserver): nothing to flush yet, and
            # `docker stop` must not wait for a start-up that may take minutes.
            running.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    try:
        return await running
    except asyncio.CancelledError:
        log.info("stopped while starting")
        return 0


def _setup_logging(config: Config) -> None:
    setup_logging(
        level=config.log_level,
        fmt=config.log_format,
        secrets=[s for s in (config.password, config.access_token, config.person_key) if s],
    )


def cmd_run(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if config is None:
        return 2
    _setup_logging(config)
    return asyncio.run(_run_until_signal(config))


def cmd_check_config(args: argparse.Namespace) -> int:
    from actionbot.calendars import load_calendar
    from actionbot.gestures import load_files

    config = _load(args.config)
    if config is None:
        return 2
    calendar = load_calendar(config.calendar_file)
    if isinstance(calendar, list):
        print(f"{args.config}: windows.calendar_file has problems:", file=sys.stderr)
        for error in calendar:
            print(f"  - {error}", file=sys.stderr)
        return 2
    gestures, problems = load_files(config.gesture_folders)
    if problems:
        print(f"{args.config}: gestures.folders have problems:", file=sys.stderr)
        for error in problems:
            print(f"  - {error}", file=sys.stderr)
        return 2
    print(
        f"{args.config}: OK (bot {config.user_id} on {config.homeserver}, "
        f"store {config.store_path}, {len(gestures)} gestures)"
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    try:
        from actionbot import demo
    except ImportError as exc:  # pragma: no cover - depends on installed extras
        print(f"the demo needs Synapse: pip install 'actionbot[demo]' ({exc})", file=sys.stderr)
        return 2
    data_dir = Path(args.dir).resolve()
    server, config, info = demo.prepare(data_dir, args.port)
    try:
        _setup_logging(config)
        print(demo.banner(info), flush=True)
        return asyncio.run(_run_until_signal(config))
    finally:
        server.stop()


async def _print_windows(config: Config, *, as_json: bool, per_node: bool) -> None:
    """Stream every window to standard output, a page at a time: a JSON array (per-node
    starts only when asked), or one line each."""
    from actionbot.store import Database, NodeStore, WindowStore

    db = await Database.open(config.db_path, migrate=False)
    out = sys.stdout
    try:
        nodes = await NodeStore(db).all() if per_node else []
        store = WindowStore(db)
        first = True
        if as_json:
            out.write("[")
        async for page in store.pages():
            votes = await store.votes_of([w.id for w in page]) if as_json else {}
            for window in page:
                record = window.to_json(nodes, per_node=per_node)
                if not as_json:
                    out.write(f"{record['id']}  {record['state']:<9} ")
                    out.write(f"{_when_text(record):<32} {record['title']}\n")
                    continue
                record["votes"] = {k: str(v) for k, v in votes[window.id].items()}
                out.write(("\n  " if first else ",\n  ") + json.dumps(record, ensure_ascii=False))
                first = False
        if as_json:
            out.write("\n]\n" if not first else "]\n")
        out.flush()
    finally:
        await db.close()


def _when_text(record: dict) -> str:
    """One instant in UTC, or a wave's local time and date (the anchor's date when it is
    a moon phase, which falls on different days east and west)."""
    if record["start_utc"]:
        return str(record["start_utc"])
    clock = str(record["local_time"] or "")[:5]
    day = record["local_date"] or str(record["anchor_utc"] or "")[:10]
    return f"{day} {clock} local (wave)"


def cmd_windows(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if config is None:
        return 2
    if not config.db_path.exists():
        print(f"no database at {config.db_path} (has the bot run yet?)", file=sys.stderr)
        return 2
    try:
        asyncio.run(_print_windows(config, as_json=args.json, per_node=args.per_node))
    except BrokenPipeError:  # `| head`: the reader has seen enough
        pass
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="actionbot",
        description="A Matrix bot that helps collectives coordinate synchronized action windows.",
        epilog="Exit codes: 0 ok, 2 bad config or login refused, 3 the homeserver revoked "
        "the session.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot")
    run.add_argument("-c", "--config", required=True, help="path to config.yaml")
    run.set_defaults(func=cmd_run)
    check = sub.add_parser("check-config", help="validate a config file and exit")
    check.add_argument("-c", "--config", required=True, help="path to config.yaml")
    check.set_defaults(func=cmd_check_config)
    windows = sub.add_parser("windows", help="print the stored windows (for scripts, audits)")
    windows.add_argument("-c", "--config", required=True, help="path to config.yaml")
    windows.add_argument(
        "--json",
        action="store_true",
        help="JSON (streamed): id, title, mode, start, duration, state, decision, votes",
    )
    windows.add_argument(
        "--per-node",
        action="store_true",
        help="with --json: also each node's start (large with many nodes)",
    )
    windows.set_defaults(func=cmd_windows)
    demo = sub.add_parser("demo", help="run a local demo network (throwaway Synapse)")
    demo.add_argument("--dir", default=os.environ.get("ACTIONBOT_DEMO_DIR", "demo-data"))
    demo.add_argument("--port", type=int, default=None)
    demo.set_defaults(func=cmd_demo)
    from actionbot import cli_ops, cli_roundup

    cli_roundup.add_commands(sub, _load)
    cli_ops.add_commands(sub, _load)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Everything the bot writes (database, encryption store, demo data) is private to
    # its user, including files third-party code creates (nio's crypto store).
    os.umask(0o077)
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (sqlite3.Error, RuntimeError) as exc:
        # A damaged, locked-for-good, older or newer database: said in one line, no
        # traceback (health checks exit 1: Docker reserves 2).
        print(f"actionbot: cannot use the database: {exc}", file=sys.stderr)
        return getattr(args, "failure_code", 2)
