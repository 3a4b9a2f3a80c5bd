"""Admission by a vote of the nodes (``network.admission: vote``): the admitted nodes decide
on a room that asks to join under the same rule as windows — consensus early, else the
deadline decides by consensus or majority (see :mod:`actionbot.core.decisions`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from actionbot.core.changes import SetAdmissionVote
from actionbot.core.decisions import Vote, decide
from actionbot.core.keys import JobId, JobKind, MessageKey, MessageKind
from actionbot.core.nodes import Node
from actionbot.core.windows import Window
from actionbot.flows import nodes as node_flows
from actionbot.flows.context import FlowContext
from actionbot.flows.effects import Effects, Job, Notice
from actionbot.render import admission_votes as text


def deadline(ctx: FlowContext, request: Node) -> datetime:
    asked = request.requested_at or request.registered_at
    return asked + ctx.settings.decision_period


def ask(ctx: FlowContext, *, request: Node, nodes: Sequence[Node]) -> Effects:
    """Every admitted node room is asked to vote; the vote ends at the deadline."""
    when = deadline(ctx, request)
    prefix = ctx.settings.prefix
    messages = tuple(
        Notice(
            key=MessageKey(kind=MessageKind.ADMISSION, node=request.id, room=node.id),
            room_id=node.room_id,
            reply=text.asks_to_vote(ctx.voices.of(node), request, when, prefix),
        )
        for node in nodes
        if node.room_id != request.room_id
    )
    job = Job(id=JobId(kind=JobKind.ADMISSION, node=request.id), at=when)
    return Effects(messages=messages, schedule=(job,))


def vote(
    ctx: FlowContext,
    *,
    request: Node,
    voter: Node,
    choice: Vote,
    votes: Mapping[str, Vote],
    nodes: Sequence[Node],
    approved: Sequence[Window],
    now: datetime,
) -> tuple[Effects, bool]:
    """One node's vote; the request is admitted at once when consensus holds with every
    node's voice. Returns the effects and whether this vote admitted the room."""
    updated = {**_counted(votes, nodes), voter.id: choice}
    effects = Effects(
        changes=(SetAdmissionVote(node_id=request.id, voter_node_id=voter.id, vote=choice),)
    )
    decision = decide(updated, nodes=len(nodes), rule=ctx.settings.rule, deadline_passed=False)
    if decision.approved:
        admitted = node_flows.admit(ctx, request=request, nodes=nodes, approved=approved, now=now)
        return effects + admitted + Effects(cancel=(_job(request),)), True
    return effects, False


def at_deadline(
    ctx: FlowContext,
    *,
    request: Node,
    votes: Mapping[str, Vote],
    nodes: Sequence[Node],
    approved: Sequence[Window],
    now: datetime,
) -> Effects:
    """The deadline decides: admitted by consensus or majority, else refused (deleted, told,
    the bot leaves)."""
    decision = decide(
        _counted(votes, nodes), nodes=len(nodes), rule=ctx.settings.rule, deadline_passed=True
    )
    if decision.approved:
        return node_flows.admit(ctx, request=request, nodes=nodes, approved=approved, now=now)
    return node_flows.refuse(ctx, request=request, reason="")


def _job(request: Node) -> JobId:
    return JobId(kind=JobKind.ADMISSION, node=request.id)


def _counted(votes: Mapping[str, Vote], nodes: Sequence[Node]) -> dict[str, Vote]:
    """Only the votes of nodes admitted now: a node that left or was removed has no say."""
    admitted = {node.id for node in nodes}
    return {voter: vote for voter, vote in votes.items() if voter in admitted}
