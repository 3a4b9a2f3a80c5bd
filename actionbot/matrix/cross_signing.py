"""Cross-signing the bot's own device, so people's clients can show it as verified.

Element and other clients increasingly refuse (or warn about) devices that their owner has
not verified; nio has no cross-signing. This module gives the bot account its three
cross-signing keys (master, self-signing, user-signing: ed25519, signed with ``signedjson``
over canonical JSON — no hand-made crypto) and signs the bot's current device with the
self-signing key. Once someone verifies the bot *user*, every device the bot ever uses
(including one made after a lost store) is trusted through that signature.

Decisions:
- The three private seeds are made once per installation and kept in the bot's database
  (restored with it by ``actionbot backup``), so a replaced device is signed by the same
  identity people already verified.
- The bot account's cross-signing identity belongs to the bot: a different master key on
  the server (the database was lost, or someone reset it from a client) is replaced when the
  password is known; without it, the bot logs a warning and carries on unsigned. The
  replacement is a *new* identity: Synapse refuses a master key it has held before (it
  fails on its own unique index), so the bot cannot take an old one back.
- It runs at every start after the device keys are uploaded and does nothing when the
  server already shows the device signed by the bot's self-signing key (one query).

The steps, each answered by the server's state (``/keys/query`` for the bot's user):

=======================================  ==============================================
the server shows                           the bot does
=======================================  ==============================================
our master key, device signed by our SSK  nothing
our master key, device unsigned           sign the device
no master key                             upload the keys (no auth needed), sign
another master key                        new keys, uploaded with the password (UIA), sign
no keys for the device yet                nothing now (next start)
=======================================  ==============================================
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from nio import AsyncClient
from signedjson.key import (
    decode_signing_key_base64,
    encode_base64,
    encode_verify_key_base64,
    get_verify_key,
)
from signedjson.sign import sign_json
from signedjson.types import SigningKey

from actionbot.matrix import identity
from actionbot.matrix.http import Answer, Unreachable, call

log = logging.getLogger(__name__)

USAGES = ("master", "self_signing", "user_signing")


class Outcome(StrEnum):
    ALREADY = "already"
    SIGNED = "signed"
    NOT_YET = "not-yet"  # the device's keys are not on the server yet
    NEEDS_PASSWORD = "needs-password"
    FAILED = "failed"


@dataclass(frozen=True, kw_only=True)
class CrossSigningKeys:
    """The bot account's three signing keys, from their 32-byte seeds (kept to be stored)."""

    seeds: tuple[bytes, bytes, bytes]
    master: SigningKey
    self_signing: SigningKey
    user_signing: SigningKey

    @classmethod
    def from_seeds(cls, master: bytes, self_signing: bytes, user_signing: bytes):
        return cls(
            seeds=(master, self_signing, user_signing),
            master=_key(master),
            self_signing=_key(self_signing),
            user_signing=_key(user_signing),
        )

    @classmethod
    def generate(cls) -> CrossSigningKeys:
        return cls.from_seeds(*(secrets.token_bytes(32) for _ in USAGES))

    def public(self, usage: str) -> str:
        return encode_verify_key_base64(get_verify_key(getattr(self, usage)))

    def uploads(self, user_id: str) -> dict[str, Any]:
        """The body of ``keys/device_signing/upload``: the master key, and the other two
        signed by it."""
        body = {f"{usage}_key": _key_object(user_id, usage, self.public(usage)) for usage in USAGES}
        for usage in ("self_signing", "user_signing"):
            body[f"{usage}_key"] = sign_json(body[f"{usage}_key"], user_id, self.master)
        return body

    def sign_device(self, user_id: str, device: dict[str, Any]) -> dict[str, Any]:
        """The server's copy of the device with the self-signing key's signature added."""
        clean = {k: v for k, v in device.items() if k != "unsigned"}
        return sign_json(clean, user_id, self.self_signing)


def _key(seed: bytes) -> SigningKey:
    """An ed25519 key whose key id is its public key, as cross-signing key ids are."""
    key = decode_signing_key_base64("ed25519", "_", encode_base64(seed))
    key.version = encode_verify_key_base64(get_verify_key(key))
    return key


