"""Compiling a roundup from the stores, posting it to the coordination room (the message,
then its photos in a thread, uploaded encrypted where the room is), and exporting it.

All photos are the cleaned ones on disk; the coordination room sees every report (it is
the network's), the exported page only ``public`` ones unless asked otherwise."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from actionbot.config import Config
from actionbot.core.keys import MessageKey, MessageKind
from actionbot.core.windows import Window
from actionbot.flows.applier import Applier
from actionbot.flows.effects import Effects, FileMessage, Threaded
from actionbot.photos.storage import PhotoStore
from actionbot.render import roundups as text
from actionbot.render.catalogs import Voices
from actionbot.roundup.model import Roundup, build
from actionbot.store.gestures import GestureStore
from actionbot.store.nodes import NodeStore
from actionbot.store.reports import ReportStore
from actionbot.store.windows import WindowStore

log = logging.getLogger(__name__)

# (data, file name, mimetype, room) → m.file content, or an error text.
Upload = Callable[[bytes, str, str, str], Awaitable["dict[str, Any] | str"]]
MAX_PHOTOS = 12


class RoundupService:
    def __init__(
        self,
        *,
        config: Config,
        windows: WindowStore,
        nodes: NodeStore,
        gestures: GestureStore,
        reports: ReportStore,
        photos: PhotoStore,
        voices: Voices,
        clock: Callable[[], datetime],
        upload: Upload | None = None,
        applier: Applier | None = None,
    ) -> None:
        self._config = config
        self._windows = windows
        self._nodes = nodes
        self._gestures = gestures
        self.reports = reports
        self.photos = photos
        self._voices = voices
        self._clock = clock
        self._upload = upload
        self._applier = applier

    async def compile(self, window: Window, *, public_only: bool) -> Roundup:
        took_part = [
            n
            for n in await self._nodes.all()
            if n.admitted and n.registered_at <= window.node_start(n)[0] + window.duration
        ]
        return build(
            window=window,
            nodes=took_part,
            reports=await self.reports.of_window(window.id),
            rsvps=await self._gestures.rsvp_counts(window.id),
            adaptations=await self._gestures.adaptations(window.id),
            public_only=public_only,
            max_photos=MAX_PHOTOS,
        )

    def draft_at(self, window: Window, nodes) -> datetime | None:
        end = window.last_end(nodes)
        return end + self._config.report_grace if end else None

    async def post(self, window: Window, *, draft: bool, tag: str) -> bool:
        """The roundup message in the coordination room, its photos in a thread under it.
        ``tag`` (the command's event id, or "draft") makes it once per request."""
        room = self._config.coordination_room
        if room is None or self._applier is None or self._upload is None:
            return False
        roundup = await self.compile(window, public_only=False)
        voice = self._voices.of(await self._nodes.by_room(room))
        html, plain = text.message(voice, roundup, draft=draft, override=self._templates)
        root = MessageKey(kind=MessageKind.ROUNDUP, window=window.id, event=tag)
        messages: list = [
            FileMessage(
                key=root,
                room_id=room,
                content={
                    "msgtype": "m.notice",
                    "body": plain,
                    "format": "org.matrix.custom.html",
                    "formatted_body": html,
                    "m.mentions": {},
                },
            )
        ]
        for index, sha in enumerate(p for part in roundup.nodes for p in part.photos):
            data = await asyncio.to_thread(self.photos.read, sha)
            if data is None:
                continue
            uploaded = await self._upload(data, f"{sha[:12]}.jpg", "image/jpeg", room)
            if isinstance(uploaded, str):
                log.warning("roundup photo upload failed", extra={"reason": uploaded})
                continue
            content = {**uploaded, "msgtype": "m.image"}
            content.setdefault("info", {})["mimetype"] = "image/jpeg"
            messages.append(
                Threaded(
                    key=MessageKey(
                        kind=MessageKind.ROUNDUP, window=window.id, event=tag, index=index
                    ),
                    room_id=room,
                    target=root,
                    content=content,
                )
            )
        applied = await self._applier.apply(Effects(messages=tuple(messages)), now=self._clock())
        log.info(
            "roundup posted",
            extra={"window": window.id, "draft": draft, "photos": len(messages) - 1},
        )
        return applied

    @property
    def _templates(self) -> Path | None:
        return self._config.roundup_templates

    async def export(
        self,
        window: Window,
        out: Path,
        *,
        include_network: bool,
        language: str,
        progress: Callable[[int], Any] = lambda _n: None,
    ) -> Roundup:
        """``index.html`` (self-contained: photos inline, pictures as SVG, no scripts),
        ``roundup.md`` with ``photos/``, and ``roundup.json``."""
        roundup = await self.compile(window, public_only=not include_network)
        photos: dict[str, bytes] = {}
        for part in roundup.nodes:
            for sha in part.photos:
                data = await asyncio.to_thread(self.photos.read, sha)
                progress(1)
                if data is not None:  # a photo purged or lost (backups leave them out)
                    photos[sha] = data
        roundup = roundup.keeping_photos(set(photos))
        images = {
            sha: "data:image/jpeg;base64," + base64.b64encode(data).decode()
            for sha, data in photos.items()
        }
        voice = self._voices.for_language(language)
        # Rendered before anything is written: a broken override template leaves no folder.
        html, markdown = text.page(voice, roundup, images, override=self._templates)
        await asyncio.to_thread(_folders, out)
        for sha, data in photos.items():
            await asyncio.to_thread(_write, out / "photos" / f"{sha}.jpg", data)
        document = json.dumps(roundup.to_json(), ensure_ascii=False, indent=2)
        for name, body in (
            ("index.html", html),
            ("roundup.md", markdown),
            ("roundup.json", document),
        ):
            await asyncio.to_thread(_write, out / name, body.encode("utf-8"))
        return roundup

    async def purge(self, now: datetime) -> int:
        """Delete photos older than the retention time, unless their roundup is kept."""
        cutoff = now - self._config.report_retention
        gone = 0
        for report in await self.reports.photos_before(cutoff):
            await self.reports.forget(report.id)
            if report.sha256 and not await self.reports.hash_in_use(report.sha256):
                await asyncio.to_thread(self.photos.delete, report.sha256)
            gone += 1
        orphans = await asyncio.to_thread(
            self.photos.sweep,
            await self.reports.hashes(),
            older_than=(now - ORPHAN_AGE).timestamp(),
        )
        if gone or orphans:
            log.info("old photos deleted", extra={"count": gone, "orphans": orphans})
        return gone + orphans


ORPHAN_AGE = timedelta(minutes=10)  # a photo written but not yet recorded is younger


def _folders(out: Path) -> None:
    (out / "photos").mkdir(parents=True, exist_ok=True)


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)
