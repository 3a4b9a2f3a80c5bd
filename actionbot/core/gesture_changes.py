"""State changes about gestures, adaptations, guidelines sent and RSVPs (plain values; the
store applies them with the rest of a flow's changes, in one transaction)."""

from __future__ import annotations

from dataclasses import dataclass

from actionbot.core.gestures import Gesture
from actionbot.core.keys import MessageKey


@dataclass(frozen=True, kw_only=True)
class KeepGesture:
    """Keep this version of a gesture for good (a window uses it, or a coordinator added
    it: ``added`` — then it is the library's current version of its id)."""

    gesture: Gesture
    added: bool = False


@dataclass(frozen=True, kw_only=True)
class SetAdaptation:
    """A node's own reinterpretation of a window's gesture; ``text=None`` removes it."""

    window_id: str
    node_id: str
    text: str | None


@dataclass(frozen=True, kw_only=True)
class RecordGuideline:
    """The guideline message queued for a node room: a reaction to it is an RSVP, and the
    bot unpins it when the window ends."""

    window_id: str
    node_id: str
    room_id: str
    message_key: MessageKey


@dataclass(frozen=True, kw_only=True)
class SetRsvp:
    """Someone of a node takes part (``joined``) or not any more; by keyed hash only.
    ``reaction_event`` is the reaction that made it, so redacting it undoes just that."""

    window_id: str
    node_id: str
    person_hash: str
    joined: bool
    reaction_event: str | None = None


@dataclass(frozen=True, kw_only=True)
class UndoReaction:
    """A redacted 🙋: the RSVP that reaction made is withdrawn — only by the person who
    reacted, in that node's room (a redaction is accepted into any room whatever it
    targets), and not if they also joined by command."""

    reaction_event: str
    node_id: str
    person_hash: str


GestureChange = KeepGesture | SetAdaptation | RecordGuideline | SetRsvp | UndoReaction
