"""Joining and leaving the network: requests, admissions, refusals, departures — what the
room concerned and the coordination room read (rooms by node name, never who asked)."""

from __future__ import annotations

from collections.abc import Sequence

from actionbot.core.nodes import Node
from actionbot.render.nodes import describe
from actionbot.render.reply import Line, Reply, Span, bold, code, error_reply, reply
from actionbot.render.voice import Voice


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


def too_many_waiting(voice: Voice) -> Reply:
    return error_reply(
        voice._(
            "Many rooms are already waiting for the coordinators to decide whether they join. "
            "Please ask again in a day or two."
        )
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
            "Only coordinators can admit, refuse or remove nodes, from the network's coordination room."
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


def coordinators(
    voice: Voice, configured: Sequence[str], moderators: Sequence[str] | None, level: int
) -> Reply:
    """For the coordination room only (it names people, by the ids they show there)."""
    lines: list = [bold(voice.s(voice._("Coordinators of the network")))]
    lines.append(
        voice._("Named in the bot's configuration: {users}", users=", ".join(configured) or "—")
    )
    if moderators is None:
        lines.append(voice._("Moderators of this room: the server could not tell me right now."))
    else:
        lines.append(
            voice._(
                "Moderators of this room (power level {level} or more): {users}",
                level=level,
                users=", ".join(moderators) or "—",
            )
        )
    return reply(*lines)


def coordinators_only_there(voice: Voice) -> Reply:
    return error_reply(voice._("This command works only in the network's coordination room."))


def expired(voice: Voice, node: Node) -> Reply:
    """For a room whose request nobody decided on in time; the bot leaves after this."""
    return reply(
        voice._(
            "Nobody decided on this room's request to join as node {name}, so it has lapsed.",
            name=bold(node.name),
        ),
        voice._("The bot leaves this room now. To ask again, invite it back."),
    )


def expired_audit(voice: Voice, node: Node) -> Reply:
    return reply(
        voice._(
            "The request of {node} lapsed undecided; the bot left that room.",
            node=details(voice, node),
        )
    )


def invite_me(voice: Voice, node: Node) -> Reply:
    """For a node's old room after an upgrade the bot could not follow on its own."""
    return reply(
        voice._(
            "The room of node {name} has been upgraded, and the new room is invite-only. "
            "Ask its members to invite me there: the node continues in it, with its windows "
            "and reminders.",
            name=bold(node.name),
        )
    )


def continues_here(voice: Voice, node: Node, prefix: str) -> Reply:
    return reply(
        voice._(
            "Node {name} continues in this room (the upgrade of its old room): its windows, "
            "votes and reminders come here now.",
            name=bold(node.name),
        ),
        voice._("Check with {command}.", command=code(f"{prefix}node")),
    )
