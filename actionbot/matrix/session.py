"""Opening the bot's session: restore the saved device, or log in once and save it.

Decisions:
- nio's own retry loops are switched off (``max_limit_exceeded=0``, ``max_timeouts=0``):
  by default nio sleeps and retries forever in silence, which looks like a hang.
- Login happens once. The device id, access token and crypto-store pickle key are saved
  in the bot's database and reused on every start, so people's clients keep encrypting
  to the same device.
- A restored device whose keys no longer match the server's (lost or swapped encryption
  store, see :mod:`identity`) is replaced: with the password, a new device is logged in
  and the old one deleted; without it, start-up stops with the recovery steps.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from nio import AsyncClient, AsyncClientConfig, LoginResponse, WhoamiResponse

from actionbot.config import Config
from actionbot.logs import redact
from actionbot.matrix import identity
from actionbot.matrix.identity import DeviceReplaced, Verdict
from actionbot.matrix.results import NETWORK_ERRORS, LoginFailed, error_text
from actionbot.store.session import SavedSession, SessionStore

# The logger name these messages had before connection.py was split.
log = logging.getLogger("actionbot.matrix.connection")
# How long a start with a missing encryption store waits for the homeserver to answer.
STORE_PATIENCE_S = 300.0
STORE_RETRY_S = 5.0


@dataclass(frozen=True, kw_only=True)
class Opened:
    client: AsyncClient
    replaced: DeviceReplaced | None = None


async def open_client(
    config: Config, sessions: SessionStore, *, now: datetime
) -> Opened | LoginFailed:
    """Restore the saved device (replacing it if its keys were lost), or log in once."""
    config.crypto_store_path.mkdir(parents=True, exist_ok=True, mode=0o700)
    saved = await sessions.load()
    if saved and (saved.user_id != config.user_id or saved.homeserver != config.homeserver):
        log.warning("saved login is for another account or server; logging in again")
        await sessions.forget()
        saved = None
    if saved and config.access_token and saved.access_token != config.access_token:
        log.warning("the configured access token changed; using it instead of the saved login")
        await sessions.forget()
        saved = None
    if saved is not None:
        restored = await _restore(config, sessions, saved, now=now)
        if isinstance(restored, LoginFailed):
            return restored
        if restored is not None:
            return restored
    client = await _log_in(config, sessions, now=now)
    if isinstance(client, LoginFailed):
        return client
    verdict = await identity.check(client)
    if verdict is Verdict.MISMATCH:  # a configured token whose device has other keys
        await client.close()
        await sessions.forget()
        return LoginFailed(reason=identity.RECOVERY_STEPS)
    return Opened(client=client)


async def _restore(
    config: Config, sessions: SessionStore, saved: SavedSession, *, now: datetime
) -> Opened | LoginFailed | None:
    """Reuse the saved device; None (and the session forgotten) if its token was revoked.

    Any other failure to check the token (e.g. the server is down) keeps the saved login.
    """
    store = identity.store_file(config.crypto_store_path, saved.user_id, saved.device_id)
    store_was_missing = not store.exists()
    client = build_client(config, saved.pickle_key)
    client.restore_login(saved.user_id, saved.device_id, saved.access_token)
    check = await whoami(client)
    if isinstance(check, LoginFailed) and "M_UNKNOWN_TOKEN" in check.reason:
        log.error("the saved access token was revoked; a new login is needed")
        await client.close()
        await sessions.forget()
        return None
    redact(saved.access_token, saved.pickle_key)
    verdict = await identity.check(client)
    waited = 0.0
    while verdict is Verdict.UNKNOWN and store_was_missing and waited < STORE_PATIENCE_S:
        # With no store, nio made a new account under the old device id: only the server
        # can say whether that is harmless (no keys yet) or the failure of issue 10. Nothing
        # is uploaded until it answers (the bot and Synapse often restart together).
        if waited == 0:
            log.warning(
                "encryption store missing and the homeserver not answering; waiting for it "
                "to check the device before going on",
                extra={"device_id": saved.device_id},
            )
        await asyncio.sleep(STORE_RETRY_S)
        waited += STORE_RETRY_S
        verdict = await identity.check(client)
    if verdict is Verdict.UNKNOWN and store_was_missing:
        await client.close()
        return LoginFailed(
            reason="the encryption store is missing and the homeserver could not be reached "
            "to check the device; start the bot again once the homeserver answers"
        )
    if verdict is Verdict.MISMATCH:
        await client.close()
        return await _replace(config, sessions, saved, now=now, store_was_missing=store_was_missing)
    log.info("restored saved login", extra={"device_id": saved.device_id})
    return Opened(client=client)


async def _replace(
    config: Config,
    sessions: SessionStore,
    saved: SavedSession,
    *,
    now: datetime,
    store_was_missing: bool,
) -> Opened | LoginFailed:
    """The old device's keys are gone: log in as a new device and delete the old one."""
    if not config.password:
        log.error(
            "encryption store does not match this device; cannot replace it without the password",
            extra={"device_id": saved.device_id, "store_was_missing": store_was_missing},
        )
        return LoginFailed(reason=identity.RECOVERY_STEPS)
    await sessions.forget()
    client = await _log_in(config, sessions, now=now, force_password=True)
    if isinstance(client, LoginFailed):
        return client
    problem = await identity.delete_device(client, saved.device_id, config.password)
    if problem is None:
        identity.store_file(config.crypto_store_path, saved.user_id, saved.device_id).unlink(
            missing_ok=True
        )
    log.error(
        "encryption store did not match the keys the homeserver holds for the device; "
        "logged in as a new device"
        + (" and deleted the old one" if problem is None else "; the old one is NOT deleted"),
        extra={
            "old_device_id": saved.device_id,
            "device_id": client.device_id,
            "store_was_missing": store_was_missing,
            **({"error": problem} if problem else {}),
        },
    )
    return Opened(
        client=client,
        replaced=DeviceReplaced(
            old_device=saved.device_id,
            new_device=client.device_id or "",
            store_was_missing=store_was_missing,
            old_deleted=problem is None,
        ),
    )


