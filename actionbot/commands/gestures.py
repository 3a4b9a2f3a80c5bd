"""``!gestures``, ``!gesture show|add|adapt``: the library of gestures, read in each room's
language, grown by coordinators, and adapted by each node for its windows."""

from __future__ import annotations

from actionbot.commands.context import Answer, CommandContext, Outcome, Services
from actionbot.commands.library import find
from actionbot.commands.window import window_arg
from actionbot.core.gesture_yaml import parse
from actionbot.core.gestures import MAX_BYTES, GestureError, has_control
from actionbot.core.windows import State
from actionbot.matrix.media import FetchProblem
from actionbot.render import gestures as text
from actionbot.render.languages import normalise_language

ADAPTATION_LIMIT = 1000


async def list_gestures(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    gestures = await services.gestures.all()
    return Outcome(reply=text.listing(ctx.voice, list(gestures.values()), ctx.prefix))


async def show(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    if not 1 <= len(args) <= 2:
        return Outcome(reply=text.show_usage(ctx.voice, ctx.prefix))
    gesture = await find(ctx, services, args[0])
    if isinstance(gesture, Outcome):
        return gesture
    language = ctx.voice.language
    if len(args) == 2:
        asked = normalise_language(args[1])
        if asked is None:
            return Outcome(reply=text.unknown_language(ctx.voice, args[1]))
        language = asked
    return Outcome(reply=text.show(ctx.voice, gesture, language))


async def _is_coordinator_here(ctx: CommandContext, services: Services) -> bool:
    config = services.config
    if ctx.room_id != config.coordination_room:
        return False
    return ctx.is_coordinator or await ctx.sender_power() >= config.register_min_power_level


async def add(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    """The YAML file is the message this command replies to, or the file whose caption it
    is. Checked whole before anything is stored."""
    if not await _is_coordinator_here(ctx, services):
        return Outcome(reply=text.only_coordinators_add(ctx.voice))
    if ctx.reply_to is None:
        return Outcome(reply=text.add_needs_file(ctx.voice, ctx.prefix))
    fetched = await services.fetch_file(ctx.room_id, ctx.reply_to, limit=MAX_BYTES)
    if isinstance(fetched, FetchProblem):
        return Outcome(reply=text.file_problem(ctx.voice, fetched.reason, ctx.prefix))
    made = parse(fetched.data, source=fetched.name, language=normalise_language)
    if isinstance(made, GestureError):
        return Outcome(reply=text.refused(ctx.voice, made, ctx.prefix))
    replaced = await services.gestures.current(made.id) is not None

    def build(_done: bool) -> Outcome:
        return Outcome(reply=text.added(ctx.voice, made, replaced))

    answer = Answer(ctx, build)
    await services.runner.add_gesture(made, response=answer.response)
    return answer.outcome() or build(True)


def _clean(words: tuple[str, ...]) -> str | None:
    """The adaptation as typed, or None if it holds invisible control characters."""
    adaptation = " ".join(words).strip()
    if has_control(adaptation):
        return None
    return adaptation


async def adapt(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    node = ctx.node
    if node is None or not node.admitted:
        return Outcome(reply=text.adapt_not_here(ctx.voice))
    if not ctx.is_coordinator:
        if await ctx.sender_power() < services.config.register_min_power_level:
            return Outcome(reply=text.only_moderators_adapt(ctx.voice))
    if len(args) < 2:
        return Outcome(reply=text.adapt_usage(ctx.voice, ctx.prefix))
    window = await window_arg(ctx, services, args, "gesture adapt <window-id> <text>")
    if isinstance(window, Outcome):
        return window
    if window.state not in (State.PROPOSED, State.APPROVED):
        return Outcome(reply=text.adapt_closed(ctx.voice, window))
    if not window.gesture:
        return Outcome(reply=text.adapt_no_gesture(ctx.voice, window, ctx.prefix))
    clear = len(args) == 2 and args[1].lower() in ("clear", "-")
    adaptation = None if clear else _clean(args[1:])
    if not clear and adaptation is None:
        return Outcome(reply=text.adapt_control(ctx.voice))
    if adaptation is not None and len(adaptation) > ADAPTATION_LIMIT:
        return Outcome(reply=text.adapt_too_long(ctx.voice, len(adaptation), ADAPTATION_LIMIT))

    def build(sent: bool) -> Outcome:
        return Outcome(reply=text.adapted(ctx.voice, window, adaptation, sent))

    answer = Answer(ctx, build)
    sent = await services.runner.adapt(
        window, node, adaptation, event_id=ctx.event_id, response=answer.response
    )
    return answer.outcome() or build(sent)
