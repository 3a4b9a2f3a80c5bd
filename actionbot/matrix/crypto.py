"""End-to-end encryption upkeep: key maintenance, device trust, key requests, decryption.

Trust policy ``tofu`` (default): a device is trusted the first time the bot sees it;
nio refuses a later change of that device's signing key, so a swapped key is not
silently accepted. ``all``: encrypt to every device without recording trust.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from nio import AsyncClient, ErrorResponse, LocalProtocolError, MegolmEvent, ToDeviceMessage

from actionbot.matrix.results import NETWORK_ERRORS, error_text

# The logger name these messages had before connection.py was split.
log = logging.getLogger("actionbot.matrix.connection")


def fingerprint(client: AsyncClient) -> str:
    """The device's ed25519 key, grouped for reading aloud during verification."""
    olm = client.olm
    if olm is None:
        return ""
    key = olm.account.identity_keys["ed25519"]
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


async def maintain_keys(client: AsyncClient, *, trust: str) -> None:
    """Upload, query and claim keys and flush to-device messages, as sync_forever does.

    Uploading right after the first sync is what lets people encrypt to the bot at
    once; keeping one-time keys topped up keeps it in every key share.
    """
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
                    extra={"step": name, "error": error_text(item)},
                )
    trust_devices(client, trust=trust)


def trust_devices(client: AsyncClient, *, trust: str) -> int:
    """TOFU: trust every not-yet-seen device of the people in encrypted rooms."""
    if trust != "tofu" or client.olm is None:
        return 0
    own_user_id, own_device_id = client.user_id, client.device_id or ""
    trusted = 0
    for room in client.rooms.values():
        if not room.encrypted:
            continue
        for user_id in room.users:
            for device in client.device_store.active_user_devices(user_id):
                if device.verified or device.blacklisted or device.ignored:
                    continue
                if device.user_id == own_user_id and device.id == own_device_id:
                    continue
                client.verify_device(device)
                trusted += 1
    if trusted:
        log.info("trusted new devices on first use", extra={"count": trusted})
    return trusted


async def request_room_key(client: AsyncClient, event: MegolmEvent) -> None:
    """Ask for a missing Megolm key: nio's request goes to the bot's own other devices;
    the same ``m.room_key_request`` also goes to the device that sent the message."""
    try:
        resp = await client.request_room_key(event)
        if isinstance(resp, ErrorResponse):
            log.warning("room key request refused", extra={"error": error_text(resp)})
    except LocalProtocolError:
        return  # already requested for this session
    except NETWORK_ERRORS as exc:
        log.warning("room key request failed", extra={"error": type(exc).__name__})
        return
    if not event.device_id or not event.room_id:
        return
    message = _key_request_to_sender(event, requesting_device_id=client.device_id or "")
    try:
        sent = await client.to_device(message)
    except NETWORK_ERRORS as exc:
        log.warning("room key request failed", extra={"error": type(exc).__name__})
        return
    if isinstance(sent, ErrorResponse):
        log.warning("room key request refused", extra={"error": error_text(sent)})


def _key_request_to_sender(event: MegolmEvent, *, requesting_device_id: str) -> ToDeviceMessage:
    """An ``m.room_key_request`` for the event's session, to the device that sent it."""
    return ToDeviceMessage(
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
            "requesting_device_id": requesting_device_id,
        },
    )


def try_decrypt(client: AsyncClient, event: MegolmEvent) -> Any | None:
    """Decrypt an event whose key may have arrived since; None if still unreadable."""
    try:
        decrypted = client.decrypt_event(event)
    except Exception:
        return None
    return None if isinstance(decrypted, MegolmEvent) else decrypted
