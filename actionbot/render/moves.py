"""``!window move``: a window moved to another time is a new window that needs a new
decision; what the rooms read about it."""

from __future__ import annotations

from datetime import datetime

from actionbot.core.nodes import Node
from actionbot.core.windows import Window
from actionbot.render.reply import Reply, bold, code, error_reply, reply
from actionbot.render.voice import Voice
from actionbot.render.windows import deadline_line, summary, vote_hint


def moved(
    voice: Voice, *, old: Window, new: Window, target: Node | None, now: datetime, prefix: str
) -> Reply:
    """For every other room (and the acting room's reply): what moved, and that the
    earlier votes no longer count."""
    return reply(
        voice._(
            "Window {old} {title} has moved: it is now window {new}.",
            old=code(old.id),
            title=bold(old.title),
            new=code(new.id),
        ),
        *summary(voice, new, target, now)[1:],
        voice._("It needs a new decision: earlier votes no longer count."),
        deadline_line(voice, new),
        vote_hint(voice, new, prefix),
    )


def poll_moved(voice: Voice, new: Window) -> str:
    return voice.s(
        voice._("This poll is closed: the window has moved and is now window {id}.", id=new.id)
    )


def may_not_move(voice: Voice) -> Reply:
    return error_reply(voice._("Only the window's proposer or a coordinator can move it."))
