"""``!help`` and the friendly answer to anything that is not a known command."""

from __future__ import annotations

from collections.abc import Sequence

from actionbot.commands.registry import CommandSpec, NoMatch, specs_under
from actionbot.render.reply import Reply, Span, bold, code, error_reply, reply


def overview(table: Sequence[CommandSpec], prefix: str) -> Reply:
    lines: list[str | Span | list[str | Span]] = [bold("actionbot commands")]
    for spec in table:
        lines.append(["• ", code(prefix + spec.usage), " — " + spec.summary])
    lines.append(["Send ", code(f"{prefix}help <command>"), " for details and an example."])
    return reply(*lines)


def detail(table: Sequence[CommandSpec], words: Sequence[str], prefix: str) -> Reply:
    specs = specs_under(table, words)
    if not specs:
        asked = " ".join(words)
        return error_reply(
            ["There is no command ", code(prefix + asked), "."],
            ["Send ", code(f"{prefix}help"), " to see all commands."],
        )
    lines: list[str | Span | list[str | Span]] = []
    for spec in specs:
        lines.append([code(prefix + spec.usage)])
        lines.append(spec.summary)
        if spec.details:
            lines.append(spec.details)
        for example in spec.examples:
            lines.append(["Example: ", code(prefix + example)])
    return reply(*lines)


def usage_error(spec: CommandSpec, problem: str, prefix: str) -> Reply:
    """A malformed command: say what was wrong and show the right form."""
    lines: list[str | Span | list[str | Span]] = [
        problem,
        ["Usage: ", code(prefix + spec.usage)],
    ]
    if spec.examples:
        lines.append(["Example: ", code(prefix + spec.examples[0])])
    return error_reply(*lines)


def unknown_command(miss: NoMatch, prefix: str) -> Reply:
    lines: list[str | Span | list[str | Span]] = [
        ["Unknown command ", code(prefix + miss.word), "."]
    ]
    if miss.suggestions:
        lines.append(["Did you mean ", *_join_codes([prefix + s for s in miss.suggestions]), "?"])
    lines.append(["Send ", code(f"{prefix}help"), " to see what I understand."])
    return error_reply(*lines)


def _join_codes(items: Sequence[str]) -> list[Span | str]:
    out: list[Span | str] = []
    for index, item in enumerate(items):
        if index:
            out.append(" or ")
        out.append(code(item))
    return out
