"""``!moon`` and ``!anniversaries``: what windows can be anchored to."""

from __future__ import annotations

import re

from actionbot.commands.context import CommandContext, Outcome, Services
from actionbot.core.lunar import upcoming_phases
from actionbot.render import system
from actionbot.render import window_views as views
from actionbot.render.pages import page_number

MOON_MAX = 12
COUNT = re.compile(r"[0-9]{1,3}")


async def moon(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    count = 4
    if args:
        if len(args) > 1 or not COUNT.fullmatch(args[0]) or not 1 <= int(args[0]) <= MOON_MAX:
            return Outcome(reply=views.moon_usage(ctx.voice, MOON_MAX, ctx.prefix))
        count = int(args[0])
    return Outcome(reply=views.moon(ctx.voice, upcoming_phases(ctx.now, count), ctx.now))


async def anniversaries(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    page = page_number(args)
    entries = sorted(services.calendar.entries.values(), key=lambda e: (e.month, e.day, e.id))
    return Outcome(reply=system.anniversaries(ctx.voice, entries, page, ctx.prefix))
