"""A poll the bot posted for a window in a node room.

Recorded beside the outbox message that carries it, so an answer is matched to its window
and node by the poll's event id — never by taking a message key apart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class PollRef:
    window_id: str
    node_id: str
    room_id: str
    event_id: str | None  # None until the poll has been sent
