"""The one owner of the nio client: login, device reuse, E2EE trust, sync and sending.

Decisions:
- nio's own retry loops are switched off (``max_limit_exceeded=0``, ``max_timeouts=0``):
  by default nio sleeps and retries forever in silence, which looks like a hang. Here a
  429 or a network error comes back as a value; the sync loop and the outbox decide how
  long to wait, and log every back-off.
- Login happens once. The device id, access token and crypto-store pickle key are saved
  in the bot's database and reused on every start, so people's clients keep encrypting
  to the same device.
- Trust policy ``tofu`` (default): a device is trusted the first time the bot sees it;
  nio refuses a later change of that device's signing key, so a swapped key is not
  silently accepted. ``all``: encrypt to every device without recording trust.

:class:`Connection` is the one object the rest of the bot uses. It holds the client and
the trust policy and delegates each concern to a module: ``results`` (the values calls
return), ``session`` (restore or log in), ``syncing``, ``crypto`` (keys, trust, key
requests, decryption), ``rooms`` (join, leave, power levels) and ``sending`` (send,
upload). The result types are re-exported here for the modules that import them.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from nio import AsyncClient, MegolmEvent, SyncResponse

from actionbot.config import Config
from actionbot.matrix import cross_signing, crypto, media, rooms, sending, session, syncing
from actionbot.matrix.identity import DeviceReplaced
from actionbot.matrix.results import (
    NETWORK_ERRORS,
    LoginFailed,
    RateLimited,
    SendFailed,
    Sent,
    SyncFailed,
)
from actionbot.matrix.sending import SEND_TIMEOUT
from actionbot.matrix.syncing import SYNC_GRACE
from actionbot.store.session import SessionStore

__all__ = [
    "NETWORK_ERRORS",
    "SEND_TIMEOUT",
    "SYNC_GRACE",
    "Connection",
    "LoginFailed",
    "RateLimited",
    "SendFailed",
    "Sent",
    "SyncFailed",
]


class Connection:
    """A logged-in Matrix client for the bot's account."""

    def __init__(
        self, client: AsyncClient, *, trust: str, replaced: DeviceReplaced | None = None
    ) -> None:
        self.client = client
        self.trust = trust
        # Set when start-up had to replace a device whose keys were lost (see identity.py).
        self.replaced = replaced

    @property
    def user_id(self) -> str:
        return self.client.user_id

    @property
    def device_id(self) -> str:
        return self.client.device_id or ""

    @property
    def fingerprint(self) -> str:
        """The device's ed25519 key, grouped for reading aloud during verification."""
        return crypto.fingerprint(self.client)

    # --- login (session.py) ----------------------------------------------------------------

    @classmethod
    async def open(
        cls, config: Config, sessions: SessionStore, *, now: datetime
    ) -> Connection | LoginFailed:
        """Restore the saved device (replaced if its keys were lost), or log in once."""
        opened = await session.open_client(config, sessions, now=now)
        if isinstance(opened, LoginFailed):
            return opened
        return cls(opened.client, trust=config.trust, replaced=opened.replaced)

    async def close(self) -> None:
        await self.client.close()

    # --- sync (syncing.py) and keys (crypto.py) --------------------------------------------

    async def sync(
        self, *, since: str | None, wait: timedelta, full_state: bool = False
    ) -> SyncResponse | SyncFailed:
        """One sync request. ``full_state`` on the first sync after start-up rebuilds nio's
        room state (members, encryption), which nio does not persist across restarts."""
        return await syncing.sync(self.client, since=since, wait=wait, full_state=full_state)

    async def maintain_keys(self) -> None:
        """Upload, query and claim keys and flush to-device messages, as sync_forever does,
        then trust new devices (see :func:`crypto.maintain_keys`)."""
        await crypto.maintain_keys(self.client, trust=self.trust)

    def trust_devices(self) -> int:
        """TOFU: trust every not-yet-seen device of the people in encrypted rooms."""
        return crypto.trust_devices(self.client, trust=self.trust)

    async def request_room_key(self, event: MegolmEvent) -> None:
        """Ask for a missing Megolm key: nio's request goes to the bot's own other devices;
        the same ``m.room_key_request`` also goes to the device that sent the message."""
        await crypto.request_room_key(self.client, event)

    def try_decrypt(self, event: MegolmEvent) -> Any | None:
        """Decrypt an event whose key may have arrived since; None if still unreadable."""
        return crypto.try_decrypt(self.client, event)

    async def cross_sign(
        self, keys: cross_signing.CrossSigningKeys, *, password: str | None
    ) -> tuple[cross_signing.Outcome, cross_signing.CrossSigningKeys]:
        """Have the server show this device signed by the account's self-signing key
        (returns the keys in use: new ones if the account's identity had to be replaced)."""
        return await cross_signing.ensure(self.client, keys, password=password)

    # --- rooms (rooms.py) ------------------------------------------------------------------

    async def join(self, room_id: str) -> str | None:
        """Join a room; return None on success or the reason it failed."""
        return await rooms.join(self.client, room_id)

    async def leave(self, room_id: str) -> str | None:
        """Leave a room; return None on success or the reason it failed."""
        return await rooms.leave(self.client, room_id)

    async def power_level(self, room_id: str, user_id: str) -> int:
        """The user's effective power level, read from the server's current room state
        (fail closed: 0 if the server could not tell; see :func:`rooms.power_level`)."""
        return await rooms.power_level(self.client, room_id, user_id)

    async def moderators(self, room_id: str, min_level: int) -> tuple[str, ...] | None:
        """Joined members with power ≥ ``min_level``; None if the server could not tell."""
        return await rooms.moderators(self.client, room_id, min_level)

    async def set_power(self, room_id: str, user_id: str, level: int) -> str | None:
        return await rooms.set_power(self.client, room_id, user_id, level)

    async def set_pinned(self, room_id: str, event_id: str, *, pin: bool) -> str | None:
        return await rooms.set_pinned(self.client, room_id, event_id, pin=pin)

    async def levels_of(self, room_id: str, users: tuple[str, ...]) -> dict[str, int] | None:
        return await rooms.levels_of(self.client, room_id, users)

    async def creators_of(self, room_id: str) -> frozenset[str] | None:
        return await rooms.creators_of(self.client, room_id)

    async def fetch_file(
        self, room_id: str, event_id: str, *, limit: int
    ) -> media.FetchedFile | media.FetchProblem:
        return await media.fetch_event_file(self.client, room_id, event_id, limit=limit)

    async def file_of(
        self, source: dict[str, Any], *, limit: int
    ) -> media.FetchedFile | media.FetchProblem:
        content = media.file_content(source)
        if content is None:
            return media.FetchProblem(reason="not-a-file")
        return await media.download(self.client, content, limit=limit)

    async def reachable(self) -> bool:
        """Whether the homeserver answers at all (a cheap, unauthenticated request)."""
        try:
            resp = await asyncio.wait_for(
                self.client.send("GET", "/_matrix/client/versions"), timeout=3
            )
        except (TimeoutError, *NETWORK_ERRORS):
            return False
        status = getattr(resp, "status", 0)
        resp.release()
        return 200 <= status < 500

    def members(self, room_id: str) -> tuple[str, ...]:
        return rooms.members(self.client, room_id)

    def is_encrypted(self, room_id: str) -> bool:
        return rooms.is_encrypted(self.client, room_id)

    # --- media and sending (sending.py) ----------------------------------------------------

    async def upload_file(
        self, data: bytes, *, filename: str, mimetype: str, room_id: str
    ) -> dict[str, Any] | SendFailed:
        """Upload a file (encrypted if the room is) and return ``m.file`` content for it."""
        return await sending.upload_file(
            self.client, data, filename=filename, mimetype=mimetype, room_id=room_id
        )

    async def send(
        self, *, room_id: str, event_type: str, content: dict[str, Any], txn_id: str
    ) -> Sent | RateLimited | SendFailed:
        """Send one event with a fixed transaction id (so a retry cannot duplicate it),
        claiming keys first and bounded in time (see :func:`sending.send` for why)."""
        return await sending.send(
            self.client,
            trust=self.trust,
            room_id=room_id,
            event_type=event_type,
            content=content,
            txn_id=txn_id,
        )