def _key_object(user_id: str, usage: str, public: str) -> dict[str, Any]:
    return {"user_id": user_id, "usage": [usage], "keys": {f"ed25519:{public}": public}}


def _only_key(obj: Any) -> str | None:
    keys = obj.get("keys") if isinstance(obj, dict) else None
    values = list(keys.values()) if isinstance(keys, dict) else []
    return values[0] if len(values) == 1 and isinstance(values[0], str) else None


async def ensure(
    client: AsyncClient, keys: CrossSigningKeys, *, password: str | None
) -> tuple[Outcome, CrossSigningKeys]:
    """Bring the server to "our keys, this device signed" (see the table above); returns
    the keys now in use (new ones when the server held another identity: store them)."""
    user_id, device_id = client.user_id, client.device_id or ""
    state = await call(client, "POST", "keys/query", {"device_keys": {user_id: [device_id]}})
    if not isinstance(state, Answer) or not state.ok:
        return _failed("query", state), keys
    body = state.body
    device = (body.get("device_keys") or {}).get(user_id, {}).get(device_id)
    if not isinstance(device, dict):
        return Outcome.NOT_YET, keys
    if (device.get("keys") or {}).get(f"ed25519:{device_id}") != identity.local_key(client):
        # Never vouch for keys this device does not hold (a store replaced underneath, or
        # someone else's upload): people's clients would show them as the bot, verified.
        log.error("the server's keys for this device are not its own; not signing them")
        return Outcome.FAILED, keys
    server_master = _only_key((body.get("master_keys") or {}).get(user_id))
    signatures = (device.get("signatures") or {}).get(user_id, {})
    if server_master == keys.public("master"):
        if f"ed25519:{keys.public('self_signing')}" in signatures:
            return Outcome.ALREADY, keys
    else:
        if server_master is not None:
            keys = CrossSigningKeys.generate()  # the server refuses a master key it had
        problem = await _upload_keys(client, keys, password=password, replacing=server_master)
        if problem is not None:
            return problem, keys
    signed = await call(
        client,
        "POST",
        "keys/signatures/upload",
        {user_id: {device_id: keys.sign_device(user_id, device)}},
    )
    if not isinstance(signed, Answer) or not signed.ok or signed.body.get("failures"):
        return _failed("signature upload", signed), keys
    log.info("device cross-signed", extra={"device_id": device_id})
    return Outcome.SIGNED, keys


async def _upload_keys(
    client: AsyncClient, keys: CrossSigningKeys, *, password: str | None, replacing: str | None
) -> Outcome | None:
    """Upload the three keys (with the password if the server asks); None when done."""
    body = keys.uploads(client.user_id)
    first = await call(client, "POST", "keys/device_signing/upload", body)
    if isinstance(first, Answer) and first.ok:
        return None
    session = first.body.get("session") if isinstance(first, Answer) else None
    if not (isinstance(first, Answer) and first.status == 401 and isinstance(session, str)):
        return _failed("key upload", first)
    if not password:
        log.warning(
            "cross-signing needs the bot's password (the account already has other "
            "cross-signing keys); the device stays unsigned",
            extra={"replacing": bool(replacing)},
        )
        return Outcome.NEEDS_PASSWORD
    body["auth"] = {
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": client.user_id},
        "password": password,
        "session": session,
    }
    second = await call(client, "POST", "keys/device_signing/upload", body)
    if not (isinstance(second, Answer) and second.ok):
        return _failed("key upload with password", second)
    if replacing:
        log.warning("replaced the account's previous cross-signing keys with the bot's own")
    return None


def _failed(step: str, answer: Answer | Unreachable) -> Outcome:
    if isinstance(answer, Unreachable):
        detail = answer.reason
    else:
        detail = f"{answer.status} {answer.errcode}".strip()
    log.warning("cross-signing step failed", extra={"step": step, "error": detail})
    return Outcome.FAILED
