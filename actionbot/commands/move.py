"""``!window move <id> <when> [for <duration>] [; <new title>]``: the window needs a new
decision, as a new window; every node is told, votes start over."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from actionbot.commands.context import Answer, CommandContext, Outcome, Services
from actionbot.commands.library import with_gesture
from actionbot.commands.window import window_arg
from actionbot.core.proposals import parse_proposal
from actionbot.core.when import WhenError
from actionbot.core.windows import State, Window
from actionbot.render import moves
from actionbot.render import window_views as views
from actionbot.render.faults import when_error
from actionbot.render.languages import month_names


async def move(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    window = await window_arg(ctx, services, args[:1], "window move <id> <when>")
    if isinstance(window, Outcome):
        return window
    runner = services.runner
    is_proposer = await services.windows.proposer_hash(window.id) == runner.person_hash(ctx.sender)
    if not (is_proposer or ctx.is_coordinator):
        return Outcome(reply=moves.may_not_move(ctx.voice))
    if window.state not in (State.PROPOSED, State.APPROVED):
        return Outcome(reply=views.already(ctx.voice, window))
    # The title stays unless a new one is given after ";".
    spec = " ".join(args[1:])
    text = spec if ";" in spec else f"{spec}; {window.title}"
    proposal = parse_proposal(text, month_names())
    today = (ctx.now + timedelta(days=1)).date()
    if isinstance(proposal, WhenError):
        return Outcome(reply=when_error(ctx.voice, proposal.freshened(today), ctx.prefix))
    if proposal.gesture is None and window.gesture:
        proposal = replace(proposal, gesture=window.gesture, gesture_rev=window.gesture_rev)
    bound = await with_gesture(ctx, services, proposal)
    if isinstance(bound, Outcome):
        return bound
    proposal, gesture = bound
    proposer = await services.nodes.by_id(window.proposer_node)
    # Times without a zone are in the mover's node's zone (or the proposer's, for a
    # coordinator acting from a room that is not a node).
    here = ctx.node if ctx.node is not None and ctx.node.admitted else proposer
    if here is None:
        return Outcome(reply=views.not_a_node(ctx.voice, ctx.prefix))
    timing = runner.resolve(proposal, here)
    if isinstance(timing, WhenError):
        return Outcome(reply=when_error(ctx.voice, timing.freshened(today), ctx.prefix))

    def build(new: Window) -> Outcome:
        return Outcome(
            reply=moves.moved(
                ctx.voice, old=window, new=new, target=ctx.node, now=ctx.now, prefix=ctx.prefix
            )
        )

    answer = Answer(ctx, build)
    new = await runner.move(
        window=window,
        proposal=proposal,
        timing=timing,
        node=here,
        sender=ctx.sender,
        event_id=ctx.event_id,
        acting_room=ctx.room_id,
        gesture=gesture,
        response=answer.response,
    )
    if new is None:
        return Outcome(reply=views.changed_meanwhile(ctx.voice))
    return answer.outcome() or build(new)
