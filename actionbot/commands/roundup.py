"""``!roundup <window-id> [keep]`` (coordinators, in the coordination room): the roundup
now — the message, its photos in a thread. ``keep``: its photos outlive the retention."""

from __future__ import annotations

from actionbot.commands.context import CommandContext, Outcome, Services
from actionbot.commands.window import window_arg
from actionbot.core.windows import State
from actionbot.render import roundups as text


async def roundup(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    config = services.config
    here = ctx.room_id == config.coordination_room
    if not here or not (
        ctx.is_coordinator or await ctx.sender_power() >= config.register_min_power_level
    ):
        return Outcome(reply=text.only_coordinators(ctx.voice))
    window = await window_arg(ctx, services, args, "roundup <window-id> [keep]")
    if isinstance(window, Outcome):
        return window
    if window.state not in (State.APPROVED, State.DONE):
        return Outcome(reply=text.not_run(ctx.voice, window))
    service = services.runner.roundups
    if service is None:
        return Outcome(reply=text.not_run(ctx.voice, window))
    keep = len(args) > 1 and args[1].lower() == "keep"
    if keep:
        await service.reports.keep(window.id, ctx.now)
    await service.post(window, draft=False, tag=ctx.event_id)
    return Outcome(reply=text.posted(ctx.voice, window, kept=keep))
