"""What a command handler gets to know, and what it gives back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from actionbot.config import Config
from actionbot.core.calendar import Calendar
from actionbot.core.nodes import Node
from actionbot.flows.effects import Notice
from actionbot.flows.runner import Runner
from actionbot.render.catalogs import Voices
from actionbot.render.reply import Reply
from actionbot.render.voice import Voice
from actionbot.store.nodes import NodeStore
from actionbot.store.windows import WindowStore

# Uploads a file for a room; returns m.file content, or an error text.
Uploader = Callable[[bytes, str, str, str], Awaitable["dict[str, Any] | str"]]


@dataclass(frozen=True, kw_only=True)
class CommandContext:
    """The command's circumstances: where, who (as a role, not a name to repeat), when, and
    how the bot speaks in this room."""

    room_id: str
    sender: str
    event_id: str
    now: datetime
    sender_power: Callable[[], Awaitable[int]]  # asked only by commands that need it
    is_coordinator: bool
    prefix: str
    node: Node | None  # this room's node, if it is one
    voice: Voice


@dataclass(frozen=True, kw_only=True)
class Services:
    """Everything handlers may use; built once by the composition root (no globals)."""

    config: Config
    nodes: NodeStore
    windows: WindowStore
    runner: Runner
    calendar: Calendar
    voices: Voices
    upload: Uploader


@dataclass(frozen=True, kw_only=True)
class Outcome:
    reply: Reply
    announcements: tuple[Notice, ...] = ()  # messages for other rooms caused by this command
    files: tuple[dict[str, Any], ...] = ()  # m.file contents, sent after the reply


Handler = Callable[[CommandContext, Services, tuple[str, ...]], Awaitable[Outcome]]
