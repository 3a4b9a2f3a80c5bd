"""The outbox: every message the bot sends is first a durable row, then a Matrix event.

States and the only transitions between them (enforced by the store's queries):

    pending --sent by the homeserver--------------> sent    (event id recorded)
    pending --failed, attempts left---------------> pending (next_attempt_at pushed back)
    pending --failed, no attempts left------------> failed  (reason recorded, reported)
    pending --no longer worth sending-------------> skipped (reason recorded)

Each row carries a fixed Matrix transaction id, so a retry after a crash or a lost
response is deduplicated by the homeserver: one row can never become two events.
Each row also has a *key* that says what it is (``reply:<event id>``); a second attempt to
enqueue the same key is ignored, so re-processing an event never doubles a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


# Not a Matrix event: an outbox row of this type makes the bot leave the room, after every
# earlier message for that room went out (so a room hears why before the bot goes).
LEAVE_ROOM = "actionbot.leave"
# Not a Matrix event either: set one person's power level in the room (a rota hand-over),
# in order with the room's other messages.
SET_POWER = "actionbot.power"
# Pin or unpin the event sent under another row's key (``content["target"]``), once that
# row is sent; skipped where the room does not let the bot pin.
PIN = "actionbot.pin"
UNPIN = "actionbot.unpin"
# Replace (``m.replace``) the event sent under ``content["target"]`` with ``content["new"]``.
EDIT = "actionbot.edit"
# An m.room.message in the thread of the event sent under ``content["target"]``.
THREAD = "actionbot.thread"


@dataclass(frozen=True, kw_only=True)
class OutgoingMessage:
    """A message to enqueue: what it is (key), where it goes, and its event content."""

    key: str
    room_id: str
    content: dict[str, Any]
    event_type: str = "m.room.message"
    # Transient failures are retried until then; past it the message is skipped (reported).
    useful_until: datetime | None = None
    # Sent at or after ``late_at``, ``late_content`` goes instead (it says "sent late").
    late_at: datetime | None = None
    late_content: dict[str, Any] | None = None
    # News that a newer message about the same thing replaces while it waits (a node's
    # details, a node's vote): the first goes at once, quick repeats become one message.
    coalesce: str | None = None


# How long a repeat of coalescable news waits for a newer version of itself.
COALESCE_HOLD = timedelta(seconds=20)


@dataclass(frozen=True, kw_only=True)
class OutboxRow:
    """A stored outbox row, as the sender and audits see it."""

    id: str
    key: str
    room_id: str
    event_type: str
    content: dict[str, Any]
    status: Status
    txn_id: str
    event_id: str | None
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    useful_until: datetime | None = None
    late_at: datetime | None = None
    late_content: dict[str, Any] | None = None


def retry_delay(attempts: int, *, base: timedelta, cap: timedelta) -> timedelta:
    """Exponential back-off after ``attempts`` failed tries: base, 2·base, 4·base … ≤ cap."""
    exponent = max(0, attempts - 1)
    if exponent > 30:
        return cap
    return min(cap, base * (2**exponent))
