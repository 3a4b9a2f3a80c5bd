"""How a window reads in a room: its start here, its summary, and the messages of its life
(proposed, voted, decided, cancelled, continued).

Each room reads every instant in its own zone, with the date in words; the coordination
room (and any room that is not a node) reads UTC.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime

from actionbot.core.decisions import Decision, Rule, Vote, needed_yes
from actionbot.core.nodes import Node
from actionbot.core.when import WhenError, when_from_json
from actionbot.core.windows import Window
from actionbot.render import words
from actionbot.render.faults import SENTENCES
from actionbot.render.reply import Line, Reply, Span, bold, code, reply
from actionbot.render.voice import Voice

Lines = list[Line | str | Span | Sequence[str | Span]]


def named(window: Window) -> Line:
    """``abcde`` **Title**: how every message refers to a window."""
    return (code(window.id), Span(" "), bold(window.title))


def start_lines(voice: Voice, window: Window, node: Node | None, now: datetime) -> Lines:
    """When the window starts for this room: its own local start, or, for a room that is
    not a node, the one instant (global) or the clock time every node keeps (a wave)."""
    if node is not None:
        start, note = window.node_start(node)
        line = voice._(
            # Translators: {when} is a date and time; {countdown} is your "in {duration}" or "{duration} ago".
            "Here: {when} — {countdown}",
            when=bold(voice.moment(start, node.timezone)),
            countdown=voice.countdown(now, start),
        )
        lines: Lines = [line]
        if note is not None:
            lines.append(voice._("Note: {note}", note=voice.s(words.note(voice, note))))
        return lines
    if window.mode == "global" and window.start is not None:
        return [
            voice._(
                "Start: {when} — {countdown}",
                when=bold(voice.moment(window.start)),
                countdown=voice.countdown(now, window.start),
            )
        ]
    clock = f"{window.local_time:%H:%M}" if window.local_time else ""
    if window.local_date is not None:
        return [
            voice._(
                "At {time} local time in every node, on {date}",
                time=bold(clock),
                date=voice.day(window.local_date),
            )
        ]
    return [voice._("At {time} local time in every node", time=bold(clock))]


def anchor(voice: Voice, window: Window) -> Line | None:
    """What the window is anchored to, when that says more than its start: a moon phase or
    an anniversary."""
    kind = window.when.get("kind")
    if kind == "lunar" and window.anchor is not None:
        return voice._(
            "Anchor: {phase}, {when}",
            phase=words.phase(voice, str(when_from_json(window.when).phase)),  # type: ignore[union-attr]
            when=voice.moment(window.anchor),
        )
    if kind == "dated" and window.when.get("anniversary") and window.label:
        return voice._("Anniversary: {title}", title=window.label)
    return None


def summary(voice: Voice, window: Window, node: Node | None, now: datetime) -> Lines:
    lines: Lines = [voice._("{title} — window {id}", title=bold(window.title), id=code(window.id))]
    lines += start_lines(voice, window, node, now)
    lines.append(
        voice._(
            "Duration: {duration} · {mode}",
            duration=voice.duration(window.duration),
            mode=words.mode(voice, window.mode),
        )
    )
    anchored = anchor(voice, window)
    if anchored is not None:
        lines.append(anchored)
    for item in window.notes:
        lines.append(voice._("Note: {note}", note=voice.s(words.note(voice, item))))
    if window.gesture:
        lines.append(voice._("Gesture guidelines: {gesture}", gesture=code(window.gesture)))
    if window.recurrence == "year":
        lines.append(voice._("Repeats every year"))
    elif window.recurrence:
        lines.append(voice._("Repeats every {phase}", phase=words.phase(voice, window.recurrence)))
    return lines


def rule_text(voice: Voice, rule: Rule, nodes: int) -> Line:
    needed = needed_yes(rule, nodes)
    if rule.consensus_only:
        return voice.ngettext(
            "Each node has one voice. Approved by consensus when no node says no or blocks and at least "
            "{needed} of {count} node says yes; otherwise rejected at the deadline.",
            "Each node has one voice. Approved by consensus when no node says no or blocks and at least "
            "{needed} of {count} nodes say yes; otherwise rejected at the deadline.",
            nodes,
            needed=needed,
        )
    return voice.ngettext(
        "Each node has one voice. Approved by consensus when no node says no or blocks and at least "
        "{needed} of {count} node says yes; otherwise a majority of voting nodes decides at "
        "the deadline.",
        "Each node has one voice. Approved by consensus when no node says no or blocks and at least "
        "{needed} of {count} nodes say yes; otherwise a majority of voting nodes decides at "
        "the deadline.",
        nodes,
        needed=needed,
    )


def vote_hint(voice: Voice, window: Window, prefix: str) -> Line:
    return voice._(
        "Vote from your node room: {command}",
        command=code(f"{prefix}vote {window.id} yes|stand-aside|no|block"),
    )


def deadline_line(voice: Voice, window: Window) -> Line:
    return voice._("Decision by {when}.", when=voice.moment(window.deadline))


def per_node_votes(voice: Voice, nodes: Sequence[Node], votes: Mapping[str, Vote]) -> str:
    if not nodes:
        return voice.s(voice._("no nodes"))
    if len(nodes) > BY_NAME_MAX:  # a thousand names would not fit in one event: counts
        counted = Counter(votes[n.id] if n.id in votes else None for n in nodes)
        parts = [f"{words.vote(voice, vote)}: {counted[vote]}" for vote in Vote if counted[vote]]
        return " · ".join([*parts, f"—: {counted[None]}"] if counted[None] else parts)
    parts = [f"{n.name}: {words.vote(voice, votes[n.id]) if n.id in votes else '—'}" for n in nodes]
    return " · ".join(parts)


BY_NAME_MAX = 25  # above this many nodes, lists give counts (or the first ones and "… more")


def proposed(
    voice: Voice,
    *,
    window: Window,
    proposer: Node,
    target: Node | None,
    now: datetime,
    prefix: str,
) -> Reply:
    """The announcement of a proposal in another room."""
    return reply(
        voice._(
            "Node {node} proposes window {id}: {title}",
            node=bold(proposer.name),
            id=code(window.id),
            title=bold(window.title),
        ),
        *summary(voice, window, target, now)[1:],
        deadline_line(voice, window),
        vote_hint(voice, window, prefix),
    )


def proposed_reply(
    voice: Voice, *, window: Window, node: Node, now: datetime, rule: Rule, nodes: int, prefix: str
) -> Reply:
    """The answer to the proposer's own command."""
    lines = summary(voice, window, node, now)
    return reply(
        voice._("Proposed: {title} — window {id}", title=bold(window.title), id=code(window.id)),
        *lines[1:],
        rule_text(voice, rule, nodes),
        deadline_line(voice, window),
        vote_hint(voice, window, prefix),
    )


