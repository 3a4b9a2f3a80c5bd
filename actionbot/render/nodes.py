"""``!node register``, ``!node`` and ``!nodes``: what nodes read about nodes.

Cross-room output names nodes and servers, never the people who registered them.
"""

from __future__ import annotations

from collections.abc import Sequence

from actionbot.core.nodes import Node, NodeError
from actionbot.render.languages import LANGUAGES
from actionbot.render.pages import Page, next_page, no_such_page, page_of
from actionbot.render.reply import Line, Reply, bold, code, error_reply, reply
from actionbot.render.voice import Voice

REGISTER_USAGE = "node register <name…> [tz=<zone or city>] [lang=<code>]"
REGISTER_EXAMPLE = "node register Kyiv Collective tz=Europe/Kyiv lang=uk"


def language_list() -> str:
    return ", ".join(f"{code_} ({name})" for code_, (_locale, name) in LANGUAGES.items())


def describe(voice: Voice, node: Node) -> Line:
    return voice._(
        "{name} — time zone {zone}, language {language}, homeserver {server}, id {id}",
        name=bold(node.name),
        zone=node.timezone,
        language=node.language,
        server=node.homeserver,
        id=code(node.id),
    )


def registered(voice: Voice, node: Node, *, updated: bool) -> Reply:
    if updated:
        head = voice._("Updated this node:")
    else:
        head = voice._("This room is now a node of the network:")
    return reply(
        head,
        describe(voice, node),
        voice._(
            "It will receive action windows, gesture guidelines and reminders in this time "
            "zone and language."
        ),
    )


def announced(voice: Voice, node: Node, *, updated: bool) -> Reply:
    """For the coordination room."""
    if updated:
        return reply(
            voice._(
                "Node {name} updated its details ({zone}, {language}).",
                name=bold(node.name),
                zone=node.timezone,
                language=node.language,
            )
        )
    return reply(
        voice._(
            "Node {name} joined the network ({zone}, {language}).",
            name=bold(node.name),
            zone=node.timezone,
            language=node.language,
        )
    )


def only_moderators(voice: Voice, level: int) -> Reply:
    return error_reply(
        voice._(
            "Only room moderators (power level {level} or more) or network coordinators can "
            "register this room as a node.",
            level=level,
        ),
        voice._("Ask a moderator of this room to send the command."),
    )


def name_taken(voice: Voice, name: str) -> Reply:
    return error_reply(
        voice._("Another room already uses the node name {name}.", name=bold(name)),
        voice._("Node names are unique across the network; please pick another."),
    )


def field_error(voice: Voice, error: NodeError) -> Line:
    if error.reason == "empty":
        return voice._("The node needs a name, e.g. Kyiv Collective.")
    if error.reason == "too-long":
        return voice._("The name is longer than {max} characters.", max=error.value)
    if error.reason == "control":
        return voice._("The name contains control characters.")
    if error.reason == "character":
        return voice._(
            "A node name can hold letters, digits, spaces and - _ ' . ( ) & / # +, "
            "but not “{char}”.",
            char=error.value,
        )
    return voice._(
        "“{word}” is not a time zone I know: use a zone such as Europe/Kyiv or "
        "America/Sao_Paulo, a city such as kyiv or sao_paulo, or UTC.",
        word=error.value,
    )


def option_twice(voice: Voice, option: str) -> Line:
    return voice._("{option}= is given twice.", option=code(option))


def option_empty(voice: Voice, option: str) -> Line:
    return voice._("{option}= needs a value.", option=code(option))


def unknown_option(voice: Voice, option: str) -> Line:
    return voice._("Unknown option {option}=; the options are tz= and lang=.", option=code(option))


def unknown_language(voice: Voice, word: str) -> Line:
    return voice._(
        "I don't speak “{word}” yet. Languages: {languages}.",
        word=word,
        languages=language_list(),
    )


def register_usage(voice: Voice, problem: Line, prefix: str) -> Reply:
    return error_reply(
        problem,
        voice._("Usage: {usage}", usage=code(prefix + REGISTER_USAGE)),
        voice._("Example: {command}", command=code(prefix + REGISTER_EXAMPLE)),
    )


def node_takes_no_arguments(voice: Voice, prefix: str) -> Reply:
    return error_reply(
        voice._("{command} takes no arguments.", command=code(f"{prefix}node")),
        voice._("To register this room: {command}", command=code(f"{prefix}node register <name…>")),
    )


def not_a_node_yet(voice: Voice, prefix: str) -> Reply:
    return reply(
        voice._("This room is not a node yet."),
        voice._(
            "A moderator can register it with {command}.",
            command=code(f"{prefix}node register <name…> tz=<zone> lang=<code>"),
        ),
    )


def this_node(voice: Voice, node: Node, *, coordination: bool) -> Reply:
    lines: list = [voice._("This room is the node:"), describe(voice, node)]
    if coordination:
        lines.append(voice._("This is also the network's coordination room."))
    return reply(*lines)


NODES_PER_PAGE = 50  # ≈220 bytes a node with its HTML: far below the 64 KiB event limit


def listing(
    voice: Voice,
    nodes: Sequence[Node],
    coordination_room: str | None,
    prefix: str,
    number: int = 1,
) -> Reply:
    if not nodes:
        return reply(
            voice._("No nodes are registered yet."),
            voice._(
                "Register a room with {command}.", command=code(f"{prefix}node register <name…>")
            ),
        )
    lines: list = [
        bold(
            voice.s(
                voice.ngettext(
                    "{count} node in the network", "{count} nodes in the network", len(nodes)
                )
            )
        )
    ]
    page = page_of(nodes, number, NODES_PER_PAGE)
    if not isinstance(page, Page):
        return no_such_page(voice, page, f"{prefix}nodes")
    for node in page.items:
        line = ("• ", *describe(voice, node))
        if node.room_id == coordination_room:
            line = (*line, *voice._(" (coordination room)"))
        lines.append(line)
    if not page.last:
        lines.append(next_page(voice, page, f"{prefix}nodes"))
    return reply(*lines)
