"""Images posted in node rooms: photo reports.

An image in an admitted node room while one of its windows is open for reports (from the
node's start until ``reports.grace`` after its end) becomes a report for that window; with
several open, the sender is asked to pick with ``!report <id>``; with none, it is just a
photo: nothing is downloaded. A caption may say ``!report <id>``, ``blur``, ``public`` or
``private``. Only cleaned bytes reach the disk (see ``photos.ingest``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from actionbot.config import Config
from actionbot.core.ids import is_valid_id, normalise_id
from actionbot.core.ratelimit import CommandLimits
from actionbot.core.reports import open_windows, read_words
from actionbot.core.windows import State
from actionbot.matrix import events
from actionbot.matrix.connection import Connection
from actionbot.photos.ingest import ReportIngest, Source
from actionbot.render import reports as text
from actionbot.render.catalogs import Voices
from actionbot.render.reply import Reply
from actionbot.store.events import EventLog
from actionbot.store.nodes import NodeStore
from actionbot.store.windows import WindowStore

log = logging.getLogger(__name__)

IMAGE_NAMES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".heic", ".tif", ".tiff", ".bmp")


def is_image(source: dict[str, Any]) -> bool:
    """``m.image``, or an ``m.file`` that says it is an image (its content decides later)."""
    content = source.get("content") if isinstance(source.get("content"), dict) else {}
    if content.get("msgtype") == "m.image":
        return True
    if content.get("msgtype") != "m.file":
        return False
    info = content.get("info") if isinstance(content.get("info"), dict) else {}
    mimetype = str(info.get("mimetype", ""))
    name = str(content.get("filename") or content.get("body") or "").lower()
    return mimetype.startswith("image/") or name.endswith(IMAGE_NAMES)


def caption_of(source: dict[str, Any]) -> str:
    content = source.get("content") if isinstance(source.get("content"), dict) else {}
    body, name = content.get("body"), content.get("filename")
    if isinstance(body, str) and isinstance(name, str) and body != name:
        return body.strip()
    return ""


class MediaHandler:
    def __init__(
        self,
        *,
        config: Config,
        connection: Connection,
        ingest: ReportIngest,
        nodes: NodeStore,
        windows: WindowStore,
        voices: Voices,
        handled: EventLog,
        clock: Callable[[], datetime],
        limits: CommandLimits | None = None,
    ) -> None:
        self._config = config
        self._limits = limits or CommandLimits()
        self._connection = connection
        self._ingest = ingest
        self._nodes = nodes
        self._windows = windows
        self._voices = voices
        self._handled = handled
        self._clock = clock

    async def handle(self, media: events.Media) -> None:
        source = getattr(media.event, "source", None)
        if not isinstance(source, dict) or not is_image(source):
            return
        node = await self._nodes.by_room(media.room_id)
        if node is None or not node.admitted:
            return
        if await self._handled.is_handled(media.event_id):
            return
        now = self._clock()
        candidates = await self._windows.in_states([State.APPROVED, State.DONE])
        open_now = open_windows(candidates, node, now, self._config.report_grace)
        caption = caption_of(source)
        words = caption.split()
        command = f"{self._config.command_prefix}report"
        if words and words[0].lower() == command:
            words = words[1:]
        picked = read_words(words, is_id=lambda w: is_valid_id(normalise_id(w)))
        settings = await self._ingest.reports.settings(node.id)
        who = Source(room_id=media.room_id, event_id=media.event_id, sender=media.sender)
        if picked.window_id is not None:
            window = next((w for w in open_now if w.id == normalise_id(picked.window_id)), None)
            if window is None:
                await self._refuse(
                    who, text.not_open(self._voices.of(node), self._config.command_prefix)
                )
                return
        elif len(open_now) == 1:
            window = open_now[0]
        elif not open_now:
            return  # just a photo in the room: not downloaded, not kept
        else:
            voice = self._voices.of(node)
            await self._refuse(who, text.which_window(voice, open_now, self._config.command_prefix))
            return
        if await self._ingest.at_limit(who, window):
            await self._refuse(who, text.refused(self._voices.of(node), "too-many"))
            return
        limit = self._config.report_max_bytes
        await self._ingest.photo(
            who,
            node,
            window,
            lambda: self._connection.file_of(source, limit=limit),
            caption=picked.text,
            # "blur" anywhere in the caption: blurring too much is the safe mistake.
            blur=settings.blur or picked.blur or "blur" in {w.lower() for w in words},
            consent=picked.consent or settings.consent,
            handled=media.event_id,
        )

    async def _refuse(self, who: Source, answer: Reply) -> None:
        """Answer a photo that is not taken, within the sender's token buckets (a flood of
        photos gets one "too many" and then silence, like commands)."""
        person = self._ingest.person_hash(who.sender)
        allowed, _tell = self._limits.allow(person, who.room_id, self._clock())
        if allowed:
            await self._ingest.refuse_with(who, answer)
        else:
            await self._handled.record_handled(
                event_id=who.event_id, room_id=who.room_id, now=self._clock(), messages=[]
            )
