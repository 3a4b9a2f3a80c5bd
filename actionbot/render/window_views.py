"""Answers to ``!windows``, ``!window show|ics``, ``!vote`` and ``!moon``, and their refusals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from actionbot.core.decisions import Rule, Vote
from actionbot.core.nodes import Node
from actionbot.core.windows import State, Window
from actionbot.render import words
from actionbot.render.pages import Page, next_page, no_such_page, page_of
from actionbot.render.reply import Reply, bold, code, error_reply, reply
from actionbot.render.voice import Voice
from actionbot.render.windows import (
    BY_NAME_MAX,
    Lines,
    deadline_line,
    per_node_votes,
    rule_text,
    summary,
)

WINDOWS_PER_PAGE = 20


def listing(
    voice: Voice,
    upcoming: Sequence[tuple[Window, datetime]],
    now: datetime,
    prefix: str,
    number: int = 1,
) -> Reply:
    """Upcoming windows with their start for this room, already sorted by that start, one
    page at a time."""
    command = f"{prefix}windows"
    if not upcoming:
        return reply(
            voice._("No upcoming windows."),
            voice._(
                "Propose one with {command} — see {help}.",
                command=code(f"{prefix}window propose …"),
                help=code(f"{prefix}help window propose"),
            ),
        )
    page = page_of(upcoming, number, WINDOWS_PER_PAGE)
    if not isinstance(page, Page):
        return no_such_page(voice, page, command)
    lines: Lines = [
        bold(
            voice.s(
                voice.ngettext("{count} upcoming window", "{count} upcoming windows", len(upcoming))
            )
        )
    ]
    for window, start in page.items:
        lines.append(
            voice._(
                "• {id} {title} — {when} ({countdown}), {state}",
                id=code(window.id),
                title=bold(window.title),
                when=voice.moment(start),
                countdown=voice.countdown(now, start),
                state=words.state(voice, window.state),
            )
        )
    if not page.last:
        lines.append(next_page(voice, page, command))
    return reply(*lines)


def show(
    voice: Voice,
    *,
    window: Window,
    node: Node | None,
    nodes: Sequence[Node],
    votes: Mapping[str, Vote],
    rule: Rule,
    now: datetime,
) -> Reply:
    lines = summary(voice, window, node, now)
    if window.decision and window.decision != str(window.state):
        lines.append(
            voice._(
                "State: {state} ({how})",
                state=words.state(voice, window.state),
                how=words.how(voice, window.decision),
            )
        )
    else:
        lines.append(voice._("State: {state}", state=words.state(voice, window.state)))
    if window.state is State.PROPOSED:
        lines.append(deadline_line(voice, window))
        lines.append(rule_text(voice, rule, len(nodes)))
    lines.append(voice._("Votes by node: {votes}", votes=per_node_votes(voice, nodes, votes)))
    lines.append(bold(voice.s(voice._("Start in each node"))))
    shown = list(nodes)
    if len(shown) > BY_NAME_MAX:  # this room's node first, then the first others
        shown = ([node] if node in shown else []) + [n for n in shown if n != node]
        shown = shown[:BY_NAME_MAX]
    for other in shown:
        start, note = window.node_start(other)
        line = voice._(
            "• {node}: {when}",
            node=other.name,
            when=voice.moment(start, other.timezone),
        )
        if note is not None:
            line = (*line, *voice._(" ({note})", note=voice.s(words.note(voice, note))))
        lines.append(line)
    if len(nodes) > len(shown):
        lines.append(voice._("… and {count} more.", count=len(nodes) - len(shown)))
    return reply(*lines)


def moon(voice: Voice, phases: Sequence[tuple[str, datetime]], now: datetime) -> Reply:
    lines: Lines = [bold(voice.s(voice._("Next moon phases ({zone})", zone=voice.zone)))]
    for name, moment in phases:
        lines.append(
            voice._(
                "{symbol} {phase}: {when} ({countdown})",
                symbol=words.PHASE_SYMBOLS.get(name, ""),
                phase=words.phase(voice, name),
                when=voice.moment(moment),
                countdown=voice.countdown(now, moment),
            )
        )
    return reply(*lines)


def moon_usage(voice: Voice, most: int, prefix: str) -> Reply:
    return error_reply(
        voice._("Write how many phases, from 1 to {most}.", most=most),
        voice._("Example: {command}", command=code(f"{prefix}moon 6")),
    )


def ics_description(voice: Voice, window: Window) -> str:
    lines = [
        voice.s(
            voice._(
                "Action window {id}: {mode}.", id=window.id, mode=words.mode(voice, window.mode)
            )
        )
    ]
    if window.gesture:
        lines.append(voice.s(voice._("Gesture guidelines: {gesture}", gesture=window.gesture)))
    for item in window.notes:
        lines.append(voice.s(voice._("Note: {note}", note=voice.s(words.note(voice, item)))))
    return "\n".join(lines)


def ics_reply(voice: Voice, window: Window) -> Reply:
    return reply(
        voice._(
            "Calendar file for window {id} {title} — open it to add the window to your calendar.",
            id=code(window.id),
            title=bold(window.title),
        )
    )


def upload_failed(voice: Voice) -> Reply:
    return error_reply(voice._("I couldn't upload the calendar file. Please try again later."))


# --- refusals ------------------------------------------------------------------------------


def which_window(voice: Voice, usage: str, prefix: str) -> Reply:
    return error_reply(
        voice._("Which window? Write its id."),
        voice._("Usage: {usage}", usage=code(prefix + usage)),
    )


def not_a_window_id(voice: Voice, word: str, prefix: str) -> Reply:
    return error_reply(
        voice._(
            "“{word}” is not a window id: ids have 5 letters and digits, as {command} shows.",
            word=word,
            command=code(f"{prefix}windows"),
        )
    )


def no_such_window(voice: Voice, window_id: str, prefix: str) -> Reply:
    return error_reply(
        voice._(
            "There is no window {id}. {command} lists them.",
            id=code(window_id),
            command=code(f"{prefix}windows"),
        )
    )


def not_a_node(voice: Voice, prefix: str) -> Reply:
    return error_reply(
        voice._("This room is not a node of the network yet, so it cannot propose or vote."),
        voice._(
            "A moderator can register it with {command}.",
            command=code(f"{prefix}node register <name…>"),
        ),
    )


def only_moderators_propose(voice: Voice) -> Reply:
    return error_reply(voice._("Only room moderators can propose windows here."))


def too_many_open(voice: Voice, count: int, prefix: str) -> Reply:
    return error_reply(
        voice.ngettext(
            "This node already has {count} proposal waiting for a decision.",
            "This node already has {count} proposals waiting for a decision.",
            count,
        ),
        voice._(
            "Let the network decide first, or withdraw one with {command}.",
            command=code(f"{prefix}window cancel <id>"),
        ),
    )


def too_many_today(voice: Voice, count: int) -> Reply:
    return error_reply(
        voice.ngettext(
            "This node has already made {count} proposal in the last 24 hours.",
            "This node has already made {count} proposals in the last 24 hours.",
            count,
        ),
        voice._(
            "Every proposal reaches every room with a poll, so there is a daily limit. "
            "Please try again tomorrow."
        ),
    )


def only_moderators_vote(voice: Voice) -> Reply:
    return error_reply(
        voice._("Only room moderators vote for this node. Tell them what you think!")
    )


def may_not_cancel(voice: Voice) -> Reply:
    return error_reply(
        voice._("Only the person who proposed this window or a network coordinator can cancel it.")
    )


def already(voice: Voice, window: Window) -> Reply:
    return error_reply(
        voice._(
            "Window {id} is already {state}.",
            id=code(window.id),
            state=words.state(voice, window.state),
        )
    )


def voting_closed(voice: Voice, window: Window) -> Reply:
    return error_reply(
        voice._(
            "Window {id} is already {state}; voting is closed.",
            id=code(window.id),
            state=words.state(voice, window.state),
        )
    )


def changed_meanwhile(voice: Voice) -> Reply:
    return error_reply(voice._("The window changed meanwhile; please look again."))


def vote_usage(voice: Voice, prefix: str) -> Reply:
    return error_reply(
        voice._("Write the window id and your node's vote."),
        voice._("Usage: {usage}", usage=code(f"{prefix}vote <id> yes|stand-aside|no|block")),
        voice._("Example: {command}", command=code(f"{prefix}vote k3f9q yes")),
    )


def not_a_vote(voice: Voice, word: str, prefix: str) -> Reply:
    return error_reply(
        voice._("“{word}” is not a vote: use yes, stand-aside, no or block.", word=word),
        voice._("Usage: {usage}", usage=code(f"{prefix}vote <id> yes|stand-aside|no|block")),
    )
