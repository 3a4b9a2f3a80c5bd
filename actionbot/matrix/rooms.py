"""Rooms: joining and leaving, whether a room is encrypted, and power levels.

Power levels are read from the server's current room state, not nio's cache, and a
lookup that fails counts as "not a moderator" (fail closed).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from nio import AsyncClient, JoinError, RoomLeaveError

from actionbot.core.power import creators, effective_level
from actionbot.matrix.results import NETWORK_ERRORS, error_text

# A state lookup that failed (as opposed to "no such event").
_UNKNOWN: dict[str, Any] = {"unknown": True}


async def join(client: AsyncClient, room_id: str) -> str | None:
    """Join a room; return None on success or the reason it failed."""
    try:
        resp = await client.join(room_id)
    except NETWORK_ERRORS as exc:
        return f"network: {type(exc).__name__}"
    return error_text(resp) if isinstance(resp, JoinError) else None


async def leave(client: AsyncClient, room_id: str) -> str | None:
    """Leave a room; return None on success or the reason it failed."""
    try:
        resp = await client.room_leave(room_id)
    except NETWORK_ERRORS as exc:
        return f"network: {type(exc).__name__}"
    return error_text(resp) if isinstance(resp, RoomLeaveError) else None


def is_encrypted(client: AsyncClient, room_id: str) -> bool:
    room = client.rooms.get(room_id)
    return bool(room and room.encrypted)


async def power_level(client: AsyncClient, room_id: str, user_id: str) -> int:
    """The user's effective power level, read from the server's current room state.

    Asked of the server (not nio's cached state) because permission checks are rare
    and must be right, and nio does not know v12 rooms' privileged creators.
    """
    create = await _state_event(client, room_id, "m.room.create")
    levels = await _state_event(client, room_id, "m.room.power_levels")
    # Fail closed: if the server could not tell us, nobody is a moderator.
    if create is None or create is _UNKNOWN or levels is _UNKNOWN:
        return 0
    return effective_level(
        user_id=user_id,
        create_event=create,
        power_levels=levels.get("content") if levels else None,
    )


async def moderators(client: AsyncClient, room_id: str, min_level: int) -> tuple[str, ...] | None:
    """The room's joined members with power ≥ ``min_level`` (creators of v12 rooms
    included), from the server's current state; None if the server could not tell."""
    create = await _state_event(client, room_id, "m.room.create")
    levels = await _state_event(client, room_id, "m.room.power_levels")
    if create is None or create is _UNKNOWN or levels is _UNKNOWN:
        return None
    room = client.rooms.get(room_id)
    members = sorted(room.users) if room else []
    content = levels.get("content") if levels else None
    return tuple(
        user
        for user in members
        if user != client.user_id
        and effective_level(user_id=user, create_event=create, power_levels=content) >= min_level
    )


async def set_power(client: AsyncClient, room_id: str, user_id: str, level: int) -> str | None:
    """Set one person's power level in the room's current power levels (read from the
    server, so nobody else's level is touched); None on success, else the reason."""
    levels = await _state_event(client, room_id, "m.room.power_levels")
    if levels is None or levels is _UNKNOWN:
        return "the room's power levels could not be read"
    content = dict(levels.get("content") or {})
    users = dict(content.get("users") or {})
    if level == content.get("users_default", 0):
        users.pop(user_id, None)
    else:
        users[user_id] = level
    content["users"] = users
    try:
        resp = await client.room_put_state(room_id, "m.room.power_levels", content)
    except NETWORK_ERRORS as exc:
        return f"network: {type(exc).__name__}"
    return None if getattr(resp, "event_id", None) else error_text(resp)


async def levels_of(
    client: AsyncClient, room_id: str, users: tuple[str, ...]
) -> dict[str, int] | None:
    """Each user's effective level from one read of the room state — the given users and
    everyone the power levels name (someone who left keeps a raised level, and a rota must
    still be able to give it back); None if the server could not tell (then nobody's level
    may be changed on a guess)."""
    create = await _state_event(client, room_id, "m.room.create")
    levels = await _state_event(client, room_id, "m.room.power_levels")
    if create is None or create is _UNKNOWN or levels is _UNKNOWN:
        return None
    content = levels.get("content") if levels else None
    named = (content or {}).get("users") if isinstance(content, dict) else None
    everyone = set(users) | {u for u in (named or {}) if isinstance(u, str)}
    return {
        user: effective_level(user_id=user, create_event=create, power_levels=content)
        for user in sorted(everyone)
    }


