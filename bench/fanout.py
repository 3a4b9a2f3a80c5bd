"""Fan-out: one message to each of N rooms, actionbot's outbox vs bare matrix-nio.

Baseline (same run, same server, same bot account type): a bare nio client sending one
``room_send`` per room in sequence — what a simple bot does. actionbot sends through its
durable outbox (one SQLite transaction per row, bounded concurrency). The ratio below 1
means the outbox's concurrency more than pays for its durability.
Run: ``python bench/fanout.py --rooms 20``.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
import time
from pathlib import Path

from nio import AsyncClient, RoomSendResponse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from actionbot.core.outbox import OutgoingMessage, Status
from actionbot.localserver import LocalSynapse
from actionbot.store import OutboxStore
from tests.integration.conftest import RunningBot, bot_config
from tests.integration.matrix_user import MatrixUser


async def make_rooms(user: MatrixUser, invite: list[str], count: int) -> list[str]:
    return [await user.create_room(encrypted=False, invite=invite) for _ in range(count)]


async def join_all(client: AsyncClient, rooms: list[str]) -> None:
    for room in rooms:
        await client.join(room)
    await client.sync(timeout=0, full_state=True)


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        with LocalSynapse(base / "synapse") as server:
            user = await MatrixUser.register_on(server, base / "u", "user")
            plain = server.register(f"plain{secrets.token_hex(3)}")
            bare = AsyncClient(server.url, plain.user_id)
            await bare.login(password=plain.password)
            bot_account = server.register(f"bot{secrets.token_hex(3)}")
            bot = await RunningBot(
                bot_config(server, bot_account, base / "bot", logging__level="WARNING")
            ).start()
            try:
                rooms = await make_rooms(user, [plain.user_id, bot_account.user_id], count)
                await join_all(bare, rooms)
                await asyncio.sleep(2)  # the bot joins by invite on its next syncs

                start = time.perf_counter()
                for index, room in enumerate(rooms):
                    resp = await bare.room_send(
                        room, "m.room.message", {"msgtype": "m.notice", "body": f"b{index}"}
                    )
                    assert isinstance(resp, RoomSendResponse), resp
                baseline = time.perf_counter() - start

                outbox = OutboxStore(bot.bot.db)
                start = time.perf_counter()
                for index, room in enumerate(rooms):
                    await outbox.enqueue(
                        OutgoingMessage(
                            key=f"fan:{index}",
                            room_id=room,
                            content={"msgtype": "m.notice", "body": f"a{index}"},
                        ),
                        now=bot.bot.clock(),
                    )
                bot.bot.sender.notify()
                while True:
                    rows = [r for r in await outbox.all() if r.key.startswith("fan:")]
                    if all(r.status is Status.SENT for r in rows):
                        break
                    await asyncio.sleep(0.005)
                ours = time.perf_counter() - start
                print(
                    f"{count} rooms: bare nio sequential {baseline * 1000:.0f} ms, "
                    f"actionbot outbox {ours * 1000:.0f} ms, ratio {ours / baseline:.2f}"
                )
            finally:
                await bot.stop()
                await bare.close()
                await user.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rooms", type=int, default=20)
    asyncio.run(main(parser.parse_args().rooms))
