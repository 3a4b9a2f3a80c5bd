"""``!window …``, ``!windows``, ``!vote`` and ``!moon``.

Handlers follow guard → parse → decide → persist → schedule → reply; the persisting and
scheduling is the coordinator's job, the wording is :mod:`window_text`'s.
"""

from __future__ import annotations

import re

from actionbot.commands import window_text
from actionbot.commands.context import CommandContext, Outcome, Services
from actionbot.render.reply import Reply, bold, code, error_reply, reply
from actionbot.coordination import Problem
from actionbot.core.decisions import Vote, describe_rule
from actionbot.core.ids import is_valid_id, normalise_id
from actionbot.core.lunar import PHASE_SYMBOLS, upcoming_phases
from actionbot.core.nodes import Node
from actionbot.core.proposals import parse_proposal
from actionbot.core.timing import WhenError, countdown, fmt_local, fmt_utc
from actionbot.core.windows import State, Window
from actionbot.ics import window_ics

MOON_MAX = 12
MOON_COUNT = re.compile(r"[0-9]{1,2}")


def _when_error(ctx: CommandContext, error: WhenError) -> Reply:
    lines: list = [f"I couldn't read the {error.part}: {error.message}."]
    if error.example:
        lines.append(["Example: ", code(error.example)])
    lines.append(
        [
            "Full form: ",
            code(
                f"{ctx.prefix}window propose <when> [for <duration>] "
                "[every year|every <phase>] [gesture=<id>]; <title>"
            ),
        ]
    )
    return error_reply(*lines)


async def _node_here(ctx: CommandContext, services: Services) -> Node | None:
    return await services.nodes.by_room(ctx.room_id)


def _not_a_node(ctx: CommandContext) -> Outcome:
    return Outcome(
        reply=error_reply(
            "This room is not a node of the network yet, so it cannot propose or vote.",
            ["A moderator can register it with ", code(f"{ctx.prefix}node register <name…>"), "."],
        )
    )


async def _window_arg(
    ctx: CommandContext, services: Services, args: tuple[str, ...], usage: str
) -> Window | Outcome:
    if len(args) < 1:
        return Outcome(reply=error_reply("Which window?", ["Usage: ", code(ctx.prefix + usage)]))
    window_id = normalise_id(args[0])
    if not is_valid_id(window_id):
        return Outcome(
            reply=error_reply(
                f"'{args[0]}' is not a window id (5 letters and digits, as in {ctx.prefix}windows)."
            )
        )
    assert services.windows is not None
    window = await services.windows.get(window_id)
    if window is None:
        return Outcome(
            reply=error_reply(
                [
                    "There is no window ",
                    code(window_id),
                    ". ",
                    code(f"{ctx.prefix}windows"),
                    " lists them.",
                ]
            )
        )
    return window


