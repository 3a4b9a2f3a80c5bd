"""How windows, votes and reminders read in a room (pure rendering, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from actionbot.render.reply import Reply, Span, bold, code, reply
from actionbot.core.decisions import Decision, Vote
from actionbot.core.durations import format_duration
from actionbot.core.i18n import message
from actionbot.core.nodes import Node
from actionbot.core.reminders import Kind
from actionbot.core.timing import countdown, fmt_local, fmt_utc
from actionbot.core.windows import Window

Lines = list[str | Span | list[str | Span]]

MODE_TEXT = {
    "global": "global — one instant, everywhere at once",
    "local": "local — the same clock time in every node's zone (a wave around the globe)",
}
POLL_START = "org.matrix.msc3381.poll.start"
POLL_END = "org.matrix.msc3381.poll.end"
POLL_ANSWERS = (
    ("yes", "Yes"),
    ("no", "No"),
    ("abstain", "Abstain"),
    ("block", "Block (a serious objection)"),
)


def named(window: Window) -> list[str | Span]:
    """``abcde`` **Title**: how every message refers to a window."""
    return [code(window.id), " ", bold(window.title)]


def start_lines(window: Window, node: Node | None, now: datetime) -> Lines:
    """Start in UTC (for a global window) and in this room's local time, with countdown."""
    lines: Lines = []
    if window.mode == "global" and window.start is not None and node is None:
        lines.append(["Start: ", code(fmt_utc(window.start)), f" ({countdown(now, window.start)})"])
    elif window.mode == "global" and window.start is not None:
        lines.append(["Start: ", code(fmt_utc(window.start))])
    if node is not None:
        start, note = window.node_start(node)
        lines.append(
            [
                f"Here: {fmt_local(start, node.timezone)} ({countdown(now, start)})"
                + (f" — {note}" if note else "")
            ]
        )
        if window.mode == "local":
            lines.append(["Here in UTC: ", code(fmt_utc(start))])
    elif window.mode == "local" and window.local_time is not None:
        lines.append([f"At {window.local_time:%H:%M} local time in every node"])
    return lines


def summary(window: Window, node: Node | None, now: datetime) -> Lines:
    lines: Lines = [[bold(window.title), " — window ", code(window.id)]]
    lines += start_lines(window, node, now)
    lines.append(f"Duration: {format_duration(window.duration)} · Mode: {MODE_TEXT[window.mode]}")
    lines.append(f"Anchor: {window.label}")
    for note in window.notes:
        lines.append(f"Note: {note}")
    if window.gesture:
        lines.append(["Gesture guidelines: ", code(window.gesture)])
    if window.recurrence:
        lines.append(f"Repeats: every {window.recurrence}")
    return lines


def vote_hint(window: Window, prefix: str) -> list[str | Span]:
    return ["Vote from your node room: ", code(f"{prefix}vote {window.id} yes|no|abstain|block")]


def per_node_votes(nodes: Sequence[Node], votes: Mapping[str, Vote]) -> str:
    parts = [f"{n.name}: {votes[n.id] if n.id in votes else '—'}" for n in nodes]
    return " · ".join(parts) if parts else "no nodes"


def decision_text(
    window: Window, decision: Decision, nodes: Sequence[Node], votes: Mapping[str, Vote]
) -> Reply:
    verdict = "approved" if decision.approved else "rejected"
    how = f"by {decision.how}" if decision.approved else f"({decision.how})"
    lines: Lines = [
        ["Window ", *named(window), f" is {verdict} {how}."],
        f"Tally: {decision.tally.text()}",
        f"By node: {per_node_votes(nodes, votes)}",
    ]
    if decision.approved:
        lines.append("Reminders are scheduled in every node's time zone and language.")
    else:
        lines.append("It is archived; nothing will be scheduled.")
    return reply(*lines)


def reminder_text(window: Window, node: Node, kind: Kind, now: datetime, late: bool) -> Reply:
    start, _ = window.node_start(node)
    values = {
        "title": window.title,
        "id": window.id,
        "duration": format_duration(window.duration),
        "when": fmt_local(start, node.timezone),
        "countdown": countdown(now, start).removeprefix("in "),
        "is_late": "yes" if late else "",
    }
    text = message(node.language, str(kind), **values)
    return reply(text)


def poll_content(window: Window, prefix: str) -> dict[str, Any]:
    """A native Matrix poll: the unstable (MSC3381) event most clients render, carrying the
    stable ``m.poll`` content too, plus a text fallback for clients without polls."""
    question = f"Window {window.id}: {window.title} — do you agree?"
    fallback = f"{question} Answer the poll or send {prefix}vote {window.id} yes|no|abstain|block"
    return {
        POLL_START: {
            "kind": "org.matrix.msc3381.poll.disclosed",
            "max_selections": 1,
            "question": {"org.matrix.msc1767.text": question, "body": question},
            "answers": [
                {"id": key, "org.matrix.msc1767.text": label} for key, label in POLL_ANSWERS
            ],
        },
        "m.poll": {
            "kind": "m.disclosed",
            "max_selections": 1,
            "question": {"m.text": [{"body": question}]},
            "answers": [{"m.id": key, "m.text": [{"body": label}]} for key, label in POLL_ANSWERS],
        },
        "org.matrix.msc1767.text": fallback,
        "m.text": [{"body": fallback}],
        "body": fallback,
    }


def poll_end_content(poll_event_id: str, verdict: str) -> dict[str, Any]:
    text = f"The vote has ended: the window is {verdict}."
    return {
        "m.relates_to": {"rel_type": "m.reference", "event_id": poll_event_id},
        "org.matrix.msc3381.poll.end": {},
        "org.matrix.msc1767.text": text,
        "m.text": [{"body": text}],
        "body": text,
    }
