"""Fetching a file someone posted, into memory only (never to disk), plain or encrypted.

Used for gesture files (``!gesture add``); photo reports will use the same path. The size
is checked before the download (the event says it) and after (the event may lie).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nio import AsyncClient, MegolmEvent, MemoryDownloadResponse, RoomGetEventResponse
from nio.crypto.attachments import decrypt_attachment
from nio.exceptions import EncryptionError

from actionbot.matrix.results import NETWORK_ERRORS


@dataclass(frozen=True, kw_only=True)
class FetchedFile:
    data: bytes
    name: str  # the file name the sender gave (shown back, never used as a path)
    sender: str | None = None  # who posted it, when the event was fetched


@dataclass(frozen=True, kw_only=True)
class FetchProblem:
    """Why no file came: ``not-a-file``, ``too-big``, ``unreadable`` (with a detail)."""

    reason: str
    detail: str = ""


def file_content(source: dict[str, Any]) -> dict[str, Any] | None:
    """The content of an ``m.file`` (or other media) message, or None for anything else."""
    content = source.get("content")
    if not isinstance(content, dict) or content.get("msgtype") not in ("m.file", "m.image"):
        return None
    if not isinstance(content.get("url"), str) and not isinstance(content.get("file"), dict):
        return None
    return content


async def download(
    client: AsyncClient, content: dict[str, Any], *, limit: int
) -> FetchedFile | FetchProblem:
    info = content.get("info") if isinstance(content.get("info"), dict) else {}
    size = info.get("size") if isinstance(info, dict) else None
    if isinstance(size, int) and size > limit:
        return FetchProblem(reason="too-big", detail=str(size))
    encrypted = content.get("file") if isinstance(content.get("file"), dict) else None
    url = encrypted.get("url") if encrypted else content.get("url")
    if not isinstance(url, str) or not url.startswith("mxc://"):
        return FetchProblem(reason="not-a-file")
    try:
        response = await client.download(mxc=url)
    except NETWORK_ERRORS as exc:
        return FetchProblem(reason="unreadable", detail=type(exc).__name__)
    if not isinstance(response, MemoryDownloadResponse):
        return FetchProblem(reason="unreadable", detail=getattr(response, "status_code", "") or "")
    data = response.body
    if len(data) > limit + 64:  # an encrypted file is as long as its plain text
        return FetchProblem(reason="too-big", detail=str(len(data)))
    if encrypted:
        try:
            data = decrypt_attachment(
                data, encrypted["key"]["k"], encrypted["hashes"]["sha256"], encrypted["iv"]
            )
        except (EncryptionError, KeyError, TypeError, ValueError) as exc:
            return FetchProblem(reason="unreadable", detail=type(exc).__name__)
    if len(data) > limit:
        return FetchProblem(reason="too-big", detail=str(len(data)))
    name = content.get("filename") or content.get("body") or "file"
    return FetchedFile(data=data, name=str(name)[:100])


async def fetch_event_file(
    client: AsyncClient, room_id: str, event_id: str, *, limit: int
) -> FetchedFile | FetchProblem:
    """The file posted as ``event_id`` (a message someone replied to)."""
    try:
        response = await client.room_get_event(room_id, event_id)
    except NETWORK_ERRORS as exc:
        return FetchProblem(reason="unreadable", detail=type(exc).__name__)
    if not isinstance(response, RoomGetEventResponse):
        return FetchProblem(reason="not-a-file")
    event = response.event
    if isinstance(event, MegolmEvent):
        try:
            event = client.decrypt_event(event)
        except EncryptionError:
            return FetchProblem(reason="unreadable", detail="undecryptable")
    source = getattr(event, "source", None)
    content = file_content(source) if isinstance(source, dict) else None
    if content is None:
        return FetchProblem(reason="not-a-file")
    fetched = await download(client, content, limit=limit)
    if isinstance(fetched, FetchedFile):
        return FetchedFile(
            data=fetched.data, name=fetched.name, sender=getattr(event, "sender", None)
        )
    return fetched
