"""Decompression: the invitation after a window, ``!rest``, and the node's settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from actionbot.core.reports import NodeSettings
from actionbot.core.windows import Window
from actionbot.render.reply import Reply, bold, code, error_reply, reply
from actionbot.render.voice import Voice


def invitation(voice: Voice, window: Window, when: datetime) -> Reply:
    return reply(
        voice._("{title} is over. Thank you, all of you.", title=bold(window.title)),
        voice._(
            "Rest is part of the work. If you can, meet on {when} — no agenda, nothing to "
            "prepare: tea, a walk, how everyone is. Come if it does you good; stay home if "
            "that does.",
            when=voice.moment(when),
        ),
    )


def listing(voice: Voice, upcoming: Sequence[tuple[Window, datetime]]) -> Reply:
    if not upcoming:
        return reply(voice._("No decompression gathering is coming up for this node."))
    lines: list = [voice._("Coming up, to rest together:")]
    lines += [
        voice._("• {when}: after {title}", when=voice.moment(when), title=bold(window.title))
        for window, when in upcoming
    ]
    return reply(*lines)


def settings(voice: Voice, current: NodeSettings, prefix: str) -> Reply:
    return reply(
        voice._(
            "This node: faces blurred in photos: {blur}; photos {consent} by default; rest "
            "after a window: {rest}.",
            blur=code("on" if current.blur else "off"),
            consent=code(current.consent),
            rest=code(current.rest),
        ),
        voice._(
            "Change: {command}",
            command=code(f"{prefix}node settings blur=on consent=network rest=2d 19:00"),
        ),
    )


def settings_error(voice: Voice, word: str, prefix: str) -> Reply:
    return error_reply(
        voice._("I cannot read “{word}”.", word=word),
        voice._(
            "Settings: {blur}, {consent}, {rest} (days after, local time) or {off}.",
            blur=code("blur=on|off"),
            consent=code("consent=network|public"),
            rest=code("rest=2d 19:00"),
            off=code("rest=off"),
        ),
        voice._("Example: {command}", command=code(f"{prefix}node settings blur=on rest=1d 18:30")),
    )


def only_moderators(voice: Voice) -> Reply:
    return error_reply(voice._("Only this node room's moderators can change its settings."))
