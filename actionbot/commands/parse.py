"""Recognise a command in a message body.

Rule: a message is a command when its first line, after any reply quote, starts with
the configured prefix followed directly by a word (``!help``; ``! help`` and ``!!`` are
not commands, so ordinary chat is never mistaken for one). Words are split on white
space; no quoting rules, so no input can make the parser fail.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_COMMAND_LENGTH = 2000


@dataclass(frozen=True, kw_only=True)
class Invocation:
    """The words of a command, lower-cased command words kept apart from arguments later."""

    words: tuple[str, ...]
    too_long: bool = False


def strip_reply_fallback(body: str) -> str:
    """Drop the ``> quoted`` lines older clients prepend to replies."""
    lines = body.split("\n")
    if lines and lines[0].startswith("> "):
        while lines and lines[0].startswith(">"):
            lines.pop(0)
        while lines and not lines[0].strip():
            lines.pop(0)
    return "\n".join(lines)


def parse_invocation(body: str, prefix: str) -> Invocation | None:
    """Return the command's words, or None if the message is not a command."""
    text = strip_reply_fallback(body).strip()
    if not text.startswith(prefix):
        return None
    rest = text[len(prefix) :]
    if not rest or not (rest[0].isalpha()):
        return None
    if len(text) > MAX_COMMAND_LENGTH:
        return Invocation(words=(rest.split(maxsplit=1)[0],), too_long=True)
    return Invocation(words=tuple(rest.split()))
