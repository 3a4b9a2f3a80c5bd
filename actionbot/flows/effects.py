"""What a flow decides: state changes, messages and jobs — values, not actions.

A flow (propose, vote, decide, remind, end, cancel, node changes) is a pure function of
the state it is given, the event, the time and the config; it returns :class:`Effects`.
The applier runs the changes and enqueues the messages in one store transaction, then tells
the scheduler. So the rules can be tested as tables without SQLite, Matrix or a clock, and
a crash can never leave half of a decision done.

Ids are typed (:class:`JobId`, :class:`MessageKey`): their text form is only ever written
(as an outbox key or a scheduler id), never parsed back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from actionbot.core.changes import (
    Change,
    CreateWindow,
    ReplanNode,
    SettleReminder,
    SetVote,
    SkipMessage,
    Transition,
)
from actionbot.core.keys import JobId, JobKind, MessageKey, MessageKind
from actionbot.core.reminders import PlannedReminder
from actionbot.render.polls import PollText
from actionbot.render.reply import Reply


@dataclass(frozen=True, kw_only=True)
class Job:
    """Run ``id`` at ``at``; reminders carry their plan entry."""

    id: JobId
    at: datetime
    reminder: PlannedReminder | None = None


def reminder_job(item: PlannedReminder) -> Job:
    return Job(
        id=JobId(
            kind=JobKind.REMINDER, window=item.window_id, node=item.node_id, offset=item.offset
        ),
        at=item.due,
        reminder=item,
    )


@dataclass(frozen=True, kw_only=True)
class Notice:
    key: MessageKey
    room_id: str
    reply: Reply
    in_reply_to: str | None = None
    mention: str | None = None
    useful_until: datetime | None = None  # retried through outages until then
    late_at: datetime | None = None  # sent from then on, ``late_reply`` goes instead
    late_reply: Reply | None = None
    coalesce: str | None = None  # a newer notice with the same value replaces it (outbox)


@dataclass(frozen=True, kw_only=True)
class PollStart:
    key: MessageKey
    room_id: str
    window_id: str
    node_id: str
    text: PollText


@dataclass(frozen=True, kw_only=True)
class PollEnd:
    key: MessageKey
    room_id: str
    poll_event_id: str
    text: str


@dataclass(frozen=True, kw_only=True)
class FileMessage:
    """An uploaded file (its m.file content, made by ``matrix/``) sent after a reply."""

    key: MessageKey
    room_id: str
    content: dict[str, object]
    in_reply_to: str | None = None


@dataclass(frozen=True, kw_only=True)
class LeaveRoom:
    """The bot leaves the room once the messages queued before this one were sent."""

    key: MessageKey
    room_id: str


@dataclass(frozen=True, kw_only=True)
class SetPower:
    """Set one person's power level in the room, after the messages queued before it."""

    key: MessageKey
    room_id: str
    user_id: str
    level: int


@dataclass(frozen=True, kw_only=True)
class Pin:
    """Pin (or unpin) the message queued under ``target`` once it is sent, where the room
    lets the bot."""

    key: MessageKey
    room_id: str
    target: MessageKey
    pin: bool = True
    # An unpin waits until this row (the pin) is settled: sent first, or never sent.
    after: MessageKey | None = None


@dataclass(frozen=True, kw_only=True)
class Edit:
    """Replace the text of the bot's message queued under ``target`` (``m.replace``)."""

    key: MessageKey
    room_id: str
    target: MessageKey
    reply: Reply


@dataclass(frozen=True, kw_only=True)
class Threaded:
    """A message (its full content) in the thread of the message queued under ``target``."""

    key: MessageKey
    room_id: str
    target: MessageKey
    content: dict[str, object]


@dataclass(frozen=True, kw_only=True)
class React:
    """A reaction (✅ for a report received) to someone's event."""

    key: MessageKey
    room_id: str
    event_id: str
    emoji: str


Message = (
    Notice
    | PollStart
    | PollEnd
    | FileMessage
    | LeaveRoom
    | SetPower
    | Pin
    | Edit
    | React
    | Threaded
)


@dataclass(frozen=True, kw_only=True)
class Effects:
    changes: tuple[Change, ...] = ()
    messages: tuple[Message, ...] = ()
    schedule: tuple[Job, ...] = ()
    cancel: tuple[JobId, ...] = ()
    cancel_window_jobs: tuple[str, ...] = ()  # every job of these windows
    cancel_node_reminders: tuple[tuple[str, str], ...] = ()  # (window, node)

    def __add__(self, other: Effects) -> Effects:
        return Effects(
            changes=self.changes + other.changes,
            messages=self.messages + other.messages,
            schedule=self.schedule + other.schedule,
            cancel=self.cancel + other.cancel,
            cancel_window_jobs=self.cancel_window_jobs + other.cancel_window_jobs,
            cancel_node_reminders=self.cancel_node_reminders + other.cancel_node_reminders,
        )


NOTHING = Effects()

R = TypeVar("R")


class Response(Generic[R]):
    """The answer to the event a flow ran for (its reply and its handled mark), built from
    the flow's result and applied in the same transaction as the flow's effects: a crash
    cannot keep a decision and lose the reply that tells the acting room.

    ``applied`` says whether it was stored; if not (the flow changed nothing, or the set was
    rolled back), the caller answers on its own.
    """

    def __init__(self, build: Callable[[R], Effects]) -> None:
        self._build = build
        self.applied = False

    def effects(self, result: R) -> Effects:
        return self._build(result)


__all__ = [
    "NOTHING",
    "Change",
    "CreateWindow",
    "Edit",
    "Effects",
    "FileMessage",
    "Job",
    "JobId",
    "JobKind",
    "LeaveRoom",
    "Message",
    "MessageKey",
    "MessageKind",
    "Notice",
    "Pin",
    "PollEnd",
    "PollStart",
    "React",
    "ReplanNode",
    "Response",
    "SetPower",
    "SetVote",
    "SettleReminder",
    "SkipMessage",
    "Threaded",
    "Transition",
    "reminder_job",
]
