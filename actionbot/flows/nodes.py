"""A room joins the network or changes its details: one flow, one transaction.

Storing the node and replanning its reminders used to be two transactions; a crash in
between left a node whose approved windows would never remind it (or reminded it at its
old zone's times).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from actionbot.core.changes import (
    ForgetNode,
    MoveNodeRoom,
    RecordUpgrade,
    RegisterNode,
    WithdrawNode,
)
from actionbot.core.keys import JobId, JobKind, MessageKey, MessageKind
from actionbot.core.nodes import Node, Standing
from actionbot.core.windows import Window
from actionbot.flows import remind
from actionbot.flows.context import FlowContext
from actionbot.flows.effects import Effects, Job, LeaveRoom, Notice
from actionbot.render import admission as text


def register(
    ctx: FlowContext,
    *,
    node: Node,
    previous: Node | None,
    nodes: Sequence[Node],
    approved: Sequence[Window],
    now: datetime,
) -> Effects:
    """Store ``node``; a newly admitted node, or one whose zone moved, gets reminders for
    the approved windows at its local times (the windows' ends move with the latest start).
    A room that only asks to join gets nothing yet."""
    effects = Effects(changes=(RegisterNode(node=node),))
    if node.standing is Standing.REQUESTED:
        return effects + Effects(schedule=(expiry_job(ctx, node),))
    if not node.admitted:
        return effects
    if previous is not None and previous.admitted and previous.timezone == node.timezone:
        return effects
    network = [n for n in nodes if n.room_id != node.room_id] + [node]
    return effects + remind.node_changed(ctx, node=node, nodes=network, approved=approved, now=now)


def expiry_job(ctx: FlowContext, request: Node) -> Job:
    """When a request nobody decided on is dropped."""
    asked = request.requested_at or request.registered_at
    return Job(
        id=JobId(kind=JobKind.EXPIRE, node=request.id), at=asked + ctx.settings.request_expiry
    )


def expire(ctx: FlowContext, *, request: Node, nodes: Sequence[Node]) -> Effects:
    """A request nobody decided on in time: deleted like a refusal, the room told, the
    coordination room told (so nobody waits for an answer that will not come), the bot
    leaves."""
    told = Notice(
        key=MessageKey(kind=MessageKind.EXPIRED, node=request.id),
        room_id=request.room_id,
        reply=text.expired(ctx.voices.of(request), request),
    )
    leave = LeaveRoom(
        key=MessageKey(kind=MessageKind.LEAVE, node=request.id), room_id=request.room_id
    )
    audit = ctx.to_coordination(
        MessageKey(kind=MessageKind.EXPIRED, node=request.id, room="coordination"),
        nodes,
        lambda voice: text.expired_audit(voice, request),
    )
    return Effects(changes=(ForgetNode(node_id=request.id),), messages=(told, leave, *audit))


def admit(
    ctx: FlowContext,
    *,
    request: Node,
    nodes: Sequence[Node],
    approved: Sequence[Window],
    now: datetime,
) -> Effects:
    """The coordinators admit a room: it becomes a node (reminders planned for the approved
    windows) and hears so in its language."""
    node = replace(request, standing=Standing.ADMITTED)
    welcome = Notice(
        key=MessageKey(kind=MessageKind.ADMISSION, node=node.id),
        room_id=node.room_id,
        reply=text.admitted(ctx.voices.of(node), node, ctx.settings.prefix),
    )
    return register(
        ctx, node=node, previous=request, nodes=nodes, approved=approved, now=now
    ) + Effects(messages=(welcome,), cancel=(expiry_job(ctx, request).id,))


def refuse(ctx: FlowContext, *, request: Node, reason: str) -> Effects:
    """The coordinators refuse a room: it hears so (with their reason, if any), and its
    record is deleted — nothing about a refused room is kept."""
    told = Notice(
        key=MessageKey(kind=MessageKind.ADMISSION, node=request.id),
        room_id=request.room_id,
        reply=text.refused(ctx.voices.of(request), request, reason),
    )
    leave = LeaveRoom(
        key=MessageKey(kind=MessageKind.LEAVE, node=request.id), room_id=request.room_id
    )
    return Effects(
        changes=(ForgetNode(node_id=request.id),),
        messages=(told, leave),
        cancel=(expiry_job(ctx, request).id,),
    )


def depart(
    ctx: FlowContext,
    *,
    node: Node,
    removed: bool,
    reason: str,
    proposed: Sequence[Window],
    approved: Sequence[Window],
) -> Effects:
    """A node leaves (its moderators' choice) or is removed (the coordinators'): it loses
    its vote on undecided windows and its reminders, and is told; its record and decided
    votes stay for the history. The bot leaves a removed room."""
    gone = replace(node, standing=Standing.REMOVED if removed else Standing.LEFT)
    messages: tuple = ()
    if removed:  # a node that leaves hears it as the reply to its own command
        told = Notice(
            key=MessageKey(kind=MessageKind.DEPARTURE, node=node.id),
            room_id=node.room_id,
            reply=text.removed(ctx.voices.of(node), node, reason),
        )
        leave = LeaveRoom(
            key=MessageKey(kind=MessageKind.LEAVE, node=node.id), room_id=node.room_id
        )
        messages = (told, leave)
    return Effects(
        changes=(
            RegisterNode(node=gone),
            WithdrawNode(node_id=node.id, undecided=tuple(w.id for w in proposed)),
        ),
        messages=messages,
        cancel_node_reminders=tuple((w.id, node.id) for w in approved),
    )


def upgraded(
    ctx: FlowContext, *, node: Node, nodes: Sequence[Node], new_room: str, joined: bool
) -> Effects:
    """The node's room was upgraded. Remember the successor; if the bot could not join it
    (an invite-only room), the coordination room is asked to get the bot invited (the old
    room is closed to the bot's messages by the upgrade)."""
    record = RecordUpgrade(node_id=node.id, old_room=node.room_id, new_room=new_room)
    if joined:
        return Effects(changes=(record,))
    ask = ctx.to_coordination(
        MessageKey(kind=MessageKind.UPGRADE, node=node.id, room=new_room),
        nodes,
        lambda voice: text.invite_me(voice, node),
    )
    return Effects(changes=(record,), messages=ask)


def continue_in(ctx: FlowContext, *, node: Node, new_room: str) -> Effects:
    """The node continues in the successor room: its windows, votes and pending reminders
    stay (they follow the node, not the room); unsent messages go to the new room."""
    moved = replace(node, room_id=new_room)
    told = Notice(
        key=MessageKey(kind=MessageKind.UPGRADE, node=node.id, room=new_room, index=1),
        room_id=new_room,
        reply=text.continues_here(ctx.voices.of(moved), moved, ctx.settings.prefix),
    )
    return Effects(
        changes=(MoveNodeRoom(node_id=node.id, old_room=node.room_id, new_room=new_room),),
        messages=(told,),
    )
