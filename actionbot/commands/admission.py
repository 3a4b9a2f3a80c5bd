"""``!node admit|refuse|leave|remove`` and ``!coordinators``: who is in the network.

Coordinators (the configured ones, and moderators of the coordination room) decide from the
coordination room, where the others see it: every decision there is an audit trail.
"""

from __future__ import annotations

from actionbot.commands.context import Answer, CommandContext, Outcome, Services
from actionbot.core.decisions import read_vote
from actionbot.core.ids import normalise_id
from actionbot.core.keys import MessageKey, MessageKind
from actionbot.core.nodes import Node, may_admit, may_register, tame_reason
from actionbot.flows.effects import Notice
from actionbot.render import admission as text
from actionbot.render import admission_votes as vote_text
from actionbot.render import nodes as node_text
from actionbot.render import window_views as views
from actionbot.render.help import takes_no_arguments


async def _may_admit(ctx: CommandContext, services: Services) -> bool:
    """Coordinators: the configured ones, and moderators of the coordination room."""
    config = services.config
    here = ctx.room_id == config.coordination_room
    is_coordinator = ctx.is_coordinator or (
        here and await ctx.sender_power() >= config.register_min_power_level
    )
    return may_admit(is_coordinator=is_coordinator, in_coordination_room=here)


async def admit(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    if not await _may_admit(ctx, services):
        return Outcome(reply=text.only_coordinators_admit(ctx.voice))
    if len(args) != 1:
        return Outcome(reply=text.admit_usage(ctx.voice, ctx.prefix, "node admit <id>"))
    node_id = normalise_id(args[0])
    answer = Answer(
        ctx, lambda node: Outcome(reply=text.admission_done(ctx.voice, node, admitted=True))
    )
    if not await services.runner.admit(node_id, response=answer.response):
        return Outcome(reply=text.no_such_request(ctx.voice, args[0], ctx.prefix))
    return answer.outcome() or Outcome(reply=text.no_such_request(ctx.voice, args[0], ctx.prefix))


async def refuse(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    if not await _may_admit(ctx, services):
        return Outcome(reply=text.only_coordinators_admit(ctx.voice))
    if not args:
        return Outcome(reply=text.admit_usage(ctx.voice, ctx.prefix, "node refuse <id> [reason…]"))
    node_id = normalise_id(args[0])
    reason = tame_reason(" ".join(args[1:]))
    answer = Answer(
        ctx,
        lambda node: Outcome(
            reply=text.admission_done(ctx.voice, node, admitted=False, reason=reason)
        ),
    )
    if not await services.runner.refuse(node_id, reason, response=answer.response):
        return Outcome(reply=text.no_such_request(ctx.voice, args[0], ctx.prefix))
    return answer.outcome() or Outcome(reply=text.no_such_request(ctx.voice, args[0], ctx.prefix))


async def leave(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    """The node's moderators take their room out of the network."""
    config = services.config
    node = ctx.node
    if node is None or not node.admitted:
        return Outcome(reply=node_text.not_a_node_yet(ctx.voice, ctx.prefix))
    if args:
        return Outcome(reply=takes_no_arguments(ctx.voice, "node leave", ctx.prefix))
    if not may_register(
        power_level=await ctx.sender_power(),
        min_power_level=config.register_min_power_level,
        is_coordinator=ctx.is_coordinator,
    ):
        return Outcome(reply=text.only_moderators_leave(ctx.voice, config.register_min_power_level))
    coordination = config.coordination_room
    coordination_voice = services.voices.of(
        await services.nodes.by_room(coordination) if coordination else None
    )

    def build(gone: Node) -> Outcome:
        # The room's own notice comes from the flow; the command's reply confirms it.
        answer = text.left(ctx.voice, gone, ctx.prefix)
        if not coordination or coordination == ctx.room_id:
            return Outcome(reply=answer)
        audit = Notice(
            key=MessageKey(kind=MessageKind.ANNOUNCE, event=ctx.event_id),
            room_id=coordination,
            reply=text.departure_done(coordination_voice, gone, removed=False),
        )
        return Outcome(reply=answer, announcements=(audit,))

    answer = Answer(ctx, build)
    if not await services.runner.depart(node.id, removed=False, response=answer.response):
        return Outcome(reply=node_text.not_a_node_yet(ctx.voice, ctx.prefix))
    return answer.outcome() or build(node)


async def remove(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    """Coordinators remove a node from the coordination room."""
    if not await _may_admit(ctx, services):
        return Outcome(reply=text.only_coordinators_admit(ctx.voice))
    if not args:
        return Outcome(reply=text.admit_usage(ctx.voice, ctx.prefix, "node remove <id> [reason…]"))
    node_id = normalise_id(args[0])
    reason = tame_reason(" ".join(args[1:]))
    answer = Answer(
        ctx,
        lambda node: Outcome(
            reply=text.departure_done(ctx.voice, node, removed=True, reason=reason)
        ),
    )
    if not await services.runner.depart(
        node_id, removed=True, reason=reason, response=answer.response
    ):
        return Outcome(reply=text.no_such_node(ctx.voice, args[0], ctx.prefix))
    return answer.outcome() or Outcome(reply=text.no_such_node(ctx.voice, args[0], ctx.prefix))


async def coordinators(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    """Who may admit, refuse and remove nodes: the configured coordinators and the
    moderators of the coordination room. Answered only there: it names people."""
    config = services.config
    if ctx.room_id != config.coordination_room:
        return Outcome(reply=text.coordinators_only_there(ctx.voice))
    if args:
        return Outcome(reply=takes_no_arguments(ctx.voice, "coordinators", ctx.prefix))
    here = await services.moderators(ctx.room_id, config.register_min_power_level)
    return Outcome(
        reply=text.coordinators(
            ctx.voice, config.coordinators, here, config.register_min_power_level
        )
    )


async def vote(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    """``!node vote <id> yes|stand-aside|no|block``: a node's voice on a room that asks to
    join, when the network admits by a vote of the nodes."""
    config = services.config
    if config.admission != "vote":
        return Outcome(reply=vote_text.not_by_vote(ctx.voice))
    node = ctx.node
    if node is None or not node.admitted:
        return Outcome(reply=node_text.not_a_node_yet(ctx.voice, ctx.prefix))
    choice = read_vote(args[1]) if len(args) == 2 else None
    if choice is None:
        return Outcome(
            reply=text.admit_usage(ctx.voice, ctx.prefix, "node vote <id> yes|stand-aside|no|block")
        )
    if config.voters == "moderators" and not ctx.is_coordinator:
        if await ctx.sender_power() < config.register_min_power_level:
            return Outcome(reply=views.only_moderators_vote(ctx.voice))
    request_id = normalise_id(args[0])
    request = await services.nodes.request_by_id(request_id)
    if request is None:
        return Outcome(reply=text.no_such_request(ctx.voice, args[0], ctx.prefix))
    answer = Answer(
        ctx,
        lambda admitted: Outcome(
            reply=vote_text.recorded(ctx.voice, request, choice, admitted=admitted)
        ),
    )
    admitted = await services.runner.admission_vote(
        request_id, voter=node, choice=choice, response=answer.response
    )
    if admitted is None:
        return Outcome(reply=text.no_such_request(ctx.voice, args[0], ctx.prefix))
    return answer.outcome() or Outcome(
        reply=vote_text.recorded(ctx.voice, request, choice, admitted=admitted)
    )
