"""``!node settings [blur=on|off] [consent=network|public] [rest=2d 19:00|off]`` (node
moderators) and ``!rest`` (upcoming decompression gatherings of this node)."""

from __future__ import annotations

from dataclasses import replace

from actionbot.commands.context import CommandContext, Outcome, Services
from actionbot.core.report_changes import SetNodeSettings
from actionbot.core.reports import CONSENT_WORDS
from actionbot.core.rest import RestPlan, gathering, parse_rest
from actionbot.core.windows import State
from actionbot.flows.effects import Effects
from actionbot.render import rest as text
from actionbot.render import rotation as rota_text


def _pairs(args: tuple[str, ...]) -> list[tuple[str, str]] | str:
    """``key=value`` pairs; a value runs on until the next ``key=`` (``rest=2d 19:00``)."""
    pairs: list[tuple[str, str]] = []
    for word in args:
        if "=" in word:
            key, value = word.split("=", 1)
            pairs.append((key.lower(), value))
        elif pairs:
            pairs[-1] = (pairs[-1][0], f"{pairs[-1][1]} {word}")
        else:
            return word
    return pairs


async def node_settings(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    node = ctx.node
    if node is None or not node.admitted:
        return Outcome(reply=rota_text.not_here(ctx.voice))
    store = services.ingest.reports
    current = await store.settings(node.id)
    if not args:
        return Outcome(reply=text.settings(ctx.voice, current, ctx.prefix))
    if (
        not ctx.is_coordinator
        and await ctx.sender_power() < services.config.register_min_power_level
    ):
        return Outcome(reply=text.only_moderators(ctx.voice))
    pairs = _pairs(args)
    if isinstance(pairs, str):
        return Outcome(reply=text.settings_error(ctx.voice, pairs, ctx.prefix))
    changed = current
    for key, value in pairs:
        lowered = value.strip().lower()
        if key == "blur" and lowered in ("on", "off", "yes", "no"):
            changed = replace(changed, blur=lowered in ("on", "yes"))
        elif key == "consent" and lowered in CONSENT_WORDS:
            changed = replace(changed, consent=CONSENT_WORDS[lowered])
        elif key == "rest" and not isinstance(parse_rest(lowered), str):
            changed = replace(changed, rest=" ".join(lowered.split()))
        else:
            return Outcome(reply=text.settings_error(ctx.voice, f"{key}={value}", ctx.prefix))
    await services.runner.applier.apply(
        Effects(changes=(SetNodeSettings(node_id=node.id, settings=changed),)), now=ctx.now
    )
    return Outcome(reply=text.settings(ctx.voice, changed, ctx.prefix))


async def rest(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    node = ctx.node
    if node is None or not node.admitted:
        return Outcome(reply=rota_text.not_here(ctx.voice))
    plan = parse_rest((await services.ingest.reports.settings(node.id)).rest)
    upcoming = []
    if isinstance(plan, RestPlan):
        for window in await services.windows.in_states([State.DONE, State.APPROVED]):
            when = gathering(window, node, plan)
            if when > ctx.now:
                upcoming.append((window, when))
    upcoming.sort(key=lambda pair: pair[1])
    return Outcome(reply=text.listing(ctx.voice, upcoming[:10]))
