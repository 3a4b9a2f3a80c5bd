"""``actionbot roundup export`` and ``actionbot purge``: the operator's side of reports,
reading the bot's database and photo folder directly (the bot may keep running: SQLite
in WAL mode lets both read)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import TemplateError
from tqdm import tqdm

from actionbot.config import Config
from actionbot.core.ids import normalise_id
from actionbot.core.windows import State
from actionbot.housekeeping import forget_old
from actionbot.photos.storage import PhotoStore
from actionbot.render.catalogs import Catalogs, Voices
from actionbot.render.languages import normalise_language
from actionbot.roundup.service import RoundupService
from actionbot.store import Database, NodeStore, WindowStore
from actionbot.store.gestures import GestureStore
from actionbot.store.reports import ReportStore


async def _service(config: Config) -> tuple[Database, RoundupService]:
    db = await Database.open(config.db_path, migrate=False)
    service = RoundupService(
        config=config,
        windows=WindowStore(db),
        nodes=NodeStore(db),
        gestures=GestureStore(db, normalise_language),
        reports=ReportStore(db),
        photos=PhotoStore(config.photos_path),
        voices=Voices(await asyncio.to_thread(Catalogs.load), config.default_language),
        clock=lambda: datetime.now(UTC),
    )
    return db, service


def _fresh_folder(out: Path) -> bool:
    """Reusing a folder could leave an earlier export's network-only photos in a public
    one: only a new or empty folder is written."""
    return not out.exists() or (out.is_dir() and not any(out.iterdir()))


async def _export(config: Config, args: argparse.Namespace) -> int:
    db, service = await _service(config)
    try:
        window = await WindowStore(db).get(normalise_id(args.window))
        if window is None:
            print(f"no window {args.window!r} in {config.db_path}", file=sys.stderr)
            return 2
        if window.state not in (State.APPROVED, State.DONE):
            print(f"window {window.id} is {window.state}: it did not run", file=sys.stderr)
            return 2
        language = normalise_language(args.lang) if args.lang else config.default_language
        if language is None:
            print(f"unknown language {args.lang!r}", file=sys.stderr)
            return 2
        out = Path(args.out)
        if not await asyncio.to_thread(_fresh_folder, out):
            print(f"{out} exists and is not an empty folder: choose a new one", file=sys.stderr)
            return 2
        count = len([r for r in await service.reports.of_window(window.id) if r.kind == "photo"])
        try:
            with tqdm(total=count, unit="photo", desc="roundup", file=sys.stderr) as bar:
                roundup = await service.export(
                    window,
                    out,
                    include_network=args.include_network,
                    language=language,
                    progress=bar.update,
                )
        except TemplateError as exc:  # an operator's override template
            where = f"{exc.name}, line {exc.lineno}" if hasattr(exc, "lineno") else "a template"
            print(f"the roundup template is broken ({where}): {exc.message}", file=sys.stderr)
            return 2
        print(
            f"wrote {args.out}/index.html, roundup.md, roundup.json "
            f"({len(roundup.nodes)} nodes, {roundup.photos} photos"
            f"{'' if args.include_network else ', public reports only'})"
        )
        return 0
    finally:
        await db.close()


async def _purge(config: Config) -> int:
    db, service = await _service(config)
    try:
        gone = await forget_old(db, config, service, datetime.now(UTC))
        print(
            f"deleted {gone.photos} photo report(s) past reports.retention, "
            f"{gone.handled} record(s) of handled events, and {gone.windows} window(s) and "
            f"{gone.messages} sent message record(s) past store.retention"
        )
        return 0
    finally:
        await db.close()


def cmd_roundup_export(load: Callable[[str], Config | None], args: argparse.Namespace) -> int:
    config = load(args.config)
    if config is None:
        return 2
    if not config.db_path.exists():
        print(f"no database at {config.db_path} (has the bot run yet?)", file=sys.stderr)
        return 2
    return asyncio.run(_export(config, args))


def cmd_purge(load: Callable[[str], Config | None], args: argparse.Namespace) -> int:
    config = load(args.config)
    if config is None:
        return 2
    if not config.db_path.exists():
        print(f"no database at {config.db_path}", file=sys.stderr)
        return 2
    return asyncio.run(_purge(config))


def add_commands(sub, load: Callable[[str], Config | None]) -> None:
    roundup = sub.add_parser("roundup", help="roundups of windows")
    actions = roundup.add_subparsers(dest="action", required=True)
    export = actions.add_parser(
        "export", help="write a self-contained page (index.html), roundup.md and roundup.json"
    )
    export.add_argument("window", help="the window id")
    export.add_argument("--out", required=True, help="the folder to write")
    export.add_argument("-c", "--config", required=True, help="path to config.yaml")
    export.add_argument(
        "--include-network",
        action="store_true",
        help="also reports whose senders said 'network' (never publish that page)",
    )
    export.add_argument("--lang", default=None, help="the page's language (default: the bot's)")
    export.set_defaults(func=lambda a: cmd_roundup_export(load, a))
    purge = sub.add_parser("purge", help="delete photos older than reports.retention now")
    purge.add_argument("-c", "--config", required=True, help="path to config.yaml")
    purge.set_defaults(func=lambda a: cmd_purge(load, a))
