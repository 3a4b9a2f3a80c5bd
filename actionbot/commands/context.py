"""What a command handler gets to know, and what it gives back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Generic, TypeVar

from actionbot.config import Config
from actionbot.core.calendar import Calendar
from actionbot.core.changes import Change, MarkHandled
from actionbot.core.keys import MessageKey, MessageKind
from actionbot.core.nodes import Node
from actionbot.flows.effects import Effects, FileMessage, Message, Notice, Response
from actionbot.flows.runner import Runner
from actionbot.gestures import Library
from actionbot.matrix.media import FetchedFile, FetchProblem
from actionbot.photos.ingest import ReportIngest
from actionbot.render.catalogs import Voices
from actionbot.render.reply import Reply
from actionbot.render.voice import Voice
from actionbot.store.nodes import NodeStore
from actionbot.store.windows import WindowStore

# Uploads a file for a room; returns m.file content, or an error text.
Uploader = Callable[[bytes, str, str, str], Awaitable["dict[str, Any] | str"]]
# The file a message refers to (room, event id, at most so many bytes), in memory only.
FileFetcher = Callable[..., Awaitable["FetchedFile | FetchProblem"]]
# A room's joined members with power ≥ a level; None if the server could not tell.
Moderators = Callable[[str, int], Awaitable["tuple[str, ...] | None"]]


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
    reply_to: str | None = None  # the event this command answers (or its own file)
    # After this, an answer that only shows something (a listing, an error) and still waits
    # (an outage) is not sent: no one waits for it. Answers to things done always go.
    reply_until: datetime | None = None


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
    moderators: Moderators
    gestures: Library
    fetch_file: FileFetcher
    ingest: ReportIngest


@dataclass(frozen=True, kw_only=True)
class Outcome:
    reply: Reply
    announcements: tuple[Notice, ...] = ()  # messages for other rooms caused by this command
    files: tuple[dict[str, Any], ...] = ()  # m.file contents, sent after the reply
    # Already stored, with the handled mark, in the transaction of the flow it answers.
    recorded: bool = False
    changes: tuple[Change, ...] = ()  # stored with the answer (bookkeeping it needs)


def answer_messages(
    outcome: Outcome,
    room_id: str,
    event_id: str,
    sender: str,
    useful_until: datetime | None = None,
) -> list[Message]:
    """The reply (to the command, mentioning its sender), its files, and any news for
    other rooms."""
    messages: list[Message] = [
        Notice(
            key=MessageKey(kind=MessageKind.REPLY, event=event_id),
            room_id=room_id,
            reply=outcome.reply,
            in_reply_to=event_id,
            mention=sender,
            useful_until=useful_until,
        )
    ]
    messages += [
        FileMessage(
            key=MessageKey(kind=MessageKind.FILE, event=event_id, index=index),
            room_id=room_id,
            content=content,
            in_reply_to=event_id,
        )
        for index, content in enumerate(outcome.files)
    ]
    messages += outcome.announcements
    return messages


R = TypeVar("R")


class Answer(Generic[R]):
    """A command's answer built from the result of the flow it ran, inside the runner, so
    that it is stored in the flow's own transaction (see :class:`Response`).

    Use: ``answer = Answer(ctx, build)``; pass ``answer.response`` to the runner; then
    ``answer.outcome()`` is the stored answer, or None if the caller must answer itself.
    """

    def __init__(self, ctx: CommandContext, build: Callable[[R], Outcome]) -> None:
        self._ctx = ctx
        self._build = build
        self._built: Outcome | None = None
        self.response: Response[R] = Response(self._effects)

    def _effects(self, result: R) -> Effects:
        ctx = self._ctx
        self._built = self._build(result)
        return Effects(
            changes=(
                MarkHandled(event_id=ctx.event_id, room_id=ctx.room_id),
                *self._built.changes,
            ),
            # The answer to something done (a vote, a proposal) says it was done: it is
            # worth sending late, or the person does it again (a second window, second
            # review). Only answers that just show something expire with the command.
            messages=tuple(answer_messages(self._built, ctx.room_id, ctx.event_id, ctx.sender)),
        )

    def outcome(self) -> Outcome | None:
        if not self.response.applied or self._built is None:
            return None
        return replace(self._built, recorded=True)


Handler = Callable[[CommandContext, Services, tuple[str, ...]], Awaitable[Outcome]]
