"""What a command handler gets to know, and what it gives back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from actionbot.render.reply import Reply
from actionbot.config import Config
from actionbot.store.nodes import NodeStore

if TYPE_CHECKING:
    from actionbot.coordination import Coordinator
    from actionbot.store.windows import WindowStore

# Uploads a file for a room; returns m.file content, or an error text.
Uploader = Callable[[bytes, str, str, str], Awaitable["dict[str, Any] | str"]]


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
    windows: WindowStore | None = None
    coordinator: Coordinator | None = None
    upload: Uploader | None = None


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
    files: tuple[dict[str, Any], ...] = ()  # m.file contents, sent after the reply


Handler = Callable[[CommandContext, Services, tuple[str, ...]], Awaitable[Outcome]]
