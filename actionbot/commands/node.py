"""``!node register``, ``!node`` and ``!nodes``: rooms joining the network.

Cross-room output (``!nodes``, the coordination-room announcement) names nodes and
servers, never the people who registered them.
"""

from __future__ import annotations

from dataclasses import dataclass

from actionbot.commands.context import Answer, CommandContext, Outcome, Services
from actionbot.core.changes import RecordRequestNotice
from actionbot.core.ids import new_id
from actionbot.core.keys import MessageKey, MessageKind
from actionbot.core.nodes import (
    Node,
    NodeError,
    Standing,
    may_register,
    validate_name,
    validate_timezone,
)
from actionbot.core.servers import server_of
from actionbot.core.zones import longest_zone
from actionbot.flows.effects import Notice
from actionbot.render import admission as admission_text
from actionbot.render import nodes as text
from actionbot.render.languages import normalise_language
from actionbot.render.pages import no_such_page, page_number
from actionbot.render.reply import Line, Reply
from actionbot.render.voice import Voice
from actionbot.store.nodes import NameTaken

OPTIONS = ("tz", "lang")
# Each request puts a notice in the coordination room (and, with admission by vote, a poll
# in every node room); anyone can make rooms and invite the bot, so waiting requests are
# capped network-wide until the coordinators decide some (review).
MAX_WAITING_REQUESTS = 10


@dataclass(frozen=True, kw_only=True)
class RegisterRequest:
    name: str
    timezone: str | None
    language: str | None


def parse_register(voice: Voice, args: tuple[str, ...]) -> RegisterRequest | Line:
    """``<name…> [tz=<zone or city>] [lang=<code>]`` in any order; the other words form the
    name. A city may take several words (``tz=sao paulo``)."""
    name_words: list[str] = []
    options: dict[str, str] = {}
    words = list(args)
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        key, sep, value = word.partition("=")
        option = key.lower()
        if not (sep and option in OPTIONS):
            if sep and key.isalpha():
                return text.unknown_option(voice, key)
            name_words.append(word)
            continue
        if option in options:
            return text.option_twice(voice, option)
        if not value:
            return text.option_empty(voice, option)
        if option == "tz":
            found = longest_zone([value, *words[index:]], 0)
            if found is not None and found[1] > 1:
                value = " ".join([value, *words[index : index + found[1] - 1]])
                index += found[1] - 1
        options[option] = value
    name = validate_name(" ".join(name_words))
    if isinstance(name, NodeError):
        return text.field_error(voice, name)
    tz = validate_timezone(options["tz"]) if "tz" in options else None
    if isinstance(tz, NodeError):
        return text.field_error(voice, tz)
    lang = None
    if "lang" in options:
        lang = normalise_language(options["lang"])
        if lang is None:
            return text.unknown_language(voice, options["lang"])
    return RegisterRequest(name=name, timezone=tz, language=lang)


async def register(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    config = services.config
    # Guard: only moderators or coordinators may commit a room to the network.
    if not may_register(
        power_level=await ctx.sender_power(),
        min_power_level=config.register_min_power_level,
        is_coordinator=ctx.is_coordinator,
    ):
        return Outcome(reply=text.only_moderators(ctx.voice, config.register_min_power_level))
    request = parse_register(ctx.voice, args)
    if not isinstance(request, RegisterRequest):
        return Outcome(reply=text.register_usage(ctx.voice, request, ctx.prefix))
    existing = ctx.node
    coordination = config.coordination_room
    # A room joins by request, unless the network admits every room or this is the
    # coordinators' own room; an admitted node that updates its details stays admitted.
    joins = (
        (existing is not None and existing.admitted)
        or config.admission == "open"
        or ctx.room_id == coordination
    )
    candidate = Node(
        id=existing.id if existing else await _fresh_node_id(services),
        room_id=ctx.room_id,
        name=request.name,
        timezone=request.timezone or (existing.timezone if existing else config.default_timezone),
        language=request.language or (existing.language if existing else config.default_language),
        homeserver=existing.homeserver if existing else server_of(ctx.sender),
        registered_at=existing.registered_at if existing else ctx.now,
        standing=Standing.ADMITTED if joins else Standing.REQUESTED,
        requested_at=None
        if joins
        else (
            existing.requested_at
            if existing is not None and existing.standing is Standing.REQUESTED
            else ctx.now
        ),
    )
    new_request = not joins and (existing is None or existing.standing is not Standing.REQUESTED)
    if new_request and len(await services.nodes.requests()) >= MAX_WAITING_REQUESTS:
        return Outcome(reply=admission_text.too_many_waiting(ctx.voice))
    coordination_voice = services.voices.of(
        await services.nodes.by_room(coordination) if coordination else None
    )

    def build(stored: Node) -> Outcome:
        # The answer comes in the node's (possibly new) language.
        voice = services.voices.of(stored)
        if stored.admitted:
            answer = text.registered(voice, stored, updated=existing is not None)
            news = text.announced(coordination_voice, stored, updated=existing is not None)
        else:
            answer = admission_text.requested(voice, stored)
            news = admission_text.asks_to_join(coordination_voice, stored, ctx.prefix)
        if not coordination or coordination == ctx.room_id:
            return Outcome(reply=answer)
        notice = Notice(
            key=MessageKey(kind=MessageKind.ANNOUNCE, event=ctx.event_id),
            room_id=coordination,
            reply=news,
            # Ten quick renames make one notice with the last details.
            coalesce=f"node:{stored.id}" if stored.admitted and existing is not None else None,
        )
        # A ✅ or ❌ reaction to the request's notice admits or refuses it.
        record = RecordRequestNotice(message_key=notice.key, node_id=stored.id)
        changes = () if stored.admitted else (record,)
        return Outcome(reply=answer, announcements=(notice,), changes=changes)

    answer = Answer(ctx, build)
    stored = await services.runner.register(candidate, response=answer.response)
    if isinstance(stored, NameTaken):
        return Outcome(reply=text.name_taken(ctx.voice, stored.name))
    return answer.outcome() or build(stored)


async def _fresh_node_id(services: Services) -> str:
    while True:
        candidate = new_id()
        if not await services.nodes.id_exists(candidate):
            return candidate


async def show(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    if args:
        return Outcome(reply=text.node_takes_no_arguments(ctx.voice, ctx.prefix))
    if ctx.node is None:
        return Outcome(reply=text.not_a_node_yet(ctx.voice, ctx.prefix))
    if not ctx.node.admitted:
        return Outcome(reply=admission_text.waiting_for_admission(ctx.voice))
    coordination = services.config.coordination_room == ctx.room_id
    return Outcome(reply=text.this_node(ctx.voice, ctx.node, coordination=coordination))


async def list_all(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    number = page_number(args)
    nodes = await services.nodes.all()
    if number == 0:  # `!nodes please`: say which pages there are
        pages = max(1, -(-len(nodes) // text.NODES_PER_PAGE))
        return Outcome(reply=no_such_page(ctx.voice, pages, f"{ctx.prefix}nodes"))
    listing = text.listing(ctx.voice, nodes, services.config.coordination_room, ctx.prefix, number)
    if ctx.room_id == services.config.coordination_room:
        waiting = admission_text.requests_listing(ctx.voice, await services.nodes.requests())
        listing = Reply(lines=listing.lines + tuple(waiting))
    return Outcome(reply=listing)