async def creators_of(client: AsyncClient, room_id: str) -> frozenset[str] | None:
    create = await _state_event(client, room_id, "m.room.create")
    if create is None or create is _UNKNOWN:
        return None
    return creators(create)


def members(client: AsyncClient, room_id: str) -> tuple[str, ...]:
    """The room's joined members as the client knows them (the bot excluded)."""
    room = client.rooms.get(room_id)
    return tuple(sorted(u for u in room.users if u != client.user_id)) if room else ()


async def _state_event(client: AsyncClient, room_id: str, event_type: str) -> dict[str, Any] | None:
    path = (
        f"/_matrix/client/v3/rooms/{quote(room_id, safe='')}/state/"
        f"{quote(event_type, safe='')}/?format=event"
    )
    try:
        resp = await client.send(
            "GET", path, headers={"Authorization": f"Bearer {client.access_token}"}
        )
        if resp.status == 404:
            return None  # the room has no such state event
        if resp.status != 200:
            return _UNKNOWN
        data = await resp.json()
    except NETWORK_ERRORS:
        return _UNKNOWN
    if not isinstance(data, dict):
        return _UNKNOWN
    if "content" not in data or "sender" not in data:
        # A server that ignores ?format=event returned only the content; find the
        # event (with its sender, which v12 rooms need) in the full room state.
        return await _state_event_from_full_state(client, room_id, event_type)
    return data


async def _state_event_from_full_state(
    client: AsyncClient, room_id: str, event_type: str
) -> dict[str, Any] | None:
    path = f"/_matrix/client/v3/rooms/{quote(room_id, safe='')}/state"
    try:
        resp = await client.send(
            "GET", path, headers={"Authorization": f"Bearer {client.access_token}"}
        )
        if resp.status != 200:
            return _UNKNOWN
        events = await resp.json()
    except NETWORK_ERRORS:
        return _UNKNOWN
    for event in events if isinstance(events, list) else []:
        if (
            isinstance(event, dict)
            and event.get("type") == event_type
            and (event.get("state_key") == "")
        ):
            return event
    return None


NO_POWER = "no power"  # the bot may not change this state here: skipped, not a failure
UNREADABLE = "the room's state could not be read"


def is_transient(problem: str) -> bool:
    """A pin change that failed on the network or the server's state read: worth retrying
    through an outage (for as long as the row is useful), not counted as an attempt."""
    return problem.startswith("network:") or problem == UNREADABLE


async def set_pinned(client: AsyncClient, room_id: str, event_id: str, *, pin: bool) -> str | None:
    """Pin (or unpin) one event, keeping everyone else's pins; None on success,
    :data:`NO_POWER` where the room does not let the bot, else the reason."""
    create = await _state_event(client, room_id, "m.room.create")
    levels = await _state_event(client, room_id, "m.room.power_levels")
    current = await _state_event(client, room_id, "m.room.pinned_events")
    if _UNKNOWN in (create, levels, current) or create is None:
        return UNREADABLE
    content = (levels or {}).get("content") or {}
    events = content.get("events") if isinstance(content.get("events"), dict) else {}
    try:
        needed = int(events.get("m.room.pinned_events", content.get("state_default", 50)))
    except (TypeError, ValueError):
        needed = 50
    mine = effective_level(user_id=client.user_id, create_event=create, power_levels=content)
    if mine < needed:
        return NO_POWER
    pinned = (current or {}).get("content", {}).get("pinned")
    pinned = [p for p in pinned if isinstance(p, str)] if isinstance(pinned, list) else []
    if pin == (event_id in pinned):
        return None
    pinned = [*pinned, event_id] if pin else [p for p in pinned if p != event_id]
    try:
        resp = await client.room_put_state(room_id, "m.room.pinned_events", {"pinned": pinned})
    except NETWORK_ERRORS as exc:
        return f"network: {type(exc).__name__}"
    return None if getattr(resp, "event_id", None) else error_text(resp)
