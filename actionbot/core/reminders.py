"""Reminder plans and what to do with a reminder that fires late.

A plan has one reminder per (window, node, offset). Offsets are written like durations
before the start (``7d``, ``1h``) or the words ``start`` and ``end``.

Lateness rules (the bot may have been down, or the machine asleep):

| lateness                     | kind                     | action                      |
|------------------------------|--------------------------|-----------------------------|
| ≤ on-time slack (default 1m) | any                      | send                        |
| ≤ grace period               | any                      | send, marked "(sent late)"       |
| > grace, window still running| start                    | send, marked "(sent late)"       |
| > grace                      | otherwise                | skip, list to coordinators  |
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from actionbot.core.durations import DurationError, parse_duration

ON_TIME = timedelta(minutes=1)


class Kind(StrEnum):
    BEFORE = "before"
    START = "start"
    END = "end"


@dataclass(frozen=True, kw_only=True)
class Offset:
    key: str  # "7d", "start", "end"
    kind: Kind
    before: timedelta = timedelta(0)


@dataclass(frozen=True, kw_only=True)
class PlannedReminder:
    window_id: str
    node_id: str
    offset: str
    kind: Kind
    due: datetime


DEFAULT_OFFSETS = (
    Offset(key="7d", kind=Kind.BEFORE, before=timedelta(days=7)),
    Offset(key="1d", kind=Kind.BEFORE, before=timedelta(days=1)),
    Offset(key="1h", kind=Kind.BEFORE, before=timedelta(hours=1)),
    Offset(key="start", kind=Kind.START),
    Offset(key="end", kind=Kind.END),
)


class Action(StrEnum):
    SEND = "send"
    LATE = "late"
    SKIP = "skip"


def parse_offsets(values: Iterable[str]) -> list[Offset] | str:
    offsets: list[Offset] = []
    for value in values:
        word = value.strip().lower()
        if word in ("start", "end"):
            offsets.append(Offset(key=word, kind=Kind(word)))
            continue
        parsed = parse_duration(word)
        if isinstance(parsed, DurationError):
            return f"'{value}' is not a reminder offset (use e.g. 7d, 1h, start, end)"
        offsets.append(Offset(key=word, kind=Kind.BEFORE, before=parsed))
    keys = [o.key for o in offsets]
    if len(set(keys)) != len(keys):
        return "reminder offsets must not repeat"
    return offsets


def plan(
    *,
    window_id: str,
    starts: Mapping[str, datetime],
    duration: timedelta,
    offsets: Iterable[Offset],
    now: datetime,
) -> list[PlannedReminder]:
    """Reminders still ahead of ``now`` for each node's start; passed ones are not planned
    (they were never due while the window was approved)."""
    planned = []
    for node_id, start in starts.items():
        for offset in offsets:
            if offset.kind is Kind.END:
                due = start + duration
            else:
                due = start - offset.before
            if due > now:
                planned.append(
                    PlannedReminder(
                        window_id=window_id,
                        node_id=node_id,
                        offset=offset.key,
                        kind=offset.kind,
                        due=due,
                    )
                )
    return sorted(planned, key=lambda r: (r.due, r.node_id, r.offset))


def lateness_action(
    *,
    kind: Kind,
    due: datetime,
    now: datetime,
    grace: timedelta,
    window_end: datetime,
    on_time: timedelta = ON_TIME,
) -> Action:
    late = now - due
    if late <= on_time:
        return Action.SEND
    if late <= grace:
        return Action.LATE
    if kind is Kind.START and now < window_end:
        return Action.LATE
    return Action.SKIP
