"""Scale: 1,000 nodes, 10,000 windows, 100 approved ahead — built here, then measured.

The data set is built by this script (reproducible: ``--seed``), through the bot's own
store functions, around one real node room on a throwaway Synapse:
- ``--nodes`` nodes (one real room, the others stored only), zones and languages mixed;
- ``--windows`` windows: ``--approved`` approved ahead (half one global instant, half a
  wave at the same local time), with every node's reminders planned as an approval plans
  them; 10 % proposed and waiting for votes (a few votes each); the rest done, in the past.

Measured, each against a baseline in the same run:
- start-up to ready (login, first sync, schedule rebuilt) and peak memory (RSS), in a
  fresh process, against the same start with an empty database;
- ``!windows`` and ``!nodes`` round trips in the real node room, against ``!help``;
- ``actionbot windows --json`` (and ``--per-node``), in a fresh process.

Run: ``python bench/scale.py [--nodes 1000 --windows 10000 --approved 100]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from actionbot.app import Bot
from actionbot.config import Config, load_config
from actionbot.core.nodes import Node, Standing
from actionbot.core.reminders import DEFAULT_OFFSETS, plan
from actionbot.core.windows import State, Window
from actionbot.localserver import LocalSynapse
from actionbot.store import Database, NodeStore
from actionbot.store.changes import insert_window
from actionbot.store.reminder_rows import insert_plan
from tests.integration.matrix_user import MatrixUser

ZONES = [
    "Europe/Kyiv", "America/Sao_Paulo", "Asia/Tokyo", "Africa/Lagos", "Europe/Berlin",
    "America/Mexico_City", "Asia/Kolkata", "Australia/Sydney", "America/New_York",
    "Europe/Lisbon", "Asia/Manila", "Pacific/Auckland",
]  # fmt: skip
LANGUAGES = ["en", "uk", "ru", "es", "fr", "de", "pt-BR", "pt-PT"]


def write_config(path: Path, server: LocalSynapse, user_id: str, password: str) -> Path:
    path.write_text(
        json.dumps(
            {
                "matrix": {"homeserver": server.url, "user_id": user_id, "password": password},
                "store": {"path": str(path.parent / "store")},
                "network": {"admission": "open"},
                "sending": {"sync_timeout": "5s"},
                "logging": {"level": "WARNING"},
            }
        )
    )
    return path


async def build(config: Config, *, nodes: int, windows: int, approved: int, seed: int) -> None:
    """Add nodes and windows to the bot's database, as the bot itself would store them."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    db = await Database.open(config.db_path)
    try:
        store = NodeStore(db)
        for index in range(nodes - 1):  # the real room is already a node
            await store.register(
                Node(
                    id=f"n{index:04d}",
                    room_id=f"!bench{index:04d}:{config.user_id.split(':', 1)[1]}",
                    name=f"Node {index:04d}",
                    timezone=rng.choice(ZONES),
                    language=rng.choice(LANGUAGES),
                    homeserver="bench.example",
                    registered_at=now - timedelta(days=400),
                    standing=Standing.ADMITTED,
                )
            )
        all_nodes = await store.all()
        proposed = windows // 10
        async with db.transaction() as tx:
            await _add_windows(tx, all_nodes, windows, approved, proposed, rng, now)
    finally:
        await db.close()


async def _add_windows(tx, all_nodes, windows, approved, proposed, rng, now) -> None:
    """One transaction, through the bot's own insert functions."""
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for index in range(windows):
        window = _window(index, all_nodes, approved, proposed, now)
        await insert_window(tx, window, proposer_hash="bench", source_event=None)
        if window.state is State.APPROVED:  # as an approval plans them
            reminders = plan(
                window_id=window.id,
                starts=window.starts(all_nodes),
                duration=window.duration,
                offsets=DEFAULT_OFFSETS,
                now=now,
            )
            await insert_plan(tx, reminders, now)
        if window.state is State.PROPOSED:
            for voter in rng.sample(all_nodes, 5):
                await tx.execute(
                    "INSERT INTO votes (window_id, node_id, vote, via, updated_at) "
                    "VALUES (?, ?, 'yes', 'command', ?)",
                    (window.id, voter.id, stamp),
                )


def _window(index: int, all_nodes, approved: int, proposed: int, now: datetime) -> Window:
    """Approved ahead, proposed (deciding soon) or done (in the last two years); every
    other one a wave at 19:00 local."""
    if index < approved:
        state, start = State.APPROVED, now + timedelta(days=1 + index % 90, hours=index)
    elif index < approved + proposed:
        state, start = State.PROPOSED, now + timedelta(days=3 + index % 60)
    else:
        state, start = State.DONE, now - timedelta(days=1 + index % 700)
    wave = index % 2 == 1
    decided = state is not State.PROPOSED
    return Window(
        id=f"w{index:05d}",
        title=f"Bench window {index}",
        mode="local" if wave else "global",
        start=None if wave else start,
        local_time=clock(19, 0) if wave else None,
        local_date=start.date() if wave else None,
        anchor=None,
        duration=timedelta(hours=1),
        state=state,
        proposer_node=all_nodes[index % len(all_nodes)].id,
        gesture=None,
        recurrence=None,
        when={},
        label="",
        notes=(),
        created_at=start - timedelta(days=5),
        deadline=start - timedelta(days=1) if decided else now + timedelta(hours=1 + index % 40),
        decided_at=start - timedelta(days=1) if decided else None,
        decision="consensus" if decided else None,
    )


