"""Recognise a command in a message body.

Rule: a message is a command when its first line, after any reply quote, starts with the
configured prefix followed directly by a command word — letters, and dashes inside (``!help``,
``!window``). ``! help``, ``!!``, and a pasted room id such as ``!ikQq3Hn:example.org is
our room`` are not commands, so ordinary chat is never mistaken for one. Only the first
line is the command: later lines (notes, a pasted ``!vote …``) never become part of it.
Words are split on white space; no quoting rules, so no input can make the parser fail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_COMMAND_LENGTH = 2000
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@dataclass(frozen=True, kw_only=True)
class Invocation:
    """The words of the command line, as typed."""

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
    line = (text.splitlines() or [""])[0].strip()  # every kind of line break ends it
    rest = line[len(prefix) :]
    words = rest.split()
    if not words or not _WORD.fullmatch(words[0]) or not rest[0].isalpha():
        return None
    if len(line) > MAX_COMMAND_LENGTH:
        return Invocation(words=(words[0],), too_long=True)
    return Invocation(words=tuple(words))
