"""``!vote <id> yes|stand-aside|no|block``: a node's one voice."""

from __future__ import annotations

from actionbot.commands.context import Answer, CommandContext, Outcome, Services
from actionbot.commands.window import window_arg
from actionbot.core.decisions import read_vote
from actionbot.flows.decide import VoteResult
from actionbot.render import window_views as views
from actionbot.render import windows as text
from actionbot.render.reply import Reply


async def vote(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    if len(args) != 2:
        return Outcome(reply=views.vote_usage(ctx.voice, ctx.prefix))
    node = ctx.node
    if node is None:
        return Outcome(reply=views.not_a_node(ctx.voice, ctx.prefix))
    choice = read_vote(args[1])
    if choice is None:
        return Outcome(reply=views.not_a_vote(ctx.voice, args[1], ctx.prefix))
    if services.config.voters == "moderators" and not ctx.is_coordinator:
        if await ctx.sender_power() < services.config.register_min_power_level:
            return Outcome(reply=views.only_moderators_vote(ctx.voice))
    window = await window_arg(ctx, services, args[:1], "vote <id> yes|stand-aside|no|block")
    if isinstance(window, Outcome):
        return window
    nodes = await services.nodes.all()

    def build(result: VoteResult) -> Outcome:
        if result.closed:
            return Outcome(reply=views.voting_closed(ctx.voice, result.window))
        answer = text.vote_reply(ctx.voice, node, choice, result.window)
        if result.decision is not None:
            # This vote decided: the room hears the decision here, not also as a broadcast.
            decided = text.decided(
                ctx.voice, result.window, result.decision, nodes, result.votes or {}
            )
            answer = Reply(lines=answer.lines[:1] + decided.lines)
        return Outcome(reply=answer)

    answer = Answer(ctx, build)
    result = await services.runner.vote(
        window=window,
        node=node,
        choice=choice,
        via="command",
        event_id=ctx.event_id,
        response=answer.response,
    )
    return answer.outcome() or build(result)
