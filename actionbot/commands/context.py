"""What a command handler gets to know, and what it gives back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from actionbot.commands.reply import Reply
from actionbot.config import Config
from actionbot.store.nodes import NodeStore


@dataclass(frozen=True, kw_only=True)
class CommandContext:
    """The command's circumstances: where, who (as a role, not a name to repeat), when."""

    room_id: str
    sender: str
    event_id: str
    now: datetime
    sender_power: Callable[[], Awaitable[int]]  # asked only by commands that need it
    is_coordinator: bool
    prefix: str


@dataclass(frozen=True, kw_only=True)
class Services:
    """Everything handlers may use; built once by the app and passed in (no globals)."""

    config: Config
    nodes: NodeStore


@dataclass(frozen=True, kw_only=True)
class Announcement:
    """A message for another room caused by this command (e.g. the coordination room)."""

    key: str
    room_id: str
    reply: Reply


@dataclass(frozen=True, kw_only=True)
class Outcome:
    reply: Reply
    announcements: tuple[Announcement, ...] = ()


Handler = Callable[[CommandContext, Services, tuple[str, ...]], Awaitable[Outcome]]
