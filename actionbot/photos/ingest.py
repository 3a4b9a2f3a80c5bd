"""Taking in a report: download into memory, clean in a worker thread, write only the
cleaned JPEG, then record the report with its ✅ (or the sender's answer) in one
transaction. A refusal is an answer in the node's language; nothing is stored."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from actionbot.config import Config
from actionbot.core.changes import MarkHandled
from actionbot.core.gestures import visible
from actionbot.core.ids import new_id
from actionbot.core.keys import MessageKey, MessageKind
from actionbot.core.nodes import Node
from actionbot.core.report_changes import AddReport, WithdrawReport
from actionbot.core.reports import Report
from actionbot.core.windows import Window
from actionbot.flows.applier import Applier
from actionbot.flows.effects import Effects, Notice, React
from actionbot.matrix.media import FetchedFile, FetchProblem
from actionbot.photos.clean import CleanPhoto, PhotoRefused, clean
from actionbot.photos.storage import PhotoStore
from actionbot.render import reports as text
from actionbot.render.catalogs import Voices
from actionbot.render.reply import Reply
from actionbot.store.reports import ReportStore

log = logging.getLogger(__name__)

Fetch = Callable[[], Awaitable["FetchedFile | FetchProblem"]]
# Photos one person may report for one window: more than a real action needs, few enough
# that one member cannot fill the disk by changing a byte in each copy (review).
PER_PERSON = 60


@dataclass(frozen=True, kw_only=True)
class Source:
    """The event a report answers: where, which, and by whom (hashed before storing)."""

    room_id: str
    event_id: str
    sender: str


class ReportIngest:
    def __init__(
        self,
        *,
        config: Config,
        reports: ReportStore,
        photos: PhotoStore,
        applier: Applier,
        voices: Voices,
        person_hash: Callable[[str], str],
        clock: Callable[[], datetime],
    ) -> None:
        self._config = config
        self.reports = reports
        self.photos = photos
        self._applier = applier
        self._voices = voices
        self.person_hash = person_hash
        self._clock = clock

    def answer(self, source: Source, reply: Reply, *, answers: str | None = None) -> Notice:
        """A reply to the report (or to the command about it), mentioning its sender."""
        return Notice(
            key=MessageKey(kind=MessageKind.REPLY, event=answers or source.event_id),
            room_id=source.room_id,
            reply=reply,
            in_reply_to=answers or source.event_id,
            mention=source.sender,
        )

    async def _record(self, effects: Effects, source: Source, handled: str) -> bool:
        mark = MarkHandled(event_id=handled, room_id=source.room_id)
        return await self._applier.apply(Effects(changes=(mark,)) + effects, now=self._clock())

    async def refuse(self, source: Source, node: Node, reason: str, *, handled: str) -> None:
        reply = text.refused(self._voices.of(node), reason)
        await self.refuse_with(source, reply, handled=handled)

    async def refuse_with(
        self, source: Source, reply: Reply, *, handled: str | None = None
    ) -> None:
        """Answer and mark the event handled: it is not asked about twice."""
        handled = handled or source.event_id
        notice = self.answer(source, reply, answers=handled)
        await self._record(Effects(messages=(notice,)), source, handled)

    async def at_limit(self, source: Source, window: Window) -> bool:
        """Whether the sender has reported as many photos for the window as one may."""
        return await self.reports.count_by(window.id, self.person_hash(source.sender)) >= PER_PERSON

    async def photo(
        self,
        source: Source,
        node: Node,
        window: Window,
        fetch: Fetch,
        *,
        caption: str,
        blur: bool,
        consent: str,
        handled: str,
    ) -> CleanPhoto | None:
        """``handled`` is the event answered (the photo, or a ``!report`` about it). A photo
        is reported by the person who posted it, never by someone answering it."""
        if await self.at_limit(source, window):
            await self.refuse(source, node, "too-many", handled=handled)
            return None
        fetched = await fetch()
        if isinstance(fetched, FetchProblem):
            await self.refuse(source, node, fetched.reason, handled=handled)
            return None
        if fetched.sender is not None and fetched.sender != source.sender:
            await self.refuse(source, node, "not-yours", handled=handled)
            return None
        cleaned = await asyncio.to_thread(
            clean, fetched.data, max_pixels=self._config.report_max_pixels, blur=blur
        )
        del fetched  # the original bytes go no further than this function
        if isinstance(cleaned, PhotoRefused):
            await self.refuse(source, node, cleaned.reason, handled=handled)
            return None
        await asyncio.to_thread(self.photos.put, cleaned)
        report = Report(
            id=new_id(),
            window_id=window.id,
            node_id=node.id,
            kind="photo",
            created_at=self._clock(),
            caption=" ".join(visible(caption).split())[:1000],
            consent=consent,
            sender_hash=self.person_hash(source.sender),
            source_event=source.event_id,
            sha256=cleaned.sha256,
            size=len(cleaned.data),
            width=cleaned.width,
            height=cleaned.height,
            faces=cleaned.faces,
        )
        voice = self._voices.of(node)
        messages: tuple[Any, ...] = (
            React(
                key=MessageKey(kind=MessageKind.RECEIVED, event=source.event_id),
                room_id=source.room_id,
                event_id=source.event_id,
                emoji="✅",
            ),
        )
        if blur or handled != source.event_id:  # a count to check, or a command to answer
            messages += (
                self.answer(
                    source,
                    text.received_photo(voice, cleaned.faces, blur, consent),
                    answers=handled,
                ),
            )
        recorded = await self._record(
            Effects(changes=(AddReport(report=report),), messages=messages), source, handled
        )
        if not recorded and not await self.reports.hash_in_use(cleaned.sha256):
            # Not recorded (a replay of the same photo): no row would ever let it be
            # withdrawn or purged, so it goes now.
            await asyncio.to_thread(self.photos.delete, cleaned.sha256)
        log.info(
            "photo report stored",
            extra={"window": window.id, "node": node.id, "faces": cleaned.faces, "new": recorded},
        )
        return cleaned

    async def text_report(
        self, source: Source, node: Node, window: Window, words: str, consent: str
    ) -> bool:
        report = Report(
            id=new_id(),
            window_id=window.id,
            node_id=node.id,
            kind="text",
            created_at=self._clock(),
            caption=" ".join(visible(words).split())[:2000],
            consent=consent,
            sender_hash=self.person_hash(source.sender),
            source_event=source.event_id,
        )
        reply = text.received_text(self._voices.of(node), window, consent)
        effects = Effects(
            changes=(AddReport(report=report),), messages=(self.answer(source, reply),)
        )
        return await self._record(effects, source, source.event_id)

    async def withdraw(self, report: Report) -> None:
        await self._applier.apply(
            Effects(changes=(WithdrawReport(report_id=report.id),)), now=self._clock()
        )
        if report.sha256 and not await self.reports.hash_in_use(report.sha256):
            await asyncio.to_thread(self.photos.delete, report.sha256)
