"""Who counts as a moderator: a user's effective power level in a room.

Rules (Matrix spec, room versions 1–12):
- ``users[user]`` if listed, else ``users_default`` (0 when absent);
- with no ``m.room.power_levels`` event at all, the room creator has 100, others 0;
- in room versions with privileged creators (v12, MSC4289) the creator and the
  ``additional_creators`` of the create event outrank everyone: their level is infinite
  and they are not listed in ``users`` — clients that ignore this would treat the person
  who made the room as a level-0 member.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

INFINITE = 2**53  # larger than any power level an event can carry
PRIVILEGED_CREATOR_VERSIONS = frozenset({"12", "org.matrix.hydra.11"})


def creators(create_event: Mapping[str, Any]) -> frozenset[str]:
    content = create_event.get("content") or {}
    extra = content.get("additional_creators") or []
    found = {create_event.get("sender", "")} | {u for u in extra if isinstance(u, str)}
    return frozenset(u for u in found if u)


def effective_level(
    *,
    user_id: str,
    create_event: Mapping[str, Any],
    power_levels: Mapping[str, Any] | None,
) -> int:
    version = str((create_event.get("content") or {}).get("room_version", "1"))
    room_creators = creators(create_event)
    if version in PRIVILEGED_CREATOR_VERSIONS and user_id in room_creators:
        return INFINITE
    if power_levels is None:
        return 100 if user_id in room_creators else 0
    users = power_levels.get("users") or {}
    try:
        return int(users.get(user_id, power_levels.get("users_default", 0)))
    except (TypeError, ValueError):
        return 0
