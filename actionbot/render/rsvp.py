"""Who takes part: answers to ``!join`` / ``!leave`` and the counts ``!window show`` adds.
Counts only, by node: no name leaves a node room."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from actionbot.core.nodes import Node
from actionbot.core.windows import Window
from actionbot.render.reply import Line, Reply, bold, code, error_reply, reply
from actionbot.render.voice import Voice


def not_here(voice: Voice, prefix: str) -> Reply:
    return error_reply(voice._("Taking part is counted in admitted node rooms, per node."))


def usage(voice: Voice, prefix: str, command: str) -> Reply:
    lines = [
        voice._("Which window? Write its id."),
        voice._("Usage: {usage}", usage=code(f"{prefix}{command} <window-id>")),
        voice._("Upcoming windows: {command}", command=code(f"{prefix}windows")),
    ]
    if command == "leave":  # someone who meant the node, not a window
        lines.append(
            voice._(
                "To take this node out of the network (its moderators): {command}",
                command=code(f"{prefix}node leave"),
            )
        )
    return error_reply(*lines)


def not_open(voice: Voice, window: Window, prefix: str) -> Reply:
    return error_reply(
        voice._(
            "Window {id} is not approved and upcoming here, so nobody can sign up for it.",
            id=code(window.id),
        ),
        voice._("Upcoming windows: {command}", command=code(f"{prefix}windows")),
    )


def counted(voice: Voice, window: Window, count: int, *, joined: bool) -> Reply:
    first = (
        voice._("Counted: you take part in {title}.", title=bold(window.title))
        if joined
        else voice._("Noted: you are not counted for {title}.", title=bold(window.title))
    )
    return reply(
        first,
        voice.ngettext(
            "{count} person from this node takes part so far.",
            "{count} people from this node take part so far.",
            count,
        ),
    )


def participation(
    voice: Voice,
    *,
    node: Node | None,
    nodes: Sequence[Node],
    counts: Mapping[str, int],
    adaptation: str | None,
    by_node: bool,
) -> list[Line | str]:
    """Lines for ``!window show``: this node's count and adaptation; in the coordination
    room, the counts of every node (by node name, never by person)."""
    lines: list[Line | str] = []
    if node is not None and node.admitted:
        lines.append(
            voice.ngettext(
                "Taking part from this node: {count} person.",
                "Taking part from this node: {count} people.",
                counts.get(node.id, 0),
            )
        )
        if adaptation:
            lines.append(voice._("This node's adaptation: {text}", text=adaptation))
    if by_node and counts:
        shown = ", ".join(
            f"{n.name} {counts[n.id]}"
            for n in sorted(nodes, key=lambda n: n.name)
            if n.id in counts
        )
        lines.append(voice._("Taking part, by node: {counts}", counts=shown))
    return lines
