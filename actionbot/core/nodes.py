"""Nodes: the collectives (one Matrix room each) that take part in the network.

A node record names a *room*, never a person: who registered it is not stored, so a
seized database or a cross-room listing reveals collectives, not members.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from actionbot.core.shown import JOINERS, has_hidden, shows_something, too_many_marks
from actionbot.core.zones import zone_key

NAME_MAX = 64
# Besides letters, marks, digits and spaces. Not the separators the bot itself writes
# between node names (":", "·", ",", "—"), so one node cannot forge others in a summary
# such as "By node: Kyiv: yes · Lviv: no"; not markup either.
NAME_PUNCTUATION = frozenset("-_'’.()&/#+")


class Standing(StrEnum):
    """Where a room stands with the network. Only an admitted node votes, receives windows
    and is shown anything about the network."""

    REQUESTED = "requested"
    ADMITTED = "admitted"
    LEFT = "left"  # kept for the history (roundups), without a vote or messages
    REMOVED = "removed"
    # A refused request is deleted, not kept: nothing about that room stays.


@dataclass(frozen=True, kw_only=True)
class Node:
    """A registered node. Plain data, serialisable as JSON via :meth:`to_json`."""

    id: str
    room_id: str
    name: str
    timezone: str
    language: str
    homeserver: str
    registered_at: datetime
    standing: Standing = Standing.ADMITTED
    requested_at: datetime | None = None  # when it last asked to join

    @property
    def admitted(self) -> bool:
        return self.standing is Standing.ADMITTED

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["registered_at"] = self.registered_at.isoformat()
        data["requested_at"] = self.requested_at.isoformat() if self.requested_at else None
        return data


@dataclass(frozen=True, kw_only=True)
class NodeError:
    """Why a node field is invalid: ``reason`` is worded by the render layer."""

    field: str
    reason: str  # "empty" | "too-long" | "control" | "character" | "unknown-zone"
    value: str = ""


def validate_name(raw: str) -> str | NodeError:
    """Normalise a node name; names are shown in other rooms, so keep them tame."""
    # Left-to-right and right-to-left marks (which RTL keyboards insert) are dropped.
    name = " ".join(
        unicodedata.normalize("NFC", raw).replace("\u200e", "").replace("\u200f", "").split()
    )
    if not name:
        return NodeError(field="name", reason="empty")
    if len(name) > NAME_MAX:
        return NodeError(field="name", reason="too-long", value=str(NAME_MAX))
    if has_hidden(name):
        return NodeError(field="name", reason="control")
    if too_many_marks(name):
        return NodeError(field="name", reason="control")
    if not shows_something(name):
        return NodeError(field="name", reason="empty")
    for ch in name:
        joiner = ch in JOINERS  # Persian and other scripts need them between letters
        if not (
            joiner or ch == " " or ch in NAME_PUNCTUATION or unicodedata.category(ch)[0] in "LMN"
        ):
            return NodeError(field="name", reason="character", value=ch)
    return name


def validate_timezone(raw: str) -> str | NodeError:
    """An IANA zone (any case) or an unambiguous city (``kyiv``, ``sao paulo``)."""
    key = zone_key(raw)
    if key is None:
        return NodeError(field="tz", reason="unknown-zone", value=raw)
    return key


REASON_MAX = 300


def tame_reason(raw: str) -> str:
    """A coordinator's reason, shown in another room: one line, no control or format
    characters (bidi overrides, zero-width marks), at most ``REASON_MAX`` characters."""
    kept = "".join(c for c in raw if not unicodedata.category(c).startswith("C"))
    return " ".join(kept.split())[:REASON_MAX]


def may_admit(*, is_coordinator: bool, in_coordination_room: bool) -> bool:
    """Rule: coordinators admit or refuse nodes, from the coordination room only (where the
    decision is seen by the others: an audit trail, not a private favour)."""
    return is_coordinator and in_coordination_room


def may_register(*, power_level: int, min_power_level: int, is_coordinator: bool) -> bool:
    """Rule: room moderators (power ≥ the configured minimum) or coordinators may register."""
    return is_coordinator or power_level >= min_power_level
