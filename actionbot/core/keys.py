"""Typed ids: what a scheduled job is, what an outbox message is.

Their text form (``reminder:abcde:k2p9x:1h``) is only ever written — as a scheduler id or an
outbox key — never parsed back: whoever needs the parts keeps the typed value.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class JobKind(StrEnum):
    DEADLINE = "deadline"
    REMINDER = "reminder"
    END = "end"
    EXPIRE = "expire"  # a request to join that nobody decided on
    HANDOVER = "handover"  # a rota passes to the next person
    ADMISSION = "admission"  # the nodes' vote on a request ends
    HANDOVER_SOON = "handover-soon"  # the day-before reminder
    ROUNDUP = "roundup"  # the grace period after a window ends: a draft roundup
    PURGE = "purge"  # old photos deleted
    HORIZON = "horizon"  # the next reminders get their timers (see scheduler.py)


@dataclass(frozen=True, kw_only=True)
class JobId:
    kind: JobKind
    window: str = ""
    node: str | None = None
    offset: str | None = None
    rota: str | None = None

    def text(self) -> str:
        parts = (str(self.kind), self.window, self.node, self.offset, self.rota)
        return ":".join(p for p in parts if p)


class MessageKind(StrEnum):
    PROPOSED = "proposed"
    POLL = "poll"
    POLL_END = "poll-end"
    VOTE = "vote"
    DECIDED = "decided"
    CANCELLED = "cancelled"
    SERIES = "series"
    SERIES_END = "series-end"
    REMINDER = "reminder"
    SKIPPED = "skipped"
    REPLY = "reply"
    FILE = "file"
    ANNOUNCE = "announce"
    GREETING = "greet"
    HINT = "hint"
    ADMISSION = "admission"
    DEPARTURE = "departure"
    EXPIRED = "expired"
    MOVED = "moved"
    UPGRADE = "upgrade"
    ROTA = "rota"
    POWER = "power"
    LEAVE = "leave"
    NOT_COUNTED = "not-counted"  # a poll answer that may not vote: once per person and poll
    GUIDELINE = "guideline"  # a window's gesture, in one node room
    PIN = "pin"
    UNPIN = "unpin"
    GUIDELINE_EDIT = "guideline-edit"  # the node changed its adaptation after it was sent
    RECEIVED = "received"  # ✅ on a report
    ROUNDUP = "roundup"
    REST = "rest"  # the invitation to decompress after a window
    DEVICE = "device"  # the bot replaced its device (keys lost): told once per new device


@dataclass(frozen=True, kw_only=True)
class MessageKey:
    """What a message is; the outbox refuses a second message with the same key, so a
    replayed event or job never doubles one. ``due`` tells a reminder re-planned for a new
    time (the node moved zone) from a replay of the same one."""

    kind: MessageKind
    window: str | None = None
    node: str | None = None
    event: str | None = None
    room: str | None = None
    session: str | None = None
    offset: str | None = None
    due: int | None = None
    index: int | None = None
    rota: str | None = None

    def text(self) -> str:
        parts = (
            self.window,
            self.node,
            self.offset,
            self.event,
            self.room,
            self.session,
            None if self.due is None else str(self.due),
            None if self.index is None else str(self.index),
            self.rota,
        )
        return ":".join([str(self.kind), *(p for p in parts if p)])
