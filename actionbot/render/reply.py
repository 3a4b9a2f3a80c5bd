"""Replies as small documents rendered twice: HTML for clients, plain text as fallback.

Handlers build replies from spans; user-supplied text is always escaped in the HTML,
so a node name like ``<b>x</b>`` can never inject markup into another room.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from actionbot.core.shown import shown


@dataclass(frozen=True)
class Span:
    text: str
    style: str = ""  # "", "code", "b" or "i"


def code(text: str) -> Span:
    """Code: often what someone typed, echoed back (an unknown id, a wrong word) — without
    hidden characters, so an echo cannot reorder the room's text (bidi overrides)."""
    return Span(shown(text), "code")


def bold(text: str) -> Span:
    return Span(shown(text), "b")


def italic(text: str) -> Span:
    return Span(shown(text), "i")


Line = tuple[Span, ...]
_BACKTICKS = re.compile("`+")


def _plain(span: Span) -> str:
    if span.style != "code":
        return span.text
    if "`" not in span.text:
        return f"`{span.text}`"
    # Markdown's rule: a fence longer than any run of backticks inside, so a typed
    # backtick cannot close the code early.
    fence = "`" * (max(len(run) for run in _BACKTICKS.findall(span.text)) + 1)
    return f"{fence} {span.text} {fence}"


def _html(span: Span) -> str:
    text = html.escape(span.text, quote=False)
    return f"<{span.style}>{text}</{span.style}>" if span.style else text


@dataclass(frozen=True, kw_only=True)
class Reply:
    """A rendered-on-demand message: a sequence of lines, each a sequence of spans."""

    lines: tuple[Line, ...]
    is_error: bool = False

    def plain(self) -> str:
        return "\n".join("".join(_plain(s) for s in line) for line in self.lines)

    def html(self) -> str:
        return "<br>\n".join("".join(_html(s) for s in line) for line in self.lines)


def _line(item: str | Span | Sequence[str | Span]) -> Line:
    if isinstance(item, str | Span):
        item = [item]
    return tuple(Span(part) if isinstance(part, str) else part for part in item)


def reply(*lines: str | Span | Sequence[str | Span]) -> Reply:
    """Build a reply; each argument is one line (a string, a span or a list of them)."""
    return Reply(lines=tuple(_line(item) for item in lines))


def error_reply(*lines: str | Span | Sequence[str | Span]) -> Reply:
    """Like :func:`reply`, marked as an error (prefixed with a warning sign)."""
    built = [_line(item) for item in lines]
    if built:
        built[0] = (Span("⚠️ "), *built[0])
    return Reply(lines=tuple(built), is_error=True)
