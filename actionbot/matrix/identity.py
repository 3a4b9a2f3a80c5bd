"""Is the device the bot restores still the device the server knows?

A device is its keys. If the encryption store was lost (or a backup of another time was
restored) while the database kept the login, nio opens a *new* account under the old
device id: the server still holds the old keys, uploads fail with a mere warning, people's
clients see "the device's key has changed" and stop encrypting to it, and every encrypted
room goes silent. The only clean way out is a new device, so this module finds the
mismatch before anything is uploaded and, given the password, deletes the old device.

The rule (checked once at start, before the first key upload):

==================================  ============================================
the server holds for the device      verdict
==================================  ============================================
no keys                              fine (first upload still to come)
the local ed25519 key                fine
another ed25519 key                  mismatch: replace the device
(server unreachable)                 unknown: carry on, nio retries the upload
==================================  ============================================
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from nio import AsyncClient, DeleteDevicesAuthResponse, DeleteDevicesResponse

from actionbot.matrix.http import Answer, call
from actionbot.matrix.results import NETWORK_ERRORS, error_text


class Verdict(StrEnum):
    FINE = "fine"
    MISMATCH = "mismatch"
    UNKNOWN = "unknown"


def store_file(store_dir: Path, user_id: str, device_id: str) -> Path:
    """Where nio keeps a device's encryption store (its default name)."""
    return store_dir / f"{user_id}_{device_id}.db"


def local_key(client: AsyncClient) -> str:
    olm = client.olm
    return olm.account.identity_keys["ed25519"] if olm is not None else ""


async def server_device(client: AsyncClient, device_id: str) -> dict | Answer | None:
    """The server's copy of one of the bot's devices: its keys object, None if the
    server holds no keys for it, or the failed answer."""
    answer = await call(
        client, "POST", "keys/query", {"device_keys": {client.user_id: [device_id]}}
    )
    if not isinstance(answer, Answer) or not answer.ok:
        return answer if isinstance(answer, Answer) else Answer(status=0)
    devices = answer.body.get("device_keys", {})
    mine = devices.get(client.user_id) if isinstance(devices, dict) else None
    found = mine.get(device_id) if isinstance(mine, dict) else None
    return found if isinstance(found, dict) else None


async def check(client: AsyncClient) -> Verdict:
    """Compare the restored device's local key with the one the server holds (table)."""
    device_id = client.device_id or ""
    held = await server_device(client, device_id)
    if isinstance(held, Answer):
        return Verdict.UNKNOWN
    if held is None:
        return Verdict.FINE
    keys = held.get("keys")
    server_key = keys.get(f"ed25519:{device_id}") if isinstance(keys, dict) else None
    return Verdict.FINE if server_key == local_key(client) else Verdict.MISMATCH


async def delete_device(client: AsyncClient, device_id: str, password: str) -> str | None:
    """Delete one of the bot's devices through user-interactive auth (password);
    None on success, else why not."""
    try:
        first = await client.delete_devices([device_id])
        if isinstance(first, DeleteDevicesResponse):
            return None
        if not isinstance(first, DeleteDevicesAuthResponse):
            return error_text(first)
        auth = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": client.user_id},
            "password": password,
            "session": first.session,
        }
        second = await client.delete_devices([device_id], auth)
    except NETWORK_ERRORS as exc:
        return f"cannot reach the homeserver: {type(exc).__name__}"
    if isinstance(second, DeleteDevicesResponse):
        return None
    return error_text(second) if hasattr(second, "message") else "refused"


@dataclass(frozen=True, kw_only=True)
class DeviceReplaced:
    """What the coordination room is told once the bot runs again."""

    old_device: str
    new_device: str
    store_was_missing: bool
    old_deleted: bool


RECOVERY_STEPS = (
    "the encryption store does not match the keys the homeserver holds for this device "
    "(it was lost, or restored from another time), so encrypted rooms cannot work with it. "
    "To recover: restore the store from a backup made with `actionbot backup` "
    "(both the database and the store), or give the bot its password "
    "(ACTIONBOT_PASSWORD or matrix.password_file) so it can log in as a new device and "
    "delete the old one, or log in a new device yourself, configure its access token and "
    "start again with an empty store directory."
)
