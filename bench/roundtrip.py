"""Round-trip latency: actionbot vs a bare matrix-nio echo bot on the same Synapse.

The ratio (actionbot median / baseline median) is what matters: it shows what the bot's
durable outbox, event log and command parsing cost on top of what any nio bot pays for
the homeserver and encryption. Run: ``python bench/roundtrip.py --rounds 30``.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

from nio import (
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    MatrixRoom,
    RoomMessageText,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from actionbot.localserver import LocalSynapse
from tests.integration.conftest import RunningBot, bot_config
from tests.integration.matrix_user import MatrixUser


class EchoBot:
    """The baseline: the least a nio bot can do to answer a message."""

    def __init__(self, url: str, user_id: str, password: str, store: Path) -> None:
        store.mkdir(parents=True, exist_ok=True)
        self.client = AsyncClient(
            url, user_id, store_path=str(store), config=AsyncClientConfig(encryption_enabled=True)
        )
        self.password = password
        self.task: asyncio.Task | None = None

    async def start(self) -> None:
        await self.client.login(password=self.password)
        await self.client.sync(timeout=0, full_state=True)
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        self.client.add_event_callback(self.on_invite, InviteMemberEvent)
        self.client.add_event_callback(self.on_text, RoomMessageText)
        self.task = asyncio.create_task(self.client.sync_forever(timeout=5000))

    async def on_invite(self, room: MatrixRoom, event: InviteMemberEvent) -> None:
        if event.state_key == self.client.user_id and event.membership == "invite":
            await self.client.join(room.room_id)

    async def on_text(self, room: MatrixRoom, event: RoomMessageText) -> None:
        if event.sender == self.client.user_id or not event.body.startswith("!"):
            return
        await self.client.room_send(
            room.room_id,
            "m.room.message",
            {
                "msgtype": "m.notice",
                "body": "pong",
                "m.relates_to": {"m.in_reply_to": {"event_id": event.event_id}},
            },
            ignore_unverified_devices=True,
        )

    @property
    def user_id(self) -> str:
        return self.client.user_id

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        await self.client.close()


async def measure(user: MatrixUser, bot_id: str, encrypted: bool, rounds: int) -> list[float]:
    room = await user.create_room(encrypted=encrypted, invite=[bot_id])
    await user.wait_for(
        lambda s: (
            s.room_id == room
            and getattr(s.event, "sender", "") == bot_id
            and getattr(s.event, "membership", "") == "join"
        )
    )
    warm = await user.send_text(room, "!help")
    await user.wait_for_reply(room, warm)
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        event_id = await user.send_text(room, "!help")
        await user.wait_for_reply(room, event_id)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        with LocalSynapse(base / "synapse") as server:
            user = await MatrixUser.register_on(server, base / "u", "user")
            echo_account = server.register(f"echo{secrets.token_hex(3)}")
            echo = EchoBot(server.url, echo_account.user_id, echo_account.password, base / "e")
            await echo.start()
            bot_account = server.register(f"bot{secrets.token_hex(3)}")
            bot = await RunningBot(
                bot_config(server, bot_account, base / "bot", logging__level="WARNING")
            ).start()
            try:
                print(f"{'room':<10} {'baseline ms':>12} {'actionbot ms':>13} {'ratio':>6}")
                for encrypted in (False, True):
                    base_ms = statistics.median(
                        await measure(user, echo.user_id, encrypted, rounds)
                    )
                    bot_ms = statistics.median(await measure(user, bot.user_id, encrypted, rounds))
                    label = "encrypted" if encrypted else "plain"
                    print(f"{label:<10} {base_ms:>12.1f} {bot_ms:>13.1f} {bot_ms / base_ms:>6.2f}")
            finally:
                await bot.stop()
                await echo.stop()
                await user.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    asyncio.run(main(parser.parse_args().rounds))
