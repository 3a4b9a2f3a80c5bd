"""Rotating duties, so no one person is the network (and nobody carries a role for long).

A rota names people only by the keyed hash the bot already uses for proposers: the database
never lists who holds which duty. At each hand-over the bot finds the holder among the room's
current members by the same hash; someone who left the room is skipped.

| cadence          | next hand-over                                  |
|------------------|-------------------------------------------------|
| ``every 7d`` …   | that long after the previous hand-over          |
| ``every full moon`` / ``every new moon`` | the next such phase (ephem) |

Durations: at least an hour, at most 366 days. A rota has 2 to 12 people.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from actionbot.core.durations import DurationError, parse_duration
from actionbot.core.lunar import next_phase

DUTY = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
USER = re.compile(r"@[^\s:]+:[^\s]+")
MOON_CADENCES = ("full moon", "new moon")
MIN_PERIOD = timedelta(hours=1)
MIN_PEOPLE, MAX_PEOPLE = 2, 12
POWER = 50


@dataclass(frozen=True, kw_only=True)
class Rotation:
    """A room's rota for one duty. Plain data; ``members`` and ``prior`` hold hashes."""

    id: str
    room_id: str
    duty: str
    members: tuple[str, ...]  # person hashes, in hand-over order
    cadence: str  # "7d", "full moon", …
    power: int | None  # raise the holder to this level, if set
    position: int  # index of the current holder in ``members``
    next_at: datetime
    prior: dict[str, int] = field(default_factory=dict)  # levels before the rota raised them

    @property
    def holder(self) -> str:
        return self.members[self.position]

    def following(self, steps: int = 1) -> int:
        return (self.position + steps) % len(self.members)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["next_at"] = self.next_at.isoformat()
        return data


@dataclass(frozen=True, kw_only=True)
class RotationRequest:
    duty: str
    users: tuple[str, ...]  # Matrix user ids, as typed (hashed before storing)
    cadence: str
    power: int | None


@dataclass(frozen=True, kw_only=True)
class RotationError:
    """Why a ``!rotation set`` cannot be read: ``reason`` is worded by the render layer."""

    reason: str  # "duty" | "people" | "repeated" | "every" | "cadence" | "too-often" | "power"
    value: str = ""


def next_handover(cadence: str, after: datetime) -> datetime:
    if cadence in MOON_CADENCES:
        return next_phase(cadence, after)
    period = parse_duration(cadence)
    assert not isinstance(period, DurationError), cadence  # checked when the rota was set
    return after + period


def parse_set(args: tuple[str, ...]) -> RotationRequest | RotationError:
    """``<duty> @a @b … every <duration|full moon|new moon> [power=50]``."""
    words = list(args)
    if not words or not DUTY.fullmatch(words[0].lower()):
        return RotationError(reason="duty", value=words[0] if words else "")
    duty = words.pop(0).lower()
    power: int | None = None
    if words and words[-1].lower().startswith("power="):
        raw = words.pop().split("=", 1)[1]
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 100:
            return RotationError(reason="power", value=raw)
        power = int(raw)
    users: list[str] = []
    while words and words[0].startswith("@"):
        user = words.pop(0)
        if not USER.fullmatch(user):
            return RotationError(reason="people", value=user)
        if user in users:
            return RotationError(reason="repeated", value=user)
        users.append(user)
    if not MIN_PEOPLE <= len(users) <= MAX_PEOPLE:
        return RotationError(reason="people", value=str(len(users)))
    if not words or words[0].lower() != "every":
        return RotationError(reason="every", value=" ".join(words))
    cadence = " ".join(words[1:]).lower()
    if cadence in MOON_CADENCES:
        return RotationRequest(duty=duty, users=tuple(users), cadence=cadence, power=power)
    period = parse_duration(cadence)
    if isinstance(period, DurationError):
        return RotationError(reason="cadence", value=cadence)
    if period < MIN_PERIOD:
        return RotationError(reason="too-often", value=cadence)
    return RotationRequest(duty=duty, users=tuple(users), cadence=cadence, power=power)


def power_change(
    *, current: int, target: int, before: int | None, is_creator: bool, is_self: bool
) -> int | None:
    """The level to set, or None to leave it: raising a new holder to ``target`` (never
    lowering anyone who already has more), or giving a former holder back what they had
    (``before``) — never the bot's own level, never a room creator's.

    | case                               | result                     |
    |------------------------------------|----------------------------|
    | the bot itself, or a room creator  | leave it                   |
    | raise: current ≥ target            | leave it                   |
    | raise: current < target            | target                     |
    | restore: current ≠ target          | leave it (someone changed it since: theirs) |
    | restore: level recorded ``before`` | ``before``                 |

    Raising records ``current`` as the holder's ``before``; restoring returns exactly that,
    so nobody ends a rota below what they had when it began.
    """
    if is_self or is_creator:
        return None
    if before is None:  # raising
        return target if current < target else None
    if current != target:  # changed by someone else since the rota raised it
        return None
    return before if current != before else None  # restoring
