"""``!report``: a text report, the window for a photo (answering it), or taking one back.

``!report <id> <text…>`` records words; answering a photo with ``!report <id> [blur]
[public|private]`` makes it that window's report; answering one's own photo with
``!report withdraw`` deletes it (the file too, unless another report holds the same one).
"""

from __future__ import annotations

from actionbot.commands.context import CommandContext, Outcome, Services
from actionbot.core.ids import is_valid_id, normalise_id
from actionbot.core.reports import open_windows, read_words
from actionbot.core.windows import State
from actionbot.photos.ingest import Source
from actionbot.render import reports as text


async def report(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    node = ctx.node
    if node is None or not node.admitted:
        return Outcome(reply=text.not_here(ctx.voice))
    ingest = services.ingest
    if args and args[0].lower() == "withdraw":
        return await _withdraw(ctx, services)
    words = read_words(args, is_id=lambda w: is_valid_id(normalise_id(w)))
    candidates = await services.windows.in_states([State.APPROVED, State.DONE])
    open_now = open_windows(candidates, node, ctx.now, services.config.report_grace)
    if words.window_id is not None:
        window = next((w for w in open_now if w.id == normalise_id(words.window_id)), None)
    else:
        window = open_now[0] if len(open_now) == 1 and ctx.reply_to else None
    if window is None:
        if not open_now:
            return Outcome(reply=text.not_open(ctx.voice, ctx.prefix))
        return Outcome(reply=text.usage(ctx.voice, ctx.prefix))
    settings = await ingest.reports.settings(node.id)
    consent = words.consent or settings.consent
    who = Source(room_id=ctx.room_id, event_id=ctx.event_id, sender=ctx.sender)
    if ctx.reply_to is None:
        if not words.text:
            return Outcome(reply=text.usage(ctx.voice, ctx.prefix))
        await ingest.text_report(who, node, window, words.text, consent)
        return Outcome(reply=text.received_text(ctx.voice, window, consent), recorded=True)
    photo = Source(room_id=ctx.room_id, event_id=ctx.reply_to, sender=ctx.sender)
    if await ingest.reports.by_source_event(ctx.reply_to) is not None:
        return Outcome(reply=text.received_photo(ctx.voice, 0, False, consent))
    limit = services.config.report_max_bytes
    await ingest.photo(
        photo,
        node,
        window,
        lambda: services.fetch_file(ctx.room_id, ctx.reply_to, limit=limit),
        caption=words.text,
        blur=settings.blur or words.blur,
        consent=consent,
        handled=ctx.event_id,
    )
    return Outcome(reply=text.received_photo(ctx.voice, 0, False, consent), recorded=True)


async def _withdraw(ctx: CommandContext, services: Services) -> Outcome:
    if ctx.reply_to is None:
        return Outcome(reply=text.nothing_to_withdraw(ctx.voice, ctx.prefix))
    found = await services.ingest.reports.by_source_event(ctx.reply_to)
    if found is None or found.node_id != (ctx.node.id if ctx.node else None):
        return Outcome(reply=text.nothing_to_withdraw(ctx.voice, ctx.prefix))
    if found.sender_hash != services.runner.person_hash(ctx.sender):
        return Outcome(reply=text.not_yours(ctx.voice))
    await services.ingest.withdraw(found)
    return Outcome(reply=text.withdrawn(ctx.voice))
