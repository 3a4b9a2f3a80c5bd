"""``!window propose|show|cancel|ics`` and ``!windows``.

Handlers follow guard → parse → decide → persist → reply; deciding and persisting is the
flows' job (through the runner), the wording the render layer's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from actionbot.commands.context import Answer, CommandContext, Outcome, Services
from actionbot.commands.library import with_gesture
from actionbot.core.ids import is_valid_id, normalise_id
from actionbot.core.nodes import Node
from actionbot.core.proposals import parse_proposal
from actionbot.core.when import WhenError
from actionbot.core.windows import State, Window
from actionbot.ics import window_ics
from actionbot.render import gestures as gesture_text
from actionbot.render import rsvp as rsvp_text
from actionbot.render import window_views as views
from actionbot.render import windows as text
from actionbot.render.faults import when_error
from actionbot.render.languages import month_names
from actionbot.render.pages import page_number
from actionbot.render.reply import reply

PROPOSALS_PER = timedelta(hours=24)  # the window for the daily proposal cap


def _today(ctx: CommandContext) -> date:
    """For examples: a day from which any date after it is ahead in every zone."""
    return (ctx.now + timedelta(days=1)).date()


async def window_arg(
    ctx: CommandContext, services: Services, args: tuple[str, ...], usage: str
) -> Window | Outcome:
    """The window named by the first argument, or the reply saying why there is none."""
    if len(args) < 1:
        return Outcome(reply=views.which_window(ctx.voice, usage, ctx.prefix))
    window_id = normalise_id(args[0])
    if not is_valid_id(window_id):
        return Outcome(reply=views.not_a_window_id(ctx.voice, args[0], ctx.prefix))
    window = await services.windows.get(window_id)
    if window is None:
        return Outcome(reply=views.no_such_window(ctx.voice, window_id, ctx.prefix))
    return window


async def propose(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    node = ctx.node
    if node is None:
        return Outcome(reply=views.not_a_node(ctx.voice, ctx.prefix))
    if services.config.proposers == "moderators" and not ctx.is_coordinator:
        if await ctx.sender_power() < services.config.register_min_power_level:
            return Outcome(reply=views.only_moderators_propose(ctx.voice))
    # Every proposal reaches every room with a poll: a cap per node keeps one room (or one
    # infiltrator in it) from flooding the network.
    open_here = [
        w for w in await services.windows.in_states([State.PROPOSED]) if w.proposer_node == node.id
    ]
    if len(open_here) >= services.config.max_open_proposals:
        return Outcome(reply=views.too_many_open(ctx.voice, len(open_here), ctx.prefix))
    # Withdrawn ones count too: propose-and-cancel in a loop put a poll in every room
    # every few seconds (review).
    cap = services.config.max_open_proposals
    if await services.windows.proposed_since(node.id, ctx.now - PROPOSALS_PER) >= cap:
        return Outcome(reply=views.too_many_today(ctx.voice, cap))
    proposal = parse_proposal(" ".join(args), month_names())
    if isinstance(proposal, WhenError):
        return Outcome(reply=when_error(ctx.voice, proposal.freshened(_today(ctx)), ctx.prefix))
    bound = await with_gesture(ctx, services, proposal)
    if isinstance(bound, Outcome):
        return bound
    proposal, gesture = bound
    runner = services.runner
    timing = runner.resolve(proposal, node)
    if isinstance(timing, WhenError):
        return Outcome(reply=when_error(ctx.voice, timing.freshened(_today(ctx)), ctx.prefix))
    nodes = await services.nodes.all()

    def build(window: Window) -> Outcome:
        return Outcome(
            reply=text.proposed_reply(
                ctx.voice,
                window=window,
                node=node,
                now=ctx.now,
                rule=runner.ctx.settings.rule,
                nodes=len(nodes),
                prefix=ctx.prefix,
            )
        )

    answer = Answer(ctx, build)
    window = await runner.propose(
        proposal=proposal,
        timing=timing,
        node=node,
        sender=ctx.sender,
        event_id=ctx.event_id,
        gesture=gesture,
        response=answer.response,
    )
    return answer.outcome() or build(window)


def _start_here(window: Window, node: Node | None, nodes: list[Node], now: datetime) -> datetime:
    """This node's own start; elsewhere the first start anywhere."""
    if node is not None:
        return window.node_start(node)[0]
    return window.first_start(nodes) or now


async def list_windows(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    """Sorted by this node's own start. A window that has already started here is not
    upcoming, even if it is still ahead further west (a wave)."""
    nodes = await services.nodes.all()
    windows = await services.windows.in_states([State.PROPOSED, State.APPROVED])
    upcoming = []
    for window in windows:
        start = _start_here(window, ctx.node, nodes, ctx.now)
        if start > ctx.now:
            upcoming.append((window, start))
    upcoming.sort(key=lambda pair: (pair[1], pair[0].id))
    return Outcome(reply=views.listing(ctx.voice, upcoming, ctx.now, ctx.prefix, page_number(args)))


async def show(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    window = await window_arg(ctx, services, args, "window show <id>")
    if isinstance(window, Outcome):
        return window
    nodes = await services.nodes.all()
    shown = views.show(
        ctx.voice,
        window=window,
        node=ctx.node,
        nodes=nodes,
        votes=await services.windows.votes(window.id),
        rule=services.runner.ctx.settings.rule,
        now=ctx.now,
    )
    store = services.gestures.store
    adaptations = await store.adaptations(window.id)
    here = ctx.room_id == services.config.coordination_room
    extra = rsvp_text.participation(
        ctx.voice,
        node=ctx.node,
        nodes=nodes,
        counts=await store.rsvp_counts(window.id),
        adaptation=adaptations.get(ctx.node.id) if ctx.node else None,
        by_node=here,
    )
    if here and adaptations:
        extra += gesture_text.adaptations_by_node(ctx.voice, nodes, adaptations)
    return Outcome(
        reply=replace(shown, lines=shown.lines + reply(*extra).lines) if extra else shown
    )


async def cancel(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    window = await window_arg(ctx, services, args, "window cancel <id>")
    if isinstance(window, Outcome):
        return window
    runner = services.runner
    is_proposer = await services.windows.proposer_hash(window.id) == runner.person_hash(ctx.sender)
    if not (is_proposer or ctx.is_coordinator):
        return Outcome(reply=views.may_not_cancel(ctx.voice))
    if window.state not in (State.PROPOSED, State.APPROVED):
        return Outcome(reply=views.already(ctx.voice, window))
    answer = Answer(ctx, lambda current: Outcome(reply=text.cancelled_reply(ctx.voice, current)))
    if not await runner.cancel(
        window, by=ctx.node, acting_room=ctx.room_id, response=answer.response
    ):
        return Outcome(reply=views.changed_meanwhile(ctx.voice))
    return answer.outcome() or Outcome(reply=text.cancelled_reply(ctx.voice, window))


async def ics(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    window = await window_arg(ctx, services, args, "window ics <id>")
    if isinstance(window, Outcome):
        return window
    data = window_ics(
        window, ctx.node, now=ctx.now, description=views.ics_description(ctx.voice, window)
    )
    uploaded = await services.upload(data, f"window-{window.id}.ics", "text/calendar", ctx.room_id)
    if isinstance(uploaded, str):
        return Outcome(reply=views.upload_failed(ctx.voice))
    return Outcome(reply=views.ics_reply(ctx.voice, window), files=(uploaded,))
