"""Proposing, voting, deciding and cancelling a window — pure flows.

| event                   | state               | effects                                               |
|-------------------------|---------------------|-------------------------------------------------------|
| propose                 | —                   | window created; announced to other rooms; polls; deadline job |
| vote                    | window proposed     | vote stored; coordination told if it changed; decided if consensus is complete |
| vote                    | window not proposed | refused (voting is closed), nothing changes           |
| deadline                | window proposed     | decided by the deadline rule                          |
| decided, approved       |                     | approved with its reminder plan; reminders and end scheduled; polls closed |
| decided, rejected       |                     | rejected; polls closed                                |
| cancel                  | proposed or approved| cancelled; its reminders and jobs dropped; other rooms told |

The room that acted gets its own reply (rendered by the command), never also the
broadcast meant for the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from actionbot.core.decisions import Decision, Vote, decide
from actionbot.core.nodes import Node
from actionbot.core.notes import Note
from actionbot.core.polls import PollRef
from actionbot.core.proposals import Proposal
from actionbot.core.reminders import plan
from actionbot.core.timing import Timing
from actionbot.core.when import when_to_json
from actionbot.core.windows import State, Window
from actionbot.flows.context import FlowContext
from actionbot.flows.effects import (
    NOTHING,
    CreateWindow,
    Effects,
    Job,
    JobId,
    JobKind,
    MessageKey,
    MessageKind,
    PollEnd,
    PollStart,
    SetVote,
    SkipMessage,
    Transition,
    reminder_job,
)
from actionbot.render import moves
from actionbot.render import polls as poll_text
from actionbot.render import windows as text


def new_window(
    ctx: FlowContext,
    *,
    window_id: str,
    proposal: Proposal,
    timing: Timing,
    proposer: Node,
    nodes: Sequence[Node],
    now: datetime,
) -> Window:
    window = Window(
        id=window_id,
        title=proposal.title,
        mode=timing.mode,
        start=timing.start,
        local_time=timing.local_time,
        local_date=timing.local_date,
        anchor=timing.anchor,
        duration=proposal.duration or ctx.settings.default_duration,
        state=State.PROPOSED,
        proposer_node=proposer.id,
        gesture=proposal.gesture,
        gesture_rev=proposal.gesture_rev,
        recurrence=proposal.recurrence,
        when=when_to_json(proposal.when),
        label=timing.label,
        notes=timing.notes,
        created_at=now,
        deadline=now,
        series=window_id if proposal.recurrence else None,
    )
    ahead = [s for s in window.starts(nodes).values() if s > now]
    first = min(ahead) if ahead else window.node_start(proposer)[0]
    # Decide by the end of the voting period, but at the latest half-way to the first
    # start still ahead (a wave may already have passed further east), so an approval
    # at the deadline still leaves time for the start reminders.
    deadline = max(now, min(now + ctx.settings.decision_period, now + (first - now) / 2))
    # Shown to people: a whole minute reads better. Round up, never down (rounding down
    # could close the vote seconds after it opened), and only while it stays before the start.
    rounded = deadline.replace(second=0, microsecond=0)
    if rounded < deadline:
        rounded += timedelta(minutes=1)
    if rounded < first:
        deadline = rounded
    notes = window.notes
    if window.mode == "local":
        passed = [n.name for n in nodes if window.node_start(n)[0] <= now]
        if passed:
            notes = (*notes, Note(kind="passed-for", values={"nodes": ", ".join(passed)}))
    return replace(window, deadline=deadline, notes=notes)


def propose(
    ctx: FlowContext,
    *,
    window: Window,
    proposer: Node,
    nodes: Sequence[Node],
    proposer_hash: str,
    event_id: str,
    now: datetime,
) -> Effects:
    """Announce a new window to the other rooms (each reads its own start) and open a poll
    in every node room."""
    prefix = ctx.settings.prefix
    messages: tuple = ctx.broadcast(
        MessageKind.PROPOSED,
        window.id,
        nodes,
        lambda voice, node: text.proposed(
            voice, window=window, proposer=proposer, target=node, now=now, prefix=prefix
        ),
        skip=proposer.room_id,
    )
    if ctx.settings.polls:
        messages += tuple(
            PollStart(
                key=MessageKey(kind=MessageKind.POLL, window=window.id, node=node.id),
                room_id=node.room_id,
                window_id=window.id,
                node_id=node.id,
                text=poll_text.poll(ctx.voices.of(node), window, prefix),
            )
            for node in nodes
        )
    return Effects(
        changes=(CreateWindow(window=window, proposer_hash=proposer_hash, source_event=event_id),),
        messages=messages,
        schedule=(Job(id=JobId(kind=JobKind.DEADLINE, window=window.id), at=window.deadline),),
    )


@dataclass(frozen=True, kw_only=True)
class VoteResult:
    effects: Effects
    window: Window  # as it will be once the effects are applied
    decision: Decision | None  # when this vote decided the window
    closed: bool = False  # refused: the window was no longer proposed
    votes: Mapping[str, Vote] | None = None  # every node's vote, this one included


def vote(
    ctx: FlowContext,
    *,
    window: Window,
    nodes: Sequence[Node],
    votes: Mapping[str, Vote],
    polls: Sequence[PollRef],
    node: Node,
    choice: Vote,
    via: str,
    event_id: str,
    now: datetime,
) -> VoteResult:
    """One node's voice. By command, the voting room gets the reply (with the decision, if
    this vote decided); by poll, it hears the decision like every other room."""
    if window.state is not State.PROPOSED:
        return VoteResult(effects=NOTHING, window=window, decision=None, closed=True)
    updated = {**votes, node.id: choice}
    effects = Effects(
        changes=(SetVote(window_id=window.id, node_id=node.id, vote=choice, via=via),)
    )
    decision = decide(updated, nodes=len(nodes), rule=ctx.settings.rule, deadline_passed=False)
    if votes.get(node.id) != choice:
        # A node changing its mind again and again makes one notice, the last word
        # (held briefly, unless this vote decides: then the news goes at once).
        effects += Effects(
            messages=ctx.to_coordination(
                MessageKey(kind=MessageKind.VOTE, event=event_id),
                nodes,
                lambda voice: text.vote_noted(
                    voice, window=window, node=node, choice=choice, nodes=nodes, votes=updated
                ),
                skip=node.room_id,
                coalesce=f"vote:{window.id}:{node.id}" if decision.approved is None else None,
            )
        )
    if decision.approved is None:
        return VoteResult(effects=effects, window=window, decision=None, votes=updated)
    skip = node.room_id if via == "command" else None
    decided, after = finalize(
        ctx,
        window=window,
        decision=decision,
        nodes=nodes,
        votes=updated,
        polls=polls,
        now=now,
        skip=skip,
    )
    return VoteResult(effects=effects + decided, window=after, decision=decision, votes=updated)


def deadline(
    ctx: FlowContext,
    *,
    window: Window,
    nodes: Sequence[Node],
    votes: Mapping[str, Vote],
    polls: Sequence[PollRef],
    now: datetime,
) -> Effects:
    if window.state is not State.PROPOSED:
        return NOTHING
    decision = decide(votes, nodes=len(nodes), rule=ctx.settings.rule, deadline_passed=True)
    return finalize(
        ctx, window=window, decision=decision, nodes=nodes, votes=votes, polls=polls, now=now
    )[0]


def finalize(
    ctx: FlowContext,
    *,
    window: Window,
    decision: Decision,
    nodes: Sequence[Node],
    votes: Mapping[str, Vote],
    polls: Sequence[PollRef],
    now: datetime,
    skip: str | None = None,
) -> tuple[Effects, Window]:
    messages: tuple = ctx.broadcast(
        MessageKind.DECIDED,
        window.id,
        nodes,
        lambda voice, _node: text.decided(voice, window, decision, nodes, votes),
        skip=skip,
    )
    changes: tuple = ()
    for poll in polls:
        key = MessageKey(kind=MessageKind.POLL, window=window.id, node=poll.node_id)
        if poll.event_id is None:  # not sent yet: don't open a poll that is already over
            changes += (SkipMessage(key=key, reason="decided before it was sent"),)
            continue
        node = next((n for n in nodes if n.id == poll.node_id), None)
        messages += (
            PollEnd(
                key=MessageKey(kind=MessageKind.POLL_END, window=window.id, node=poll.node_id),
                room_id=poll.room_id,
                poll_event_id=poll.event_id,
                text=poll_text.poll_closed(ctx.voices.of(node), bool(decision.approved)),
            ),
        )
    cancel = (JobId(kind=JobKind.DEADLINE, window=window.id),)
    if not decision.approved:
        change = Transition(window=window, to=State.REJECTED, decision=str(decision.how))
        after = window.with_state(State.REJECTED, decision=str(decision.how), decided_at=now)
        return Effects(changes=(*changes, change), messages=messages, cancel=cancel), after
    after = window.with_state(State.APPROVED, decision=str(decision.how), decided_at=now)
    reminders = tuple(
        plan(
            window_id=window.id,
            starts=window.starts(nodes),
            duration=window.duration,
            offsets=ctx.settings.offsets,
            now=now,
        )
    )
    change = Transition(
        window=window, to=State.APPROVED, decision=str(decision.how), plan=reminders
    )
    return (
        Effects(
            changes=(*changes, change),
            messages=messages,
            schedule=approved_jobs(after, nodes, reminders),
            cancel=cancel,
        ),
        after,
    )


def approved_jobs(window: Window, nodes: Sequence[Node], reminders: Sequence) -> tuple[Job, ...]:
    jobs = tuple(reminder_job(item) for item in reminders)
    end = window.last_end(nodes)
    if end is not None:
        jobs += (Job(id=JobId(kind=JobKind.END, window=window.id), at=end),)
    return jobs


def cancel(
    ctx: FlowContext, *, window: Window, nodes: Sequence[Node], by: Node | None, acting_room: str
) -> Effects:
    """``by``: the node that cancelled (None: the coordination room or a coordinator
    elsewhere). Reminders not yet sent are dropped with the window's jobs."""
    if window.state not in (State.PROPOSED, State.APPROVED):
        return NOTHING
    by_name = by.name if by is not None else None
    return Effects(
        changes=(
            Transition(
                window=window,
                to=State.CANCELLED,
                decision=window.decision or "cancelled",
                cancel_reminders=True,
            ),
        ),
        messages=ctx.broadcast(
            MessageKind.CANCELLED,
            window.id,
            nodes,
            lambda voice, _node: text.cancelled(voice, window, by_name),
            skip=acting_room,
        ),
        cancel_window_jobs=(window.id,),
    )


