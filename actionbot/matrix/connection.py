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
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from nio import (
    AsyncClient,
    AsyncClientConfig,
    ErrorResponse,
    JoinError,
    LocalProtocolError,
    LoginResponse,
    MegolmEvent,
    OlmUnverifiedDeviceError,
    RoomLeaveError,
    RoomSendResponse,
    SyncResponse,
    ToDeviceMessage,
    UploadResponse,
    WhoamiResponse,
)
from nio.exceptions import OlmTrustError

from actionbot.config import Config
from actionbot.core.power import effective_level
from actionbot.logs import redact
from actionbot.store.session import SavedSession, SessionStore

log = logging.getLogger(__name__)

# Errors that mean "the network or server is unavailable right now", not a bug.
try:
    from aiohttp import ClientError as _AiohttpError
except ImportError:  # pragma: no cover - aiohttp is a nio dependency
    _AiohttpError = OSError  # type: ignore[misc,assignment]
NETWORK_ERRORS: tuple[type[BaseException], ...] = (OSError, TimeoutError, _AiohttpError)
# A state lookup that failed (as opposed to "no such event").
_UNKNOWN: dict[str, Any] = {"unknown": True}
SEND_TIMEOUT = timedelta(seconds=60)  # one event, keys included
SYNC_GRACE = timedelta(seconds=30)  # on top of the server's long-poll time


@dataclass(frozen=True, kw_only=True)
class Sent:
    event_id: str


@dataclass(frozen=True, kw_only=True)
class RateLimited:
    retry_after: timedelta


@dataclass(frozen=True, kw_only=True)
class SendFailed:
    reason: str
    permanent: bool = False


@dataclass(frozen=True, kw_only=True)
class SyncFailed:
    reason: str
    retry_after: timedelta | None = None
    fatal: bool = False


@dataclass(frozen=True, kw_only=True)
class LoginFailed:
    reason: str


def _error_text(resp: ErrorResponse) -> str:
    return f"{resp.status_code or 'error'}: {resp.message or ''}".strip()


def _retry_after(resp: ErrorResponse) -> timedelta | None:
    ms = getattr(resp, "retry_after_ms", None)
    if resp.status_code == "M_LIMIT_EXCEEDED" or ms:
        return timedelta(milliseconds=ms or 5000)
    return None


