"""``!join <window-id>`` / ``!leave <window-id>``: who takes part, counted per node.

The same as reacting to the guideline with the RSVP emoji (see ``inbound/reactions``). Only
counts leave the node room; the database keeps a keyed hash of the person, never the id.
"""

from __future__ import annotations

from actionbot.commands.context import Answer, CommandContext, Outcome, Services
from actionbot.commands.window import window_arg
from actionbot.core.windows import State
from actionbot.render import rsvp as text


async def _rsvp(
    ctx: CommandContext, services: Services, args: tuple[str, ...], *, joined: bool
) -> Outcome:
    command = "join" if joined else "leave"
    node = ctx.node
    if node is None or not node.admitted:
        return Outcome(reply=text.not_here(ctx.voice, ctx.prefix))
    if len(args) != 1:
        return Outcome(reply=text.usage(ctx.voice, ctx.prefix, command))
    window = await window_arg(ctx, services, args, f"{command} <window-id>")
    if isinstance(window, Outcome):
        return window
    start = window.node_start(node)[0]
    if window.state is not State.APPROVED or start + window.duration <= ctx.now:
        return Outcome(reply=text.not_open(ctx.voice, window, ctx.prefix))

    def build(count: int) -> Outcome:
        return Outcome(reply=text.counted(ctx.voice, window, count, joined=joined))

    answer = Answer(ctx, build)
    count = await services.runner.rsvp(
        window,
        node,
        services.runner.person_hash(ctx.sender),
        joined=joined,
        response=answer.response,
    )
    return answer.outcome() or build(count)


async def join(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    return await _rsvp(ctx, services, args, joined=True)


async def leave(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    return await _rsvp(ctx, services, args, joined=False)
