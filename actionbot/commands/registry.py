"""The command table and how a list of words finds its entry.

Rule: the longest command path that prefixes the words wins (``node register`` before
``node``); the remaining words are the arguments. Command words match case-insensitively.
A first word that only starts longer commands (``window``) is a *group*: alone, or with a
word it does not know, it answers with what the group can do.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from actionbot.commands.context import Handler


@dataclass(frozen=True, kw_only=True)
class CommandSpec:
    path: tuple[str, ...]
    handler: Handler

    @property
    def name(self) -> str:
        return " ".join(self.path)


@dataclass(frozen=True, kw_only=True)
class Match:
    spec: CommandSpec
    args: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Group:
    """A group word without a known sub-command; ``typed`` is the word that followed."""

    word: str
    typed: str
    paths: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, kw_only=True)
class NoMatch:
    word: str  # as typed
    suggestions: tuple[str, ...]


def find(table: Sequence[CommandSpec], words: Sequence[str]) -> Match | Group | NoMatch:
    lowered = [w.lower() for w in words]
    best: CommandSpec | None = None
    for spec in table:
        n = len(spec.path)
        if tuple(lowered[:n]) == spec.path and (best is None or n > len(best.path)):
            best = spec
    if best is not None:
        return Match(spec=best, args=tuple(words[len(best.path) :]))
    first = lowered[0] if lowered else ""
    group = tuple(s.path for s in table if len(s.path) > 1 and s.path[0] == first)
    if group:
        return Group(word=first, typed=" ".join(words[1:2]), paths=group)
    names = sorted({spec.path[0] for spec in table})
    return NoMatch(
        word=words[0] if words else "",
        suggestions=tuple(difflib.get_close_matches(first, names, n=2)),
    )


def specs_under(table: Sequence[CommandSpec], words: Sequence[str]) -> list[CommandSpec]:
    """Entries whose path starts with ``words`` (for ``!help node``)."""
    lowered = tuple(w.lower() for w in words)
    return [s for s in table if s.path[: len(lowered)] == lowered]