async def _log_in(
    config: Config, sessions: SessionStore, *, now: datetime, force_password: bool = False
) -> AsyncClient | LoginFailed:
    """Log in with the configured access token or password and save the new device
    (``force_password``: a new device even if a token is configured)."""
    # One pickle key per installation (not per login): the crypto store of a device
    # that outlives a forgotten session must still open.
    pickle_key = (await sessions.install_secret("crypto-pickle-key")).hex()
    client = build_client(config, pickle_key)
    if config.access_token and not force_password:
        login = await _adopt_token(client, config.access_token, user_id=config.user_id)
    elif config.password:
        login = await _log_in_with_password(client, config.password, device_name=config.device_name)
    else:  # config validation makes this unreachable
        return LoginFailed(reason="no password or access token configured")
    if isinstance(login, LoginFailed):
        await client.close()
        return login
    device_id, token = login
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
    return client


async def _adopt_token(
    client: AsyncClient, token: str, *, user_id: str
) -> tuple[str, str] | LoginFailed:
    """Use a configured access token: it must name a device and belong to the bot's user."""
    client.access_token = token
    who = await whoami(client)
    if isinstance(who, LoginFailed):
        return who
    if not who.device_id:
        return LoginFailed(reason="the access token has no device; use a password")
    if who.user_id != user_id:
        return LoginFailed(reason="the access token belongs to another user")
    client.restore_login(who.user_id, who.device_id, token)
    return who.device_id, token


async def _log_in_with_password(
    client: AsyncClient, password: str, *, device_name: str
) -> tuple[str, str] | LoginFailed:
    """Log in with a password; return the new device id and access token."""
    try:
        resp = await client.login(password=password, device_name=device_name)
    except NETWORK_ERRORS as exc:
        return LoginFailed(reason=f"cannot reach the homeserver: {type(exc).__name__}")
    if not isinstance(resp, LoginResponse):
        return LoginFailed(reason=f"login refused ({error_text(resp)})")
    return resp.device_id, resp.access_token


def build_client(config: Config, pickle_key: str) -> AsyncClient:
    """A nio client with its silent retry loops off and E2EE on."""
    client_config = AsyncClientConfig(
        max_limit_exceeded=0,
        max_timeouts=0,
        store_sync_tokens=False,
        encryption_enabled=True,
        pickle_key=pickle_key,
        request_timeout=config.sync_timeout.total_seconds() + 30,
    )
    return AsyncClient(
        config.homeserver,
        config.user_id,
        store_path=str(config.crypto_store_path),
        config=client_config,
    )


async def whoami(client: AsyncClient) -> WhoamiResponse | LoginFailed:
    try:
        resp = await client.whoami()
    except NETWORK_ERRORS as exc:
        return LoginFailed(reason=f"cannot reach the homeserver: {type(exc).__name__}")
    if isinstance(resp, WhoamiResponse):
        return resp
    return LoginFailed(reason=error_text(resp))