class Connection:
    """A logged-in Matrix client for the bot's account."""

    def __init__(self, client: AsyncClient, *, trust: str) -> None:
        self.client = client
        self.trust = trust

    @property
    def user_id(self) -> str:
        return self.client.user_id

    @property
    def device_id(self) -> str:
        return self.client.device_id or ""

    @property
    def fingerprint(self) -> str:
        """The device's ed25519 key, grouped for reading aloud during verification."""
        olm = self.client.olm
        if olm is None:
            return ""
        key = olm.account.identity_keys["ed25519"]
        return " ".join(key[i : i + 4] for i in range(0, len(key), 4))

    # --- login ---------------------------------------------------------------------------

    @classmethod
    async def open(
        cls, config: Config, sessions: SessionStore, *, now: datetime
    ) -> Connection | LoginFailed:
        """Restore the saved device, or log in once and save it."""
        config.crypto_store_path.mkdir(parents=True, exist_ok=True, mode=0o700)
        saved = await sessions.load()
        if saved and (saved.user_id != config.user_id or saved.homeserver != config.homeserver):
            log.warning("saved login is for another account or server; logging in again")
            await sessions.forget()
            saved = None

        if saved is not None:
            conn = cls._build(config, saved.pickle_key)
            conn.client.restore_login(saved.user_id, saved.device_id, saved.access_token)
            check = await conn._whoami()
            if isinstance(check, LoginFailed) and "M_UNKNOWN_TOKEN" in check.reason:
                log.error("the saved access token was revoked; a new login is needed")
                await conn.close()
                await sessions.forget()
                saved = None
            else:
                redact(saved.access_token, saved.pickle_key)
                log.info("restored saved login", extra={"device_id": saved.device_id})
                return conn

        # One pickle key per installation (not per login): the crypto store of a device
        # that outlives a forgotten session must still open.
        pickle_key = (await sessions.install_secret("crypto-pickle-key")).hex()
        conn = cls._build(config, pickle_key)
        if config.access_token:
            conn.client.access_token = config.access_token
            who = await conn._whoami()
            if isinstance(who, LoginFailed):
                await conn.close()
                return who
            if not who.device_id:
                await conn.close()
                return LoginFailed(reason="the access token has no device; use a password")
            if who.user_id != config.user_id:
                await conn.close()
                return LoginFailed(reason="the access token belongs to another user")
            conn.client.restore_login(who.user_id, who.device_id, config.access_token)
            device_id, token = who.device_id, config.access_token
        elif config.password:
            try:
                resp = await conn.client.login(
                    password=config.password, device_name=config.device_name
                )
            except NETWORK_ERRORS as exc:
                await conn.close()
                return LoginFailed(reason=f"cannot reach the homeserver: {type(exc).__name__}")
            if not isinstance(resp, LoginResponse):
                await conn.close()
                return LoginFailed(reason=f"login refused ({_error_text(resp)})")
            device_id, token = resp.device_id, resp.access_token
        else:  # config validation makes this unreachable
            return LoginFailed(reason="no password or access token configured")
        await sessions.save(
            SavedSession(
                homeserver=config.homeserver,
                user_id=config.user_id,
                device_id=device_id,
                access_token=token,
                pickle_key=pickle_key,
                created_at=now,
            )
        )
        redact(token, pickle_key)
        log.info("logged in; device saved for reuse", extra={"device_id": device_id})
        return conn

    @classmethod
    def _build(cls, config: Config, pickle_key: str) -> Connection:
        client_config = AsyncClientConfig(
            max_limit_exceeded=0,
            max_timeouts=0,
            store_sync_tokens=False,
            encryption_enabled=True,
            pickle_key=pickle_key,
            request_timeout=config.sync_timeout.total_seconds() + 30,
        )
        client = AsyncClient(
            config.homeserver,
            config.user_id,
            store_path=str(config.crypto_store_path),
            config=client_config,
        )
        return cls(client, trust=config.trust)

    async def _whoami(self) -> WhoamiResponse | LoginFailed:
        try:
            resp = await self.client.whoami()
        except NETWORK_ERRORS as exc:
            return LoginFailed(reason=f"cannot reach the homeserver: {type(exc).__name__}")
        if isinstance(resp, WhoamiResponse):
            return resp
        return LoginFailed(reason=_error_text(resp))

    async def close(self) -> None:
        await self.client.close()

    # --- sync and keys ---------------------------------------------------------------------

    async def sync(
        self, *, since: str | None, wait: timedelta, full_state: bool = False
    ) -> SyncResponse | SyncFailed:
        """One sync request. ``full_state`` on the first sync after start-up rebuilds nio's
        room state (members, encryption), which nio does not persist across restarts."""
        # nio treats timeout=0 as "no client-side timeout at all"; ask for at least 1 ms and
        # bound the whole request ourselves, so a stalled connection cannot hang the bot.
        server_wait_ms = max(1, int(wait.total_seconds() * 1000))
        try:
            resp = await asyncio.wait_for(
                self.client.sync(timeout=server_wait_ms, since=since, full_state=full_state),
                timeout=wait.total_seconds() + SYNC_GRACE.total_seconds(),
            )
        except (TimeoutError, *NETWORK_ERRORS) as exc:
            return SyncFailed(reason=f"network: {type(exc).__name__}")
        if isinstance(resp, SyncResponse):
            return resp
        fatal = resp.status_code in ("M_UNKNOWN_TOKEN", "M_FORBIDDEN")
        return SyncFailed(reason=_error_text(resp), retry_after=_retry_after(resp), fatal=fatal)

    async def maintain_keys(self) -> None:
        """Upload, query and claim keys and flush to-device messages, as sync_forever does.

        Uploading right after the first sync is what lets people encrypt to the bot at
        once; keeping one-time keys topped up keeps it in every key share.
        """
        client = self.client
        steps: list[tuple[str, Any]] = []
        try:
            if client.should_upload_keys:
                steps.append(("keys_upload", await client.keys_upload()))
            if client.should_query_keys:
                steps.append(("keys_query", await client.keys_query()))
            if client.should_claim_keys:
                users = client.get_users_for_key_claiming()
                steps.append(("keys_claim", await client.keys_claim(users)))
            steps.append(("to_device", await client.send_to_device_messages()))
        except NETWORK_ERRORS as exc:
            log.warning("key maintenance interrupted", extra={"error": type(exc).__name__})
            return
        for name, resp in steps:
            for item in resp if isinstance(resp, list) else [resp]:
                if isinstance(item, ErrorResponse):
                    log.warning(
                        "key maintenance step failed",
                        extra={"step": name, "error": _error_text(item)},
                    )
        self.trust_devices()

    def trust_devices(self) -> int:
        """TOFU: trust every not-yet-seen device of the people in encrypted rooms."""
        if self.trust != "tofu" or self.client.olm is None:
            return 0
        trusted = 0
        for room in self.client.rooms.values():
            if not room.encrypted:
                continue
            for user_id in room.users:
                for device in self.client.device_store.active_user_devices(user_id):
                    if device.verified or device.blacklisted or device.ignored:
                        continue
                    if device.user_id == self.user_id and device.id == self.device_id:
                        continue
                    self.client.verify_device(device)
                    trusted += 1
        if trusted:
            log.info("trusted new devices on first use", extra={"count": trusted})
        return trusted

    # --- rooms -----------------------------------------------------------------------------

    async def join(self, room_id: str) -> str | None:
        """Join a room; return None on success or the reason it failed."""
        try:
            resp = await self.client.join(room_id)
        except NETWORK_ERRORS as exc:
            return f"network: {type(exc).__name__}"
        return _error_text(resp) if isinstance(resp, JoinError) else None

    async def leave(self, room_id: str) -> str | None:
        try:
            resp = await self.client.room_leave(room_id)
        except NETWORK_ERRORS as exc:
            return f"network: {type(exc).__name__}"
        return _error_text(resp) if isinstance(resp, RoomLeaveError) else None

    async def power_level(self, room_id: str, user_id: str) -> int:
        """The user's effective power level, read from the server's current room state.

        Asked of the server (not nio's cached state) because permission checks are rare
        and must be right, and nio does not know v12 rooms' privileged creators.
        """
        create = await self._state_event(room_id, "m.room.create")
        levels = await self._state_event(room_id, "m.room.power_levels")
        # Fail closed: if the server could not tell us, nobody is a moderator.
        if create is None or create is _UNKNOWN or levels is _UNKNOWN:
            return 0
        return effective_level(
            user_id=user_id,
            create_event=create,
            power_levels=levels.get("content") if levels else None,
        )

    async def _state_event(self, room_id: str, event_type: str) -> dict[str, Any] | None:
        path = (
            f"/_matrix/client/v3/rooms/{quote(room_id, safe='')}/state/"
            f"{quote(event_type, safe='')}/?format=event"
        )
        try:
            resp = await self.client.send(
                "GET", path, headers={"Authorization": f"Bearer {self.client.access_token}"}
            )
            if resp.status == 404:
                return None  # the room has no such state event
            if resp.status != 200:
                return _UNKNOWN
            data = await resp.json()
        except NETWORK_ERRORS:
            return _UNKNOWN
        if not isinstance(data, dict):
            return _UNKNOWN
        if "content" not in data or "sender" not in data:
            # A server that ignores ?format=event returned only the content; find the
            # event (with its sender, which v12 rooms need) in the full room state.
            return await self._state_event_from_full_state(room_id, event_type)
        return data

    async def _state_event_from_full_state(
        self, room_id: str, event_type: str
    ) -> dict[str, Any] | None:
        path = f"/_matrix/client/v3/rooms/{quote(room_id, safe='')}/state"
        try:
            resp = await self.client.send(
                "GET", path, headers={"Authorization": f"Bearer {self.client.access_token}"}
            )
            if resp.status != 200:
                return _UNKNOWN
            events = await resp.json()
        except NETWORK_ERRORS:
            return _UNKNOWN
        for event in events if isinstance(events, list) else []:
            if (
                isinstance(event, dict)
                and event.get("type") == event_type
                and (event.get("state_key") == "")
            ):
                return event
        return None

    def is_encrypted(self, room_id: str) -> bool:
        room = self.client.rooms.get(room_id)
        return bool(room and room.encrypted)

    # --- encryption helpers ------------------------------------------------------------------

    async def request_room_key(self, event: MegolmEvent) -> None:
        """Ask for a missing Megolm key: nio's request goes to the bot's own other devices;
        the same ``m.room_key_request`` also goes to the device that sent the message."""
        try:
            resp = await self.client.request_room_key(event)
            if isinstance(resp, ErrorResponse):
                log.warning("room key request refused", extra={"error": _error_text(resp)})
        except LocalProtocolError:
            return  # already requested for this session
        except NETWORK_ERRORS as exc:
            log.warning("room key request failed", extra={"error": type(exc).__name__})
            return
        if not event.device_id or not event.room_id:
            return
        message = ToDeviceMessage(
            type="m.room_key_request",
            recipient=event.sender,
            recipient_device=event.device_id,
            content={
                "action": "request",
                "body": {
                    "algorithm": event.algorithm,
                    "room_id": event.room_id,
                    "sender_key": event.sender_key,
                    "session_id": event.session_id,
                },
                "request_id": secrets.token_hex(8),
                "requesting_device_id": self.device_id,
            },
        )
        try:
            sent = await self.client.to_device(message)
        except NETWORK_ERRORS as exc:
            log.warning("room key request failed", extra={"error": type(exc).__name__})
            return
        if isinstance(sent, ErrorResponse):
            log.warning("room key request refused", extra={"error": _error_text(sent)})

    def try_decrypt(self, event: MegolmEvent) -> Any | None:
        """Decrypt an event whose key may have arrived since; None if still unreadable."""
        try:
            decrypted = self.client.decrypt_event(event)
        except Exception:
            return None
        return None if isinstance(decrypted, MegolmEvent) else decrypted

    # --- media -----------------------------------------------------------------------------

    async def upload_file(
        self, data: bytes, *, filename: str, mimetype: str, room_id: str
    ) -> dict[str, Any] | SendFailed:
        """Upload a file (encrypted if the room is) and return ``m.file`` content for it."""
        encrypt = self.is_encrypted(room_id)
        try:
            resp, keys = await self.client.upload(
                io.BytesIO(data),
                content_type="application/octet-stream" if encrypt else mimetype,
                filename=filename,
                encrypt=encrypt,
                filesize=len(data),
            )
        except NETWORK_ERRORS as exc:
            return SendFailed(reason=f"network: {type(exc).__name__}")
        if not isinstance(resp, UploadResponse):
            return SendFailed(reason=_error_text(resp))
        content: dict[str, Any] = {
            "msgtype": "m.file",
            "body": filename,
            "filename": filename,
            "info": {"mimetype": mimetype, "size": len(data)},
        }
        if encrypt:
            content["file"] = {**(keys or {}), "url": resp.content_uri}
        else:
            content["url"] = resp.content_uri
        return content

    # --- sending ---------------------------------------------------------------------------

    async def _claim_missing_keys(self, room_id: str) -> RateLimited | SendFailed | None:
        client = self.client
        if client.olm is None or not self.is_encrypted(room_id):
            return None
        if not client.olm.should_share_group_session(room_id):
            return None
        try:
            missing = client.get_missing_sessions(room_id)
            if not missing:
                return None
            resp = await asyncio.wait_for(
                client.keys_claim(missing), timeout=SEND_TIMEOUT.total_seconds()
            )
        except (TimeoutError, *NETWORK_ERRORS) as exc:
            return SendFailed(reason=f"network: {type(exc).__name__} claiming keys")
        except LocalProtocolError:
            return None  # members not synced yet: room_send will fetch them
        if isinstance(resp, ErrorResponse):
            retry_after = _retry_after(resp)
            if retry_after is not None:
                return RateLimited(retry_after=retry_after)
            return SendFailed(reason=f"claiming keys: {_error_text(resp)}")
        return None

    def _clear_sharing(self, room_id: str) -> None:
        flag = self.client.sharing_session.pop(room_id, None)
        if flag is not None:
            flag.set()

    async def send(
        self, *, room_id: str, event_type: str, content: dict[str, Any], txn_id: str
    ) -> Sent | RateLimited | SendFailed:
        """Send one event with a fixed transaction id (so a retry cannot duplicate it).

        nio claims one-time keys inside ``share_group_session`` outside its own clean-up, so
        a failed claim would leave the room marked "sharing" and every later send to it
        waiting forever. So: claim keys here first (errors become values), bound the whole
        send in time, and clear a stale sharing mark whatever happens.
        """
        if room_id not in self.client.rooms:
            return SendFailed(reason="the bot is not in this room", permanent=True)
        for attempt in range(2):
            self.trust_devices()
            claimed = await self._claim_missing_keys(room_id)
            if claimed is not None:
                return claimed
            try:
                resp = await asyncio.wait_for(
                    self.client.room_send(
                        room_id,
                        event_type,
                        content,
                        tx_id=txn_id,
                        ignore_unverified_devices=self.trust == "all",
                    ),
                    timeout=SEND_TIMEOUT.total_seconds(),
                )
            except TimeoutError:
                self._clear_sharing(room_id)
                return SendFailed(reason="network: timed out")
            except OlmUnverifiedDeviceError:
                if attempt == 0 and self.trust == "tofu":
                    continue  # a device appeared between trust and share; trust it, retry
                return SendFailed(reason="room has unverified devices")
            except OlmTrustError as exc:
                return SendFailed(reason=f"encryption trust: {type(exc).__name__}")
            except LocalProtocolError as exc:
                self._clear_sharing(room_id)
                return SendFailed(reason=f"not ready: {exc}")
            except NETWORK_ERRORS as exc:
                self._clear_sharing(room_id)
                return SendFailed(reason=f"network: {type(exc).__name__}")
            if isinstance(resp, RoomSendResponse):
                return Sent(event_id=resp.event_id)
            retry_after = _retry_after(resp)
            if retry_after is not None:
                return RateLimited(retry_after=retry_after)
            permanent = resp.status_code in ("M_FORBIDDEN", "M_NOT_FOUND", "M_TOO_LARGE")
            return SendFailed(reason=_error_text(resp), permanent=permanent)
        return SendFailed(reason="room has unverified devices")
