"""``!node register``, ``!node`` and ``!nodes``: rooms joining the network.

Cross-room output (``!nodes``, the coordination-room announcement) names nodes and
servers, never the people who registered them.
"""

from __future__ import annotations

from dataclasses import dataclass

from actionbot.commands.context import (
    Announcement,
    CommandContext,
    Outcome,
    Services,
)
from actionbot.render.reply import Reply, Span, bold, code, error_reply, reply
from actionbot.core.ids import new_id
from actionbot.core.nodes import (
    Node,
    NodeError,
    may_register,
    validate_language,
    validate_name,
    validate_timezone,
)
from actionbot.core.servers import server_of
from actionbot.store.nodes import NameTaken

OPTIONS = ("tz", "lang")


@dataclass(frozen=True, kw_only=True)
class RegisterRequest:
    name: str
    timezone: str | None
    language: str | None


@dataclass(frozen=True, kw_only=True)
class ParseError:
    message: str


def parse_register(args: tuple[str, ...]) -> RegisterRequest | ParseError:
    """``<name…> [tz=<zone>] [lang=<code>]`` in any order; the other words form the name."""
    name_words: list[str] = []
    options: dict[str, str] = {}
    for word in args:
        key, sep, value = word.partition("=")
        if sep and key.lower() in OPTIONS:
            if key.lower() in options:
                return ParseError(message=f"`{key.lower()}=` is given twice")
            if not value:
                return ParseError(message=f"`{key.lower()}=` needs a value")
            options[key.lower()] = value
        elif sep and key.isalpha():
            return ParseError(message=f"unknown option `{key}=`; the options are tz= and lang=")
        else:
            name_words.append(word)
    name = validate_name(" ".join(name_words))
    if isinstance(name, NodeError):
        return ParseError(message=name.message)
    tz = validate_timezone(options["tz"]) if "tz" in options else None
    if isinstance(tz, NodeError):
        return ParseError(message=tz.message)
    lang = validate_language(options["lang"]) if "lang" in options else None
    if isinstance(lang, NodeError):
        return ParseError(message=lang.message)
    return RegisterRequest(name=name, timezone=tz, language=lang)


def describe(node: Node) -> list[str | Span]:
    return [
        bold(node.name),
        f" — time zone {node.timezone}, language {node.language}, "
        f"homeserver {node.homeserver}, id ",
        code(node.id),
    ]


async def register(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    config = services.config
    # Guard: only moderators or coordinators may commit a room to the network.
    if not may_register(
        power_level=await ctx.sender_power(),
        min_power_level=config.register_min_power_level,
        is_coordinator=ctx.is_coordinator,
    ):
        return Outcome(
            reply=error_reply(
                "Only room moderators (power level "
                f"{config.register_min_power_level} or more) or network coordinators can "
                "register this room as a node.",
                "Ask a moderator of this room to send the command.",
            )
        )
    request = parse_register(args)
    if isinstance(request, ParseError):
        return Outcome(reply=_usage(ctx, request.message))

    existing = await services.nodes.by_room(ctx.room_id)
    node_id = existing.id if existing else await _fresh_node_id(services)
    candidate = Node(
        id=node_id,
        room_id=ctx.room_id,
        name=request.name,
        timezone=request.timezone or (existing.timezone if existing else config.default_timezone),
        language=request.language or (existing.language if existing else config.default_language),
        homeserver=existing.homeserver if existing else server_of(ctx.sender),
        registered_at=existing.registered_at if existing else ctx.now,
    )
    stored = await services.nodes.register(candidate)
    if isinstance(stored, NameTaken):
        return Outcome(
            reply=error_reply(
                ["Another room already uses the node name ", bold(stored.name), "."],
                "Node names are unique across the network; please pick another.",
            )
        )
    moved = existing is not None and existing.timezone != stored.timezone
    if services.coordinator is not None and (existing is None or moved):
        await services.coordinator.node_changed(stored)
    verb = "Updated this node:" if existing else "This room is now a node of the network:"
    answer = reply(
        verb,
        describe(stored),
        "It will receive action windows, gesture guidelines and reminders in this time zone.",
    )
    announcements: tuple[Announcement, ...] = ()
    room = config.coordination_room
    if room and room != ctx.room_id:
        what = "updated its details" if existing else "joined the network"
        announcements = (
            Announcement(
                key=f"announce:{ctx.event_id}",
                room_id=room,
                reply=reply(
                    ["Node ", bold(stored.name), f" {what} ({stored.timezone}, {stored.language})."]
                ),
            ),
        )
    return Outcome(reply=answer, announcements=announcements)


async def _fresh_node_id(services: Services) -> str:
    while True:
        candidate = new_id()
        if not await services.nodes.id_exists(candidate):
            return candidate


def _usage(ctx: CommandContext, problem: str) -> Reply:
    return error_reply(
        f"I couldn't register this room: {problem}.",
        ["Usage: ", code(f"{ctx.prefix}node register <name…> [tz=<IANA zone>] [lang=<code>]")],
        ["Example: ", code(f"{ctx.prefix}node register Kyiv Collective tz=Europe/Kyiv lang=uk")],
    )


async def show(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    if args:
        return Outcome(
            reply=error_reply(
                ["", code(f"{ctx.prefix}node"), " takes no arguments."],
                ["To register this room: ", code(f"{ctx.prefix}node register <name…>")],
            )
        )
    node = await services.nodes.by_room(ctx.room_id)
    if node is None:
        return Outcome(
            reply=reply(
                "This room is not a node yet.",
                [
                    "A moderator can register it with ",
                    code(f"{ctx.prefix}node register <name…> tz=<zone> lang=<code>"),
                    ".",
                ],
            )
        )
    lines: list[str | Span | list[str | Span]] = [["This room is the node "], describe(node)]
    if services.config.coordination_room == ctx.room_id:
        lines.append("This is also the network's coordination room.")
    return Outcome(reply=reply(*lines))


async def list_all(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    if args:
        return Outcome(reply=error_reply(["", code(f"{ctx.prefix}nodes"), " takes no arguments."]))
    nodes = await services.nodes.all()
    if not nodes:
        return Outcome(
            reply=reply(
                "No nodes are registered yet.",
                ["Register a room with ", code(f"{ctx.prefix}node register <name…>"), "."],
            )
        )
    lines: list[str | Span | list[str | Span]] = [
        bold(f"{len(nodes)} node{'s' if len(nodes) != 1 else ''} in the network")
    ]
    for node in nodes:
        marker = " (coordination room)" if node.room_id == services.config.coordination_room else ""
        lines.append(["• ", *describe(node), marker])
    return Outcome(reply=reply(*lines))
