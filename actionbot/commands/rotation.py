"""``!rotation [set|skip|stop]``: duties that pass from person to person, so no one is the
network. In a node room its moderators decide; in the coordination room, coordinators."""

from __future__ import annotations

from actionbot.commands.context import Answer, CommandContext, Outcome, Services
from actionbot.core.rotation import Rotation, RotationError, parse_set
from actionbot.render import rotation as text
from actionbot.render.help import COMMANDS, subcommands


async def _allowed(ctx: CommandContext, services: Services, *, change: bool) -> Outcome | None:
    """None if this room may have rotas (and, for a change, this person may make it)."""
    config = services.config
    here = ctx.room_id == config.coordination_room
    if not here and (ctx.node is None or not ctx.node.admitted):
        return Outcome(reply=text.not_here(ctx.voice))
    if change and not ctx.is_coordinator:
        if await ctx.sender_power() < config.register_min_power_level:
            return Outcome(reply=text.only_moderators(ctx.voice))
    return None


async def show(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    if args:  # `!rotation sett …`: what `!rotation` can do
        paths = [path for path in COMMANDS if path[0] == "rotation" and len(path) > 1]
        return Outcome(reply=subcommands(ctx.voice, "rotation", paths, ctx.prefix, args[0]))
    refused = await _allowed(ctx, services, change=False)
    if refused is not None:
        return refused
    runner = services.runner
    rotas = await runner.rotations.of_room(ctx.room_id)
    people = await runner.people(ctx.room_id)
    return Outcome(reply=text.listing(ctx.voice, rotas, people.present, ctx.prefix))


async def set_rota(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    refused = await _allowed(ctx, services, change=True)
    if refused is not None:
        return refused
    request = parse_set(args)
    if isinstance(request, RotationError):
        return Outcome(reply=text.set_error(ctx.voice, request, ctx.prefix))
    # Nobody hands out more power than they have: a moderator at 50 cannot make someone an
    # admin through the bot.
    if request.power is not None:
        own = await ctx.sender_power()
        if request.power > own:
            return Outcome(reply=text.power_above_own(ctx.voice, own))
        # Two rotas raising one person would each give back a different "before": refuse.
        for other in await services.runner.rotations.of_room(ctx.room_id):
            if other.duty == request.duty or other.power is None:
                continue
            for user in request.users:
                if services.runner.person_hash(user) in other.members:
                    return Outcome(reply=text.power_clash(ctx.voice, user, other.duty))
    # The room hears the rota from the flow; the command's own answer is that notice.
    answer = Answer(ctx, lambda rota: Outcome(reply=text.set_done(ctx.voice, rota)))
    rota = await services.runner.set_rota(
        request, room_id=ctx.room_id, node=ctx.node, event_id=ctx.event_id, response=answer.response
    )
    return answer.outcome() or Outcome(reply=text.set_done(ctx.voice, rota))


async def _named(ctx: CommandContext, services: Services, args: tuple[str, ...], command: str):
    if len(args) != 1:
        return Outcome(reply=text.which_duty(ctx.voice, ctx.prefix, command))
    duty = args[0].lower()
    found = next(
        (r for r in await services.runner.rotations.of_room(ctx.room_id) if r.duty == duty), None
    )
    if found is None:
        return Outcome(reply=text.no_such_rota(ctx.voice, args[0], ctx.prefix))
    return found


async def skip(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    refused = await _allowed(ctx, services, change=True)
    if refused is not None:
        return refused
    rota = await _named(ctx, services, args, "rotation skip <duty>")
    if not isinstance(rota, Rotation):
        return rota
    moved = await services.runner.hand_over(rota.id, early=True)
    return Outcome(reply=text.skipped(ctx.voice, moved or rota))


async def stop(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    refused = await _allowed(ctx, services, change=True)
    if refused is not None:
        return refused
    rota = await _named(ctx, services, args, "rotation stop <duty>")
    if not isinstance(rota, Rotation):
        return rota
    await services.runner.stop_rota(rota.id)
    return Outcome(reply=text.stopped(ctx.voice, rota))
