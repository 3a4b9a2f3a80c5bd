"""One reminder to N rooms: from its due time to the last room, against a bare nio sender.

Set-up (not measured): a throwaway Synapse with relaxed rate limits (the bot account's own
limit lifted, as the README tells operators to do); a user creates N rooms and invites the
bot and a bare account; the bot joins and greets each one. Then N nodes (one per room) and
one approved window are stored with a "start" reminder for every node, due a few seconds
after the bot restarts — exactly what an approval plans.

Measured: the time from the reminders' due instant until the last one is sent (the
outbox's own timestamps), and a bare matrix-nio client sending one message to each of the
same N rooms with the same concurrency (``asyncio.Semaphore``). The ratio is ours / bare;
the target is the last room within 10 s at 1,000 rooms.
Run: ``python bench/reminder_fanout.py [--rooms 1000] [--concurrency 16]``.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nio import AsyncClient, RoomSendResponse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from actionbot.app import Bot
from actionbot.core.nodes import Node, Standing
from actionbot.core.reminders import Kind, Offset, plan
from actionbot.core.windows import State, Window
from actionbot.localserver import LocalSynapse
from actionbot.store import Database, NodeStore
from actionbot.store.changes import insert_window
from actionbot.store.db import from_db_time
from actionbot.store.reminder_rows import insert_plan
from tests.integration.conftest import bot_config
from tests.integration.matrix_user import MatrixUser

START = Offset(key="start", kind=Kind.START, before=timedelta(0))
LEAD = 60  # seconds from storing the reminders to their due time


async def _gather_limited(limit: int, jobs) -> list:
    gate = asyncio.Semaphore(limit)

    async def run(job):
        async with gate:
            return await job

    return await asyncio.gather(*(run(j) for j in jobs))


async def _until(check) -> None:
    """Poll ``check`` (reads the database or the client) twice a second until it holds."""
    while True:
        if await check():
            return
        await asyncio.sleep(0.5)


async def make_rooms(user: MatrixUser, invite: list[str], count: int) -> list[str]:
    return await _gather_limited(
        16, [user.create_room(encrypted=False, invite=invite, name=f"r{i}") for i in range(count)]
    )


async def run_bot(config, until) -> Bot:
    bot = Bot(config)
    stop = asyncio.Event()
    task = asyncio.create_task(bot.run(stop))
    await asyncio.wait_for(bot.ready.wait(), 300)
    bot.ready_at = datetime.now(UTC)  # type: ignore[attr-defined]
    await until(bot)
    stop.set()
    await asyncio.wait_for(task, 300)
    return bot


async def store_reminders(config, rooms: list[str], due: datetime) -> None:
    db = await Database.open(config.db_path)
    try:
        nodes = NodeStore(db)
        now = datetime.now(UTC)
        stored = []
        for index, room in enumerate(rooms):
            node = Node(
                id=f"f{index:04d}",
                room_id=room,
                name=f"Fan {index:04d}",
                timezone="UTC",
                language="en",
                homeserver="localhost",
                registered_at=now,
                standing=Standing.ADMITTED,
            )
            await nodes.register(node)
            stored.append(node)
        window = Window(
            id="fan01",
            title="Fan-out",
            mode="global",
            start=due,
            local_time=None,
            local_date=None,
            anchor=None,
            duration=timedelta(hours=1),
            state=State.APPROVED,
            proposer_node=stored[0].id,
            gesture=None,
            recurrence=None,
            when={},
            label="",
            notes=(),
            created_at=now,
            deadline=now,
            decided_at=now,
            decision="consensus",
        )
        reminders = plan(
            window_id=window.id,
            starts=window.starts(stored),
            duration=window.duration,
            offsets=[START],
            now=now,
        )
        async with db.transaction() as tx:
            await insert_window(tx, window, proposer_hash="bench", source_event=None)
            await insert_plan(tx, reminders, now)
    finally:
        await db.close()


async def sent_times(config) -> list[datetime]:
    db = await Database.open(config.db_path)
    try:
        rows = await db.fetchall(
            "SELECT status, updated_at FROM outbox WHERE key LIKE 'reminder:fan01:%'"
        )
    finally:
        await db.close()
    return [from_db_time(r["updated_at"]) for r in rows if r["status"] == "sent"]


async def main(count: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        with LocalSynapse(base / "synapse") as server:
            admin = server.register(f"admin{secrets.token_hex(3)}", admin=True)
            account = server.register(f"bot{secrets.token_hex(3)}")
            server.lift_rate_limit(account.user_id, admin)
            plain = server.register(f"plain{secrets.token_hex(3)}")
            server.lift_rate_limit(plain.user_id, admin)
            config = bot_config(server, account, base / "bot", logging__level="WARNING")
            config = replace(config, send_concurrency=concurrency)
            user = await MatrixUser.register_on(server, base / "u", "user")
            bare = AsyncClient(server.url, plain.user_id)
            await bare.login(password=plain.password)

            begin = time.perf_counter()
            rooms = await make_rooms(user, [account.user_id, plain.user_id], count)
            await _gather_limited(16, [bare.join(room) for room in rooms])

            async def joined_all(bot: Bot) -> None:
                async def settled() -> bool:
                    pending = (await bot.parts.outbox.status_counts()).get("pending", 0)
                    return len(bot.connection.client.rooms) >= count and not pending

                await _until(settled)

            await run_bot(config, joined_all)
            took = time.perf_counter() - begin
            print(f"set-up: {count} rooms joined and greeted in {took:.0f} s")

            # Due well after the restarted bot is ready (joining 1,000 rooms' state takes
            # a while): what is measured is a running bot's fan-out, not its start-up.
            due = datetime.now(UTC) + timedelta(seconds=LEAD)
            await store_reminders(config, rooms, due)

            async def all_sent(bot: Bot) -> None:
                async def done() -> bool:
                    return len(await sent_times(config)) >= count

                await _until(done)

            running = await run_bot(config, all_sent)
            ready = (due - running.ready_at).total_seconds()  # type: ignore[attr-defined]
            if ready < 0:
                print(f"warning: the bot was ready only {-ready:.1f} s after the due time")
            times = sorted(await sent_times(config))
            first, last = (times[0] - due).total_seconds(), (times[-1] - due).total_seconds()

            gate = asyncio.Semaphore(concurrency)

            async def send(room: str, index: int) -> None:
                async with gate:
                    body = {"msgtype": "m.notice", "body": f"bare {index}"}
                    resp = await bare.room_send(room, "m.room.message", body)
                    assert isinstance(resp, RoomSendResponse), resp

            start = time.perf_counter()
            await asyncio.gather(*(send(room, i) for i, room in enumerate(rooms)))
            baseline = time.perf_counter() - start
            print(
                f"{count} rooms, concurrency {concurrency}: reminder due → first room "
                f"{first:.2f} s, last room {last:.2f} s; bare nio sender {baseline:.2f} s; "
                f"ratio {last / baseline:.2f}"
            )
            await bare.close()
            await user.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rooms", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    asyncio.run(main(args.rooms, args.concurrency))
