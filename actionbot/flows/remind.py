"""Reminders and node changes — pure flows.

| event          | state                                  | effects                                   |
|----------------|----------------------------------------|-------------------------------------------|
| reminder due   | window or node gone, or not approved   | reminder cancelled                        |
| reminder due   | on time / late (see core.reminders)    | reminder fired: one notice in the node's language, "(sent late)" if late |
| reminder due   | too late                               | reminder skipped; coordination room told  |
| node changed   | approved windows                       | the node's reminders re-planned at its (new) local times; ends moved |
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from actionbot.core.nodes import Node
from actionbot.core.reminders import Action, Kind, PlannedReminder, lateness_action, plan
from actionbot.core.windows import State, Window
from actionbot.flows.context import FlowContext
from actionbot.flows.effects import (
    NOTHING,
    Effects,
    Job,
    JobId,
    JobKind,
    MessageKey,
    MessageKind,
    Notice,
    ReplanNode,
    SettleReminder,
    reminder_job,
)
from actionbot.render import reminders as text


def remind(
    ctx: FlowContext,
    *,
    item: PlannedReminder,
    window: Window | None,
    node: Node | None,
    nodes: Sequence[Node],
    now: datetime,
) -> Effects:
    """Render and enqueue one reminder; the store settles it only once, so a replay is a
    no-op. A window that ended while the bot was down is DONE, but its overdue reminders
    still go through the lateness rules (skipped ones are reported), not silently dropped."""
    if window is None or node is None or window.state not in (State.APPROVED, State.DONE):
        reason = "node no longer registered" if node is None else "window not approved"
        return Effects(changes=(SettleReminder(item=item, status="cancelled", reason=reason),))
    end = window.node_start(node)[0] + window.duration
    action = lateness_action(
        kind=item.kind,
        due=item.due,
        now=now,
        grace=ctx.settings.late_grace,
        window_end=end,
        on_time=ctx.settings.late_after,
    )
    if action is Action.SKIP:
        late = int((now - item.due).total_seconds() // 60)
        return Effects(
            changes=(SettleReminder(item=item, status="skipped", reason=f"{late} min late"),),
            messages=ctx.to_coordination(
                MessageKey(
                    kind=MessageKind.SKIPPED,
                    window=item.window_id,
                    node=item.node_id,
                    offset=item.offset,
                ),
                nodes,
                lambda voice: text.skipped(voice, window, node, item, now),
            ),
        )
    voice = ctx.voices.of(node)
    notice = Notice(
        # The due time is part of the key: a reminder re-planned for a new time (the node
        # moved zone) is a new message, while a replay of the same one is not.
        key=MessageKey(
            kind=MessageKind.REMINDER,
            window=item.window_id,
            node=item.node_id,
            offset=item.offset,
            due=int(item.due.timestamp()),
        ),
        room_id=node.room_id,
        reply=text.reminder(voice, window, node, item.kind, now, late=action is Action.LATE),
        # Lateness is judged again when it is sent: through an outage the outbox keeps
        # trying while the reminder is useful, and says "(sent late)" if it is.
        useful_until=useful_until(item, end, ctx.settings.late_grace),
        late_at=item.due + ctx.settings.late_after if action is Action.SEND else None,
        late_reply=(
            text.reminder(voice, window, node, item.kind, item.due, late=True)
            if action is Action.SEND
            else None
        ),
    )
    return Effects(
        changes=(SettleReminder(item=item, status="fired"),),
        messages=(notice,),
    )


def useful_until(item: PlannedReminder, window_end: datetime, grace: timedelta) -> datetime:
    """The last moment a reminder is worth sending (the rule of ``lateness_action``): its
    grace, or for the start of a window, until the window ends."""
    limit = item.due + grace
    if item.kind is Kind.START:
        return max(limit, window_end)
    return limit


def node_changed(
    ctx: FlowContext,
    *,
    node: Node,
    nodes: Sequence[Node],
    approved: Sequence[Window],
    now: datetime,
) -> Effects:
    """A node that registered late, or moved to another zone, gets reminders for approved
    windows at its (new) local times; the windows' ends move with the latest start."""
    effects = NOTHING
    for window in approved:
        reminders = tuple(
            plan(
                window_id=window.id,
                starts=window.starts([node]),
                duration=window.duration,
                offsets=ctx.settings.offsets,
                now=now,
            )
        )
        jobs = tuple(reminder_job(item) for item in reminders)
        end = window.last_end(nodes)
        if end is not None:
            jobs += (Job(id=JobId(kind=JobKind.END, window=window.id), at=end),)
        effects += Effects(
            changes=(ReplanNode(window_id=window.id, node_id=node.id, plan=reminders),),
            schedule=jobs,
            cancel_node_reminders=((window.id, node.id),),
        )
    return effects
