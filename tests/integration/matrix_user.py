"""A real Matrix user for integration tests: a nio client with E2EE and a background sync.

It records every timeline event it sees (decrypted where it can) so tests can wait for
the bot's replies by relation instead of sleeping.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    LoginResponse,
    RoomCreateResponse,
    RoomSendResponse,
    SyncResponse,
)

WAIT = 45.0  # upper bound so a broken bot fails the test instead of hanging it


@dataclass
class Seen:
    room_id: str
    event: Any

    @property
    def content(self) -> dict[str, Any]:
        return self.event.source.get("content", {})

    @property
    def reply_to(self) -> str | None:
        relates = self.content.get("m.relates_to") or {}
        return (relates.get("m.in_reply_to") or {}).get("event_id")


@dataclass
class MatrixUser:
    url: str
    user_id: str
    password: str
    store_dir: Path
    client: AsyncClient = field(init=False)
    seen: list[Seen] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _task: asyncio.Task[None] | None = None

    @classmethod
    async def register_on(cls, server: Any, store_dir: Path, prefix: str = "user") -> MatrixUser:
        """Register a fresh account on a LocalSynapse and return it logged in and syncing."""
        account = server.register(f"{prefix}{secrets.token_hex(3)}")
        user = cls(
            url=server.url, user_id=account.user_id, password=account.password, store_dir=store_dir
        )
        return await user.login()

    async def on_new_device(self, store_dir: Path) -> MatrixUser:
        """The same person, logged in again from a new device (e.g. after a server restart)."""
        again = MatrixUser(
            url=self.url, user_id=self.user_id, password=self.password, store_dir=store_dir
        )
        return await again.login()

    async def login(self) -> MatrixUser:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.client = AsyncClient(
            self.url,
            self.user_id,
            store_path=str(self.store_dir),
            config=AsyncClientConfig(store_sync_tokens=False, encryption_enabled=True),
        )
        resp = await self.client.login(password=self.password, device_name="test-user")
        assert isinstance(resp, LoginResponse), resp
        self.client.add_response_callback(self._on_sync, SyncResponse)
        first = await self.client.sync(timeout=0, full_state=True)
        assert isinstance(first, SyncResponse), first
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        self._task = asyncio.create_task(self.client.sync_forever(timeout=1000))
        return self

    async def _on_sync(self, response: SyncResponse) -> None:
        async with self._changed:
            for room_id, info in response.rooms.join.items():
                for event in info.timeline.events:
                    self.seen.append(Seen(room_id, event))
            self._changed.notify_all()

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.client.close()

    async def create_room(self, *, encrypted: bool, invite: list[str] = (), name: str = "test"):
        state = []
        if encrypted:
            state.append(
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            )
        resp = await self.client.room_create(name=name, invite=list(invite), initial_state=state)
        assert isinstance(resp, RoomCreateResponse), resp
        await self.wait_for(lambda s: s.room_id == resp.room_id)
        # Wait until nio has applied the room's state, or the first message would go out
        # unencrypted into an encrypted room.
        for _ in range(100):
            room = self.client.rooms.get(resp.room_id)
            if room is not None and room.encrypted == encrypted:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("room state never arrived")
        return resp.room_id

    async def invite(self, room_id: str, user_id: str) -> None:
        resp = await self.client.room_invite(room_id, user_id)
        assert not hasattr(resp, "status_code") or resp.status_code is None, resp

    async def join(self, room_id: str) -> None:
        resp = await self.client.join(room_id)
        assert not hasattr(resp, "status_code") or resp.status_code is None, resp
        await self.wait_for(lambda s: s.room_id == room_id)

    async def send_text(self, room_id: str, body: str) -> str:
        resp = await self.client.room_send(
            room_id,
            "m.room.message",
            {"msgtype": "m.text", "body": body},
            ignore_unverified_devices=True,
        )
        assert isinstance(resp, RoomSendResponse), resp
        return resp.event_id

    async def wait_for(self, predicate, timeout: float = WAIT) -> Seen:
        async def find() -> Seen:
            async with self._changed:
                while True:
                    for item in self.seen:
                        if predicate(item):
                            return item
                    await self._changed.wait()

        return await asyncio.wait_for(find(), timeout)

    async def wait_for_reply(self, room_id: str, event_id: str, timeout: float = WAIT) -> Seen:
        return await self.wait_for(
            lambda s: s.room_id == room_id and s.reply_to == event_id, timeout
        )

    def replies_to(self, room_id: str, event_id: str) -> list[Seen]:
        return [s for s in self.seen if s.room_id == room_id and s.reply_to == event_id]

    def notices_in(self, room_id: str, sender: str) -> list[Seen]:
        return [
            s
            for s in self.seen
            if s.room_id == room_id
            and getattr(s.event, "sender", None) == sender
            and s.content.get("msgtype") == "m.notice"
        ]

    def raw_event(self, room_id: str, event_id: str) -> dict[str, Any]:
        """The event as the server stores it, fetched over plain HTTP (no decryption)."""
        request = urllib.request.Request(
            f"{self.url}/_matrix/client/v3/rooms/{room_id}/event/{event_id}",
            headers={"Authorization": f"Bearer {self.client.access_token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as resp:
            return json.loads(resp.read())

    def membership(self, room_id: str, user_id: str) -> str | None:
        request = urllib.request.Request(
            f"{self.url}/_matrix/client/v3/rooms/{room_id}/state/m.room.member/{user_id}",
            headers={"Authorization": f"Bearer {self.client.access_token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                return json.loads(resp.read()).get("membership")
        except urllib.error.HTTPError:
            return None