async def propose(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    coordinator = services.coordinator
    assert coordinator is not None
    node = await _node_here(ctx, services)
    if node is None:
        return _not_a_node(ctx)
    if services.config.proposers == "moderators" and not ctx.is_coordinator:
        if await ctx.sender_power() < services.config.register_min_power_level:
            return Outcome(reply=error_reply("Only room moderators can propose windows here."))
    proposal = parse_proposal(" ".join(args))
    if isinstance(proposal, WhenError):
        return Outcome(reply=_when_error(ctx, proposal))
    timing = coordinator.resolve(proposal, node)
    if isinstance(timing, WhenError):
        return Outcome(reply=_when_error(ctx, timing))
    window = await coordinator.propose(
        proposal=proposal, timing=timing, node=node, sender=ctx.sender, event_id=ctx.event_id
    )
    nodes = await services.nodes.all()
    summary = window_text.summary(window, node, ctx.now)
    lines = [["Proposed: ", *summary[0]], *summary[1:]]
    lines.append(
        describe_rule(coordinator.rule, len(nodes)) + f" Decision by {fmt_utc(window.deadline)}."
    )
    lines.append(window_text.vote_hint(window, ctx.prefix))
    return Outcome(reply=reply(*lines))


async def list_windows(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    assert services.windows is not None
    node = await _node_here(ctx, services)
    nodes = await services.nodes.all()
    windows = await services.windows.in_states([State.PROPOSED, State.APPROVED])
    upcoming = [
        w for w in windows if (w.last_end(nodes) or ctx.now) > ctx.now or w.state is State.PROPOSED
    ]
    if not upcoming:
        return Outcome(
            reply=reply(
                "No upcoming windows.",
                [
                    "Propose one with ",
                    code(f"{ctx.prefix}window propose …"),
                    " — see ",
                    code(f"{ctx.prefix}help window propose"),
                    ".",
                ],
            )
        )
    upcoming.sort(key=lambda w: w.first_start(nodes) or ctx.now)
    lines: list = [bold(f"{len(upcoming)} upcoming window{'s' if len(upcoming) != 1 else ''}")]
    for window in upcoming:
        if node is not None:
            start, _ = window.node_start(node)
            when = fmt_local(start, node.timezone)
        else:
            start = window.first_start(nodes) or ctx.now
            when = fmt_utc(start)
        lines.append(
            [
                "• ",
                *window_text.named(window),
                f" — {when} ({countdown(ctx.now, start)}), {window.state}",
            ]
        )
    return Outcome(reply=reply(*lines))


async def show(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    window = await _window_arg(ctx, services, args, "window show <id>")
    if isinstance(window, Outcome):
        return window
    assert services.windows is not None and services.coordinator is not None
    node = await _node_here(ctx, services)
    nodes = await services.nodes.all()
    votes = await services.windows.votes(window.id)
    lines = window_text.summary(window, node, ctx.now)
    lines.append(f"State: {window.state}" + (f" ({window.decision})" if window.decision else ""))
    if window.state is State.PROPOSED:
        lines.append(
            f"Decision by {fmt_utc(window.deadline)} · "
            + describe_rule(services.coordinator.rule, len(nodes))
        )
    lines.append(f"Votes by node: {window_text.per_node_votes(nodes, votes)}")
    lines.append(bold("Start in each node"))
    for other in nodes:
        start, note = window.node_start(other)
        lines.append(
            f"• {other.name}: {fmt_local(start, other.timezone)} = {fmt_utc(start)}"
            + (f" ({note})" if note else "")
        )
    return Outcome(reply=reply(*lines))


async def cancel(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    window = await _window_arg(ctx, services, args, "window cancel <id>")
    if isinstance(window, Outcome):
        return window
    coordinator, store = services.coordinator, services.windows
    assert coordinator is not None and store is not None
    is_proposer = await store.proposer_hash(window.id) == coordinator.person_hash(ctx.sender)
    if not (is_proposer or ctx.is_coordinator):
        return Outcome(
            reply=error_reply(
                "Only the person who proposed this window or a network coordinator can cancel it."
            )
        )
    if window.state not in (State.PROPOSED, State.APPROVED):
        return Outcome(reply=error_reply(f"Window {window.id} is already {window.state}."))
    node = await _node_here(ctx, services)
    done = await coordinator.cancel(window, node_name=node.name if node else "coordination")
    if not done:
        return Outcome(reply=error_reply("The window changed meanwhile; please look again."))
    return Outcome(
        reply=reply(
            [
                "Cancelled window ",
                *window_text.named(window),
                ". Every node has been told.",
            ]
        )
    )


async def ics(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    window = await _window_arg(ctx, services, args, "window ics <id>")
    if isinstance(window, Outcome):
        return window
    assert services.upload is not None
    node = await _node_here(ctx, services)
    data = window_ics(window, node, now=ctx.now)
    uploaded = await services.upload(data, f"window-{window.id}.ics", "text/calendar", ctx.room_id)
    if isinstance(uploaded, str):
        return Outcome(
            reply=error_reply(
                f"I couldn't upload the calendar file ({uploaded}). Please try again later."
            )
        )
    return Outcome(
        reply=reply(
            [
                "Calendar file for window ",
                *window_text.named(window),
                " — open it to add the window to your calendar.",
            ]
        ),
        files=(uploaded,),
    )


async def vote(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    usage = "vote <id> yes|no|abstain|block"
    if len(args) != 2:
        return Outcome(
            reply=error_reply(
                "Write the window id and your node's vote.",
                ["Usage: ", code(ctx.prefix + usage)],
                ["Example: ", code(f"{ctx.prefix}vote k3f9q yes")],
            )
        )
    node = await _node_here(ctx, services)
    if node is None:
        return _not_a_node(ctx)
    try:
        choice = Vote(args[1].lower())
    except ValueError:
        return Outcome(
            reply=error_reply(
                f"'{args[1]}' is not a vote; use yes, no, abstain or block.",
                ["Usage: ", code(ctx.prefix + usage)],
            )
        )
    if services.config.voters == "moderators" and not ctx.is_coordinator:
        if await ctx.sender_power() < services.config.register_min_power_level:
            return Outcome(
                reply=error_reply(
                    "Only room moderators vote for this node. Tell them what you think!"
                )
            )
    window = await _window_arg(ctx, services, args[:1], usage)
    if isinstance(window, Outcome):
        return window
    assert services.coordinator is not None
    result = await services.coordinator.vote(
        window_id=window.id, node=node, vote=choice, via="command", event_id=ctx.event_id
    )
    if isinstance(result, Problem):
        return Outcome(reply=error_reply(result.message[0].upper() + result.message[1:] + "."))
    return Outcome(reply=vote_reply(node, choice, result))


def vote_reply(node: Node, choice: Vote, window: Window) -> Reply:
    lines: list = [
        [
            "Recorded: node ",
            bold(node.name),
            f" votes {choice} on ",
            *window_text.named(window),
            ".",
        ]
    ]
    if window.state is not State.PROPOSED:
        lines.append(f"The vote is closed: the window is {window.state} ({window.decision}).")
    return reply(*lines)


async def moon(ctx: CommandContext, services: Services, args: tuple[str, ...]) -> Outcome:
    count = 4
    if args:
        if len(args) > 1 or not MOON_COUNT.fullmatch(args[0]) or not 1 <= int(args[0]) <= MOON_MAX:
            return Outcome(
                reply=error_reply(
                    f"Write how many phases, 1 to {MOON_MAX}.",
                    ["Example: ", code(f"{ctx.prefix}moon 6")],
                )
            )
        count = int(args[0])
    node = await _node_here(ctx, services)
    zone = node.timezone if node else services.config.default_timezone
    lines: list = [bold(f"Next {count} moon phase{'s' if count != 1 else ''} ({zone})")]
    for name, moment in upcoming_phases(ctx.now, count):
        lines.append(
            f"{PHASE_SYMBOLS[name]} {name}: {fmt_local(moment, zone)} "
            f"({countdown(ctx.now, moment)})"
        )
    return Outcome(reply=reply(*lines))
