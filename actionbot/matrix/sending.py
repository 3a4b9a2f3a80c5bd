"""Sending events and uploading files, with one-time keys claimed before a send.

A send is bounded in time and reports its outcome as :class:`Sent`,
:class:`RateLimited` or :class:`SendFailed`; the outbox decides whether to retry.
"""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from typing import Any

from nio import (
    AsyncClient,
    ErrorResponse,
    LocalProtocolError,
    OlmUnverifiedDeviceError,
    RoomSendResponse,
    UploadResponse,
)
from nio.exceptions import OlmTrustError

from actionbot.matrix.crypto import trust_devices
from actionbot.matrix.results import (
    NETWORK_ERRORS,
    RateLimited,
    SendFailed,
    Sent,
    error_text,
    retry_after_of,
)
from actionbot.matrix.rooms import is_encrypted

SEND_TIMEOUT = timedelta(seconds=60)  # one event, keys included


async def send(
    client: AsyncClient,
    *,
    trust: str,
    room_id: str,
    event_type: str,
    content: dict[str, Any],
    txn_id: str,
) -> Sent | RateLimited | SendFailed:
    """Send one event with a fixed transaction id (so a retry cannot duplicate it).

    nio claims one-time keys inside ``share_group_session`` outside its own clean-up, so
    a failed claim would leave the room marked "sharing" and every later send to it
    waiting forever. So: claim keys here first (errors become values), bound the whole
    send in time, and clear a stale sharing mark whatever happens.
    """
    if room_id not in client.rooms:
        return SendFailed(reason="the bot is not in this room", permanent=True)
    for attempt in range(2):
        trust_devices(client, trust=trust)
        claimed = await _claim_missing_keys(client, room_id)
        if claimed is not None:
            return claimed
        try:
            resp = await asyncio.wait_for(
                client.room_send(
                    room_id,
                    event_type,
                    content,
                    tx_id=txn_id,
                    ignore_unverified_devices=trust == "all",
                ),
                timeout=SEND_TIMEOUT.total_seconds(),
            )
        except TimeoutError:
            _clear_sharing(client, room_id)
            return SendFailed(reason="network: timed out", transient=True)
        except OlmUnverifiedDeviceError:
            if attempt == 0 and trust == "tofu":
                continue  # a device appeared between trust and share; trust it, retry
            return SendFailed(reason="room has unverified devices")
        except OlmTrustError as exc:
            return SendFailed(reason=f"encryption trust: {type(exc).__name__}")
        except LocalProtocolError as exc:
            _clear_sharing(client, room_id)
            return SendFailed(reason=f"not ready: {exc}")
        except NETWORK_ERRORS as exc:
            _clear_sharing(client, room_id)
            return SendFailed(reason=f"network: {type(exc).__name__}", transient=True)
        return _send_result(resp)
    return SendFailed(reason="room has unverified devices")


def _send_result(resp: Any) -> Sent | RateLimited | SendFailed:
    """What the server's answer to ``room_send`` means for the outbox."""
    if isinstance(resp, RoomSendResponse):
        return Sent(event_id=resp.event_id)
    retry_after = retry_after_of(resp)
    if retry_after is not None:
        return RateLimited(retry_after=retry_after)
    permanent = resp.status_code in ("M_FORBIDDEN", "M_NOT_FOUND", "M_TOO_LARGE")
    status = getattr(getattr(resp, "transport_response", None), "status", None)
    transient = isinstance(status, int) and status >= 500
    return SendFailed(reason=error_text(resp), permanent=permanent, transient=transient)


async def _claim_missing_keys(client: AsyncClient, room_id: str) -> RateLimited | SendFailed | None:
    if client.olm is None or not is_encrypted(client, room_id):
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
        return SendFailed(reason=f"network: {type(exc).__name__} claiming keys", transient=True)
    except LocalProtocolError:
        return None  # members not synced yet: room_send will fetch them
    if isinstance(resp, ErrorResponse):
        retry_after = retry_after_of(resp)
        if retry_after is not None:
            return RateLimited(retry_after=retry_after)
        return SendFailed(reason=f"claiming keys: {error_text(resp)}")
    return None


def _clear_sharing(client: AsyncClient, room_id: str) -> None:
    flag = client.sharing_session.pop(room_id, None)
    if flag is not None:
        flag.set()


async def upload_file(
    client: AsyncClient, data: bytes, *, filename: str, mimetype: str, room_id: str
) -> dict[str, Any] | SendFailed:
    """Upload a file (encrypted if the room is) and return ``m.file`` content for it."""
    encrypt = is_encrypted(client, room_id)
    try:
        resp, keys = await client.upload(
            io.BytesIO(data),
            content_type="application/octet-stream" if encrypt else mimetype,
            filename=filename,
            encrypt=encrypt,
            filesize=len(data),
        )
    except NETWORK_ERRORS as exc:
        return SendFailed(reason=f"network: {type(exc).__name__}")
    if not isinstance(resp, UploadResponse):
        return SendFailed(reason=error_text(resp))
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