def vote_noted(
    voice: Voice,
    *,
    window: Window,
    node: Node,
    choice: Vote,
    nodes: Sequence[Node],
    votes: Mapping[str, Vote],
) -> Reply:
    """A node's vote, as the coordination room sees it."""
    return reply(
        voice._(
            # Translators: {vote} is a vote's name: "yes", "stand aside", "no" or "block" (translated).
            "Vote on {id} {title}: node {node} → {vote}.",
            id=code(window.id),
            title=bold(window.title),
            node=bold(node.name),
            vote=words.vote(voice, choice),
        ),
        voice._("By node: {votes}", votes=per_node_votes(voice, nodes, votes)),
    )


def vote_reply(voice: Voice, node: Node, choice: Vote, window: Window) -> Reply:
    lines: Lines = [
        voice._(
            # Translators: {vote} is a vote's name: "yes", "stand aside", "no" or "block" (translated).
            "Recorded: node {node} votes {vote} on {id} {title}.",
            node=bold(node.name),
            vote=words.vote(voice, choice),
            id=code(window.id),
            title=bold(window.title),
        )
    ]
    if str(window.state) != "proposed":
        lines.append(
            voice._(
                # Translators: {state} is a window state ("approved", "rejected", …); {how} how it was decided.
                "The vote is closed: the window is {state} ({how}).",
                state=words.state(voice, window.state),
                how=words.how(voice, window.decision),
            )
        )
    return reply(*lines)


def decided(
    voice: Voice,
    window: Window,
    decision: Decision,
    nodes: Sequence[Node],
    votes: Mapping[str, Vote],
) -> Reply:
    if decision.approved:
        head = voice._(
            # Translators: {how} is one of: "by consensus", "by majority", "as the next window of a recurring series".
            "Window {id} {title} is approved {how}.",
            id=code(window.id),
            title=bold(window.title),
            how=words.how(voice, decision.how),
        )
        tail = voice._("Reminders are scheduled in every node's time zone and language.")
    else:
        head = voice._(
            # Translators: {how} is one of: "blocked", "no consensus: too few yes votes", "the majority voted against", "nobody voted".
            "Window {id} {title} is rejected ({how}).",
            id=code(window.id),
            title=bold(window.title),
            how=words.how(voice, decision.how),
        )
        tail = voice._("It is archived; nothing will be scheduled.")
    return reply(
        head,
        voice._("Tally: {tally}", tally=voice.s(words.tally(voice, decision.tally))),
        voice._("By node: {votes}", votes=per_node_votes(voice, nodes, votes)),
        tail,
    )


def cancelled(voice: Voice, window: Window, by: str | None) -> Reply:
    """The news of a cancellation, for every other room; ``by`` is the node that cancelled
    it (None: the coordination room)."""
    if by is None:
        head = voice._(
            "Window {id} {title} was cancelled by the coordination room.",
            id=code(window.id),
            title=bold(window.title),
        )
    else:
        head = voice._(
            "Window {id} {title} was cancelled by node {node}.",
            id=code(window.id),
            title=bold(window.title),
            node=bold(by),
        )
    return reply(head, voice._("No reminders will be sent for it."))


def cancelled_reply(voice: Voice, window: Window) -> Reply:
    return reply(
        voice._(
            "Cancelled window {id} {title}. Every node has been told.",
            id=code(window.id),
            title=bold(window.title),
        )
    )


def series_next(voice: Voice, following: Window, node: Node | None, now: datetime) -> Reply:
    return reply(
        voice._(
            "Next in the series {series}: window {id} {title}.",
            series=code(following.series or following.id),
            id=code(following.id),
            title=bold(following.title),
        ),
        *start_lines(voice, following, node, now),
    )


def series_ended(voice: Voice, window: Window, reason: WhenError | None) -> Reply:
    lines: Lines = [
        voice._(
            "The series of window {id} {title} cannot continue.",
            id=code(window.id),
            title=bold(window.title),
        )
    ]
    if reason is not None and not reason.values:
        lines.append(voice._(SENTENCES[reason.fault]))
    return reply(*lines)
