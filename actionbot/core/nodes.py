"""Nodes: the collectives (one Matrix room each) that take part in the network.

A node record names a *room*, never a person: who registered it is not stored, so a
seized database or a cross-room listing reveals collectives, not members.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

NAME_MAX = 64
# A language tag like "en", "uk", "pt-BR", "zh-Hant" (a practical subset of BCP 47).
_LANG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


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

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["registered_at"] = self.registered_at.isoformat()
        return data


@dataclass(frozen=True, kw_only=True)
class NodeError:
    """Why a node field is invalid, in words fit for a chat reply."""

    field: str
    message: str


def validate_name(raw: str) -> str | NodeError:
    """Normalise a node name; names are shown in other rooms, so keep them tame."""
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not name:
        return NodeError(field="name", message="the node needs a name, e.g. `Kyiv Collective`")
    if len(name) > NAME_MAX:
        return NodeError(field="name", message=f"the name is longer than {NAME_MAX} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        return NodeError(field="name", message="the name contains control characters")
    return name


def validate_timezone(raw: str) -> str | NodeError:
    """Accept an IANA zone name (``Europe/Kyiv``); the tz database does the work."""
    key = raw.strip()
    try:
        zoneinfo.ZoneInfo(key)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return NodeError(
            field="tz",
            message=f"'{raw}' is not a known time zone; use an IANA name such as "
            "Europe/Kyiv, America/Mexico_City or UTC",
        )
    return key


def validate_language(raw: str) -> str | NodeError:
    """Accept a language tag such as ``en``, ``uk`` or ``pt-BR``."""
    tag = raw.strip()
    if not _LANG.fullmatch(tag):
        return NodeError(
            field="lang", message=f"'{raw}' is not a language code; use e.g. en, uk, es, pt-BR"
        )
    primary, *rest = tag.split("-")
    return "-".join([primary.lower(), *rest])


def may_register(*, power_level: int, min_power_level: int, is_coordinator: bool) -> bool:
    """Rule: room moderators (power ≥ the configured minimum) or coordinators may register."""
    return is_coordinator or power_level >= min_power_level
