"""A window ends; a recurring one continues — pure flow.

| state                      | effects                                                        |
|----------------------------|----------------------------------------------------------------|
| not approved any more      | nothing                                                        |
| approved, no recurrence    | done                                                           |
| approved, next one found   | done and the next occurrence created (approved, same series) in one transaction, with its plan and jobs; every room told |
| approved, no next one      | done; coordination room told why the series stops              |

Occurrences missed while the bot was down are skipped, not sent late.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from actionbot.core.lunar import next_phase
from actionbot.core.nodes import Node
from actionbot.core.reminders import plan
from actionbot.core.timing import Timing, next_occurrence, resolve
from actionbot.core.when import Fault, Lunar, WhenError, when_from_json, when_to_json
from actionbot.core.windows import State, Window
from actionbot.flows.context import FlowContext
from actionbot.flows.decide import approved_jobs
from actionbot.flows.effects import (
    NOTHING,
    CreateWindow,
    Effects,
    MessageKey,
    MessageKind,
    Transition,
)
from actionbot.render import windows as text

# Enough lunar months to catch up after any sane downtime.
CATCH_UP = 240


def next_in_series(
    ctx: FlowContext, *, window: Window, nodes: Sequence[Node], next_id: str, now: datetime
) -> Window | WhenError | None:
    """The next occurrence still ahead, or why there is none (None: not recurring)."""
    if not window.recurrence:
        return None
    when = when_from_json(window.when)
    proposer = next((n for n in nodes if n.id == window.proposer_node), None)
    after = window.anchor or window.start or now
    timing: Timing | WhenError | None = None
    anchor = None
    for _ in range(CATCH_UP):
        anchor = next_occurrence(when, window.recurrence, after)
        if anchor is None:
            return WhenError(fault=Fault.UNKNOWN_TIME, values={"words": window.recurrence})
        timing = resolve(
            anchor,
            now=now,
            proposer_zone=proposer.timezone if proposer else "UTC",
            calendar=ctx.calendar,
            default_at=ctx.settings.default_at,
        )
        if isinstance(timing, Timing) or not isinstance(anchor, Lunar):
            break
        after = next_phase(anchor.phase, after)  # that phase is past: try the next one
    if not isinstance(timing, Timing) or anchor is None:
        return timing if isinstance(timing, WhenError) else WhenError(fault=Fault.OUT_OF_RANGE)
    return Window(
        id=next_id,
        title=window.title,
        mode=timing.mode,
        start=timing.start,
        local_time=timing.local_time,
        local_date=timing.local_date,
        anchor=timing.anchor,
        duration=window.duration,
        state=State.APPROVED,
        proposer_node=window.proposer_node,
        gesture=window.gesture,
        gesture_rev=window.gesture_rev,
        recurrence=window.recurrence,
        when=when_to_json(anchor),
        label=timing.label,
        notes=timing.notes,
        created_at=now,
        deadline=now,
        decided_at=now,
        decision="series",
        series=window.series or window.id,
    )


def end(
    ctx: FlowContext,
    *,
    window: Window,
    nodes: Sequence[Node],
    proposer_hash: str,
    next_id: str,
    now: datetime,
) -> Effects:
    if window.state is not State.APPROVED:
        return NOTHING
    following = next_in_series(ctx, window=window, nodes=nodes, next_id=next_id, now=now)
    if isinstance(following, Window):
        reminders = tuple(
            plan(
                window_id=following.id,
                starts=following.starts(nodes),
                duration=following.duration,
                offsets=ctx.settings.offsets,
                now=now,
            )
        )
        return Effects(
            changes=(
                CreateWindow(
                    window=following, proposer_hash=proposer_hash, plan=reminders, finish=window
                ),
            ),
            messages=ctx.broadcast(
                MessageKind.SERIES,
                following.id,
                nodes,
                lambda voice, node: text.series_next(voice, following, node, now),
            ),
            schedule=approved_jobs(following, nodes, reminders),
        )
    messages: tuple = ()
    if isinstance(following, WhenError):
        messages = ctx.to_coordination(
            MessageKey(kind=MessageKind.SERIES_END, window=window.id),
            nodes,
            lambda voice: text.series_ended(voice, window, following),
        )
    return Effects(
        changes=(Transition(window=window, to=State.DONE),),
        messages=messages,
    )