def start_up(config_file: Path) -> dict[str, float]:
    """Start-up to ready and peak RSS, measured in a fresh process."""
    done = subprocess.run(
        [sys.executable, __file__, "--startup-probe", str(config_file)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


async def _probe(config_file: Path) -> None:
    config = load_config(config_file)
    assert isinstance(config, Config), config
    begin = time.perf_counter()
    bot = Bot(config)
    stop = asyncio.Event()
    task = asyncio.create_task(bot.run(stop))
    await asyncio.wait_for(bot.ready.wait(), 600)
    seconds = time.perf_counter() - begin
    jobs = len(bot.parts.scheduler.job_ids())
    stop.set()
    await task
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rss_mb": rss_mb, "jobs": jobs}))


def windows_json(config_file: Path, *extra: str) -> tuple[float, int]:
    begin = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "actionbot",
                "windows",
                "-c",
                str(config_file),
                "--json",
                *extra,
            ],
            stdout=subprocess.PIPE,
            check=True,
            timeout=600,
        )
        sink.write(out.stdout)
    return time.perf_counter() - begin, len(out.stdout)


async def round_trip(user: MatrixUser, room: str, body: str) -> float:
    begin = time.perf_counter()
    await user.wait_for_reply(room, await user.send_text(room, body), timeout=120)
    return time.perf_counter() - begin


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        with LocalSynapse(base / "synapse") as server:
            account = server.register(f"bot{secrets.token_hex(3)}")
            (base / "bot").mkdir()
            config_file = write_config(
                base / "bot" / "config.yaml", server, account.user_id, account.password
            )
            config = load_config(config_file)
            assert isinstance(config, Config), config
            empty = start_up(config_file)

            user = await MatrixUser.register_on(server, base / "u", "user")
            bot = Bot(config)
            stop = asyncio.Event()
            task = asyncio.create_task(bot.run(stop))
            await bot.ready.wait()
            room = await user.create_room(encrypted=True, invite=[account.user_id])
            await user.wait_for(lambda s: s.room_id == room and "msgtype" in s.content)
            await round_trip(user, room, "!node register Bench tz=Europe/Kyiv lang=en")
            stop.set()
            await task

            begin = time.perf_counter()
            await build(
                config,
                nodes=args.nodes,
                windows=args.windows,
                approved=args.approved,
                seed=args.seed,
            )
            built = time.perf_counter() - begin
            reminders = 0
            db = await Database.open(config.db_path)
            row = await db.fetchone("SELECT COUNT(*) FROM reminders WHERE status = 'planned'")
            reminders = row[0]
            await db.close()
            print(
                f"data set: {args.nodes} nodes, {args.windows} windows, {args.approved} "
                f"approved ahead, {reminders} planned reminders (built in {built:.1f} s)"
            )

            full = start_up(config_file)
            print(
                f"start-up to ready: empty {empty['seconds']:.2f} s / {empty['rss_mb']:.0f} MB; "
                f"full {full['seconds']:.2f} s / {full['rss_mb']:.0f} MB "
                f"({full['seconds'] / empty['seconds']:.2f}× time, "
                f"{full['rss_mb'] / empty['rss_mb']:.2f}× memory; "
                f"{full['jobs']} timers)"
            )

            bot = Bot(config)
            stop = asyncio.Event()
            task = asyncio.create_task(bot.run(stop))
            await bot.ready.wait()
            await round_trip(user, room, "!help")  # warm
            help_s = min([await round_trip(user, room, "!help") for _ in range(3)])
            for command in ("!windows", "!windows 2", "!nodes", "!nodes 20"):
                took = min([await round_trip(user, room, command) for _ in range(3)])
                print(f"{command}: {took * 1000:.0f} ms ({took / help_s:.1f}× !help)")
            stop.set()
            await task
            await user.close()

            for extra in ((), ("--per-node",)):
                took, size = windows_json(config_file, *extra)
                print(f"windows --json {' '.join(extra)}: {took:.2f} s, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--startup-probe":
        asyncio.run(_probe(Path(sys.argv[2])))
        raise SystemExit(0)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--windows", type=int, default=10000)
    parser.add_argument("--approved", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    asyncio.run(main(parser.parse_args()))
