"""State changes a flow decides on, as plain values; the store applies them (see
:mod:`actionbot.store.changes`), all of one decision in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from actionbot.core.decisions import Vote
from actionbot.core.gesture_changes import GestureChange
from actionbot.core.keys import MessageKey
from actionbot.core.nodes import Node
from actionbot.core.reminders import PlannedReminder
from actionbot.core.report_changes import ReportChange
from actionbot.core.rotation import Rotation
from actionbot.core.windows import State, Window


@dataclass(frozen=True, kw_only=True)
class CreateWindow:
    """Insert a window (with its plan); with ``finish``, move that approved window to done
    in the same transaction — the whole set fails if it was not approved any more."""

    window: Window
    proposer_hash: str
    source_event: str | None = None
    plan: tuple[PlannedReminder, ...] = ()
    finish: Window | None = None


@dataclass(frozen=True, kw_only=True)
class Transition:
    """Move a window on in its life cycle if it is still in its current state (else the
    whole set fails)."""

    window: Window
    to: State
    decision: str | None = None
    plan: tuple[PlannedReminder, ...] = ()
    cancel_reminders: bool = False


@dataclass(frozen=True, kw_only=True)
class SetVote:
    window_id: str
    node_id: str
    vote: Vote
    via: str


@dataclass(frozen=True, kw_only=True)
class SettleReminder:
    """Mark a planned reminder fired, skipped or cancelled (fails if it was settled)."""

    item: PlannedReminder
    status: str
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class ReplanNode:
    window_id: str
    node_id: str
    plan: tuple[PlannedReminder, ...]


@dataclass(frozen=True, kw_only=True)
class SkipMessage:
    """A queued message that should no longer be sent (a poll for a decided window)."""

    key: MessageKey
    reason: str


@dataclass(frozen=True, kw_only=True)
class RegisterNode:
    """Insert a room's node or update it (keeping its id); names are checked beforehand,
    under the runner's lock."""

    node: Node


@dataclass(frozen=True, kw_only=True)
class ForgetNode:
    """Delete a room's node record (a refused request: nothing about it is kept)."""

    node_id: str


@dataclass(frozen=True, kw_only=True)
class WithdrawNode:
    """A node that left or was removed: its votes on windows still undecided are withdrawn
    and its planned reminders cancelled. Its decided votes stay (history, roundups)."""

    node_id: str
    undecided: tuple[str, ...]  # ids of the windows still being decided


@dataclass(frozen=True, kw_only=True)
class RecordRequestNotice:
    """The coordination-room message that announced a request, so a ✅ or ❌ reaction to
    it can be read as admit or refuse."""

    message_key: MessageKey
    node_id: str


@dataclass(frozen=True, kw_only=True)
class RecordUpgrade:
    """A node's room was upgraded: its successor, until the bot is in it."""

    node_id: str
    old_room: str
    new_room: str


@dataclass(frozen=True, kw_only=True)
class MoveNodeRoom:
    """The node continues in its room's successor; messages not sent yet go there too."""

    node_id: str
    old_room: str
    new_room: str


@dataclass(frozen=True, kw_only=True)
class SaveRotation:
    """Insert or replace a room's rota for a duty."""

    rotation: Rotation


@dataclass(frozen=True, kw_only=True)
class EndRotation:
    rotation_id: str


@dataclass(frozen=True, kw_only=True)
class SetAdmissionVote:
    """An admitted node's vote on a room that asks to join (``network.admission: vote``)."""

    node_id: str  # the room that asks
    voter_node_id: str
    vote: Vote


@dataclass(frozen=True, kw_only=True)
class MarkHandled:
    """The Matrix event this set of changes answers: stored with them, so a crash cannot
    keep a decision and lose its reply, and a replayed event cannot act twice (the whole
    set fails if the event was already handled)."""

    event_id: str
    room_id: str


Change = (
    CreateWindow
    | Transition
    | SetVote
    | SettleReminder
    | ReplanNode
    | SkipMessage
    | RegisterNode
    | ForgetNode
    | WithdrawNode
    | RecordRequestNotice
    | RecordUpgrade
    | MoveNodeRoom
    | SaveRotation
    | EndRotation
    | SetAdmissionVote
    | MarkHandled
    | GestureChange
    | ReportChange
)