def move(
    ctx: FlowContext,
    *,
    old: Window,
    new: Window,
    proposer: Node,
    nodes: Sequence[Node],
    polls: Sequence[PollRef],
    proposer_hash: str,
    event_id: str,
    acting_room: str,
    now: datetime,
) -> Effects:
    """A window moves to another time: the old one ends ("moved"), a new one (new id, same
    title) is proposed in the same transaction. Votes start over, polls are replaced, and
    reminders are planned again once the new window is approved."""
    if old.state not in (State.PROPOSED, State.APPROVED):
        return NOTHING
    prefix = ctx.settings.prefix
    messages: tuple = ctx.broadcast(
        MessageKind.MOVED,
        old.id,
        nodes,
        lambda voice, node: moves.moved(
            voice, old=old, new=new, target=node, now=now, prefix=prefix
        ),
        skip=acting_room,
    )
    changes: tuple = (
        Transition(window=old, to=State.CANCELLED, decision="moved", cancel_reminders=True),
    )
    for poll in polls:
        if poll.event_id is None:
            key = MessageKey(kind=MessageKind.POLL, window=old.id, node=poll.node_id)
            changes += (SkipMessage(key=key, reason="the window moved before it was sent"),)
            continue
        node = next((n for n in nodes if n.id == poll.node_id), None)
        messages += (
            PollEnd(
                key=MessageKey(kind=MessageKind.POLL_END, window=old.id, node=poll.node_id),
                room_id=poll.room_id,
                poll_event_id=poll.event_id,
                text=moves.poll_moved(ctx.voices.of(node), new),
            ),
        )
    proposed = propose(
        ctx,
        window=new,
        proposer=proposer,
        nodes=nodes,
        proposer_hash=proposer_hash,
        event_id=event_id,
        now=now,
    )
    polls_only = tuple(m for m in proposed.messages if isinstance(m, PollStart))
    return Effects(
        changes=changes + proposed.changes,
        messages=messages + polls_only,
        schedule=proposed.schedule,
        cancel_window_jobs=(old.id,),
    )
