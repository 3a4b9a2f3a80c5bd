"""Reminders, and the report of a reminder skipped while the bot was down.

A wave (local mode) starts at a different instant in each node, so its reminders never
say "together with every node"; a global window's do.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from actionbot.core.nodes import Node
from actionbot.core.reminders import Kind, PlannedReminder
from actionbot.core.windows import Window
from actionbot.render.reply import Reply, Span, bold, code, reply
from actionbot.render.voice import Voice


def reminder(
    voice: Voice, window: Window, node: Node, kind: Kind, now: datetime, *, late: bool
) -> Reply:
    start, _ = window.node_start(node)
    values = {
        "title": bold(window.title),
        "id": code(window.id),
        "duration": voice.duration(window.duration),
    }
    if kind is Kind.BEFORE:
        line = voice._(
            # Translators: {countdown} is your "in {duration}"; {when} a date and time; {duration} the window's length.
            "⏰ Reminder: {title} starts {countdown}, at {when} (window {id}, {duration}).",
            countdown=voice.countdown(now, start),
            when=voice.moment(start, node.timezone),
            **values,
        )
    elif kind is Kind.START and window.mode == "local":
        line = voice._(
            "🟢 Now: {title} starts here — {duration}, at the same local time as in every "
            "node (window {id}).",
            **values,
        )
    elif kind is Kind.START:
        line = voice._(
            "🟢 Now: {title} starts — {duration}, together with every node (window {id}).",
            **values,
        )
    else:
        line = voice._(
            "🔴 {title} has ended. Thank you. Take time to rest and talk it through; share "
            "photo reports when you are ready (window {id}).",
            **values,
        )
    if late:
        # Translators: appended to a reminder sent later than it was due.
        return reply((*line, Span(" "), *voice._("(sent late)")))
    return reply(line)


def offset_text(voice: Voice, item: PlannedReminder, before: timedelta) -> str:
    if item.kind is Kind.BEFORE:
        # Translators: {offset} is a duration such as "1 day" or "1 hour" (nominative).
        return voice.s(voice._("the reminder {offset} before", offset=voice.duration(before)))
    if item.kind is Kind.START:
        return voice.s(voice._("the reminder at the start"))
    return voice.s(voice._("the reminder at the end"))


def skipped(
    voice: Voice, window: Window, node: Node, item: PlannedReminder, now: datetime
) -> Reply:
    start, _ = window.node_start(node)
    """For the coordination room: a reminder too late to be useful, and why."""
    return reply(
        voice._(
            # Translators: {what} is "the reminder 1 day before", "the reminder at the start" or "… at the end".
            "Skipped: {what} for node {node}, window {id} {title}.",
            what=offset_text(voice, item, start - item.due),
            node=bold(node.name),
            id=code(window.id),
            title=bold(window.title),
        ),
        voice._(
            # Translators: {late} is a duration in the nominative, e.g. "2 hours".
            "It was due {when}, {late} ago; the bot was not running.",
            when=voice.moment(item.due),
            late=voice.duration(now - item.due, largest=2),
        ),
    )
