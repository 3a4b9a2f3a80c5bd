"""``!node register``, ``!node`` and ``!nodes``: what nodes read about nodes.

Cross-room output names nodes and servers, never the people who registered them.
"""

from __future__ import annotations

from collections.abc import Sequence

from actionbot.core.nodes import Node, NodeError
from actionbot.render.languages import LANGUAGES
from actionbot.render.reply import Line, Reply, Span, bold, code, error_reply, reply
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


def listing(
    voice: Voice, nodes: Sequence[Node], coordination_room: str | None, prefix: str
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
    for node in nodes:
        line = ("• ", *describe(voice, node))
        if node.room_id == coordination_room:
            line = (*line, *voice._(" (coordination room)"))
        lines.append(line)
    return reply(*lines)


# --- admission ---------------------------------------------------------------------------


def details(voice: Voice, node: Node) -> Line:
    return voice._(
        "{name} ({zone}, {language}, homeserver {server}, id {id})",
        name=bold(node.name),
        zone=node.timezone,
        language=node.language,
        server=node.homeserver,
        id=code(node.id),
    )


def requested(voice: Voice, node: Node) -> Reply:
    """For the room that asked: what happens now."""
    return reply(
        voice._("Request sent: the network's coordinators will decide whether this room joins."),
        describe(voice, node),
        voice._(
            "Until then this room is not part of the network: it receives nothing from it and "
            "is shown nothing about it."
        ),
    )


def asks_to_join(voice: Voice, node: Node, prefix: str) -> Reply:
    """For the coordination room: a room asks to join (names the room, never a person)."""
    return reply(
        voice._("A room asks to join the network: {node}", node=details(voice, node)),
        voice._(
            "Admit: {admit} · Refuse: {refuse}",
            admit=code(f"{prefix}node admit {node.id}"),
            refuse=code(f"{prefix}node refuse {node.id} <reason>"),
        ),
    )


def admitted(voice: Voice, node: Node, prefix: str) -> Reply:
    """For the admitted room, in its language."""
    return reply(
        voice._(
            "Welcome: the network has admitted this room as node {name}.", name=bold(node.name)
        ),
        voice._(
            "It now votes on windows and receives them, with guidelines and reminders. "
            "Start with {command}.",
            command=code(f"{prefix}windows"),
        ),
    )


def refused(voice: Voice, node: Node, reason: str) -> Reply:
    """For the refused room, in its language."""
    lines: list = [
        voice._(
            "The network's coordinators did not admit this room as node {name}.",
            name=bold(node.name),
        )
    ]
    if reason:
        lines.append(voice._("Their reason: {reason}", reason=reason))
    return reply(*lines)


def admission_done(voice: Voice, node: Node, *, admitted: bool, reason: str = "") -> Reply:
    """For the coordination room: the record of a decision (an audit trail)."""
    if admitted:
        return reply(
            voice._(
                "Admitted {node}: it now votes and receives windows.", node=details(voice, node)
            )
        )
    lines: list = [voice._("Refused {node}; its request is deleted.", node=details(voice, node))]
    if reason:
        lines.append(voice._("Reason given: {reason}", reason=reason))
    return reply(*lines)


def only_coordinators_admit(voice: Voice) -> Reply:
    return error_reply(
        voice._(
            "Only coordinators can admit or refuse nodes, from the network's coordination room."
        )
    )


def no_such_request(voice: Voice, word: str, prefix: str) -> Reply:
    return error_reply(
        voice._("No room is waiting to join with the id {id}.", id=code(word)),
        voice._("Pending requests are listed by {command}.", command=code(f"{prefix}nodes")),
    )


def admit_usage(voice: Voice, prefix: str, command: str) -> Reply:
    return error_reply(
        voice._("Which room? Give the id from its request."),
        voice._("Usage: {usage}", usage=code(f"{prefix}{command}")),
    )


def requests_listing(voice: Voice, requests: Sequence[Node]) -> list[Line]:
    """Lines appended to ``!nodes`` in the coordination room."""
    if not requests:
        return []
    heading = voice.ngettext(
        "{count} room waiting to be admitted", "{count} rooms waiting to be admitted", len(requests)
    )
    lines: list[Line] = [(bold(voice.s(heading)),)]
    lines += [(Span("• "), *details(voice, node)) for node in requests]
    return lines


def not_in_network(voice: Voice) -> Reply:
    """For a room outside the network: short and neutral, discloses nothing."""
    return error_reply(voice._("This command works only in the network's rooms."))


def waiting_for_admission(voice: Voice) -> Reply:
    return error_reply(
        voice._(
            "This room's request to join is waiting for the network's coordinators; until "
            "then it cannot see or do anything in the network."
        )
    )


def left(voice: Voice, node: Node, prefix: str) -> Reply:
    """For the room that left, in its language."""
    return reply(
        voice._("Node {name} has left the network.", name=bold(node.name)),
        voice._(
            "Its votes on windows still being decided are withdrawn and its reminders "
            "cancelled. To ask to join again: {command}",
            command=code(f"{prefix}node register <name…>"),
        ),
    )


def removed(voice: Voice, node: Node, reason: str) -> Reply:
    """For the removed room, in its language; the bot leaves the room after this."""
    lines: list = [
        voice._(
            "The network's coordinators removed node {name} from the network.", name=bold(node.name)
        )
    ]
    if reason:
        lines.append(voice._("Their reason: {reason}", reason=reason))
    lines.append(voice._("The bot leaves this room now."))
    return reply(*lines)


def departure_done(voice: Voice, node: Node, *, removed: bool, reason: str = "") -> Reply:
    """For the coordination room: the record (an audit trail)."""
    if removed:
        lines: list = [
            voice._("Removed {node}; its undecided votes are withdrawn.", node=details(voice, node))
        ]
        if reason:
            lines.append(voice._("Reason given: {reason}", reason=reason))
        return reply(*lines)
    return reply(
        voice._(
            "{node} has left the network; its undecided votes are withdrawn.",
            node=details(voice, node),
        )
    )


def no_such_node(voice: Voice, word: str, prefix: str) -> Reply:
    return error_reply(
        voice._("There is no node with the id {id} in the network.", id=code(word)),
        voice._("The nodes are listed by {command}.", command=code(f"{prefix}nodes")),
    )


def only_moderators_leave(voice: Voice, level: int) -> Reply:
    return error_reply(
        voice._(
            "Only room moderators (power level {level} or more) can take this node out of the network.",
            level=level,
        )
    )
