"""A room joins the network or changes its details: one flow, one transaction.

Storing the node and replanning its reminders used to be two transactions; a crash in
between left a node whose approved windows would never remind it (or reminded it at its
old zone's times).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from actionbot.core.changes import ForgetNode, RegisterNode
from actionbot.core.keys import MessageKey, MessageKind
from actionbot.core.nodes import Node, Standing
from actionbot.core.windows import Window
from actionbot.flows import remind
from actionbot.flows.context import FlowContext
from actionbot.flows.effects import Effects, Notice
from actionbot.render import nodes as text


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
    if not node.admitted:
        return effects
    if previous is not None and previous.admitted and previous.timezone == node.timezone:
        return effects
    network = [n for n in nodes if n.room_id != node.room_id] + [node]
    return effects + remind.node_changed(ctx, node=node, nodes=network, approved=approved, now=now)


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
    ) + Effects(messages=(welcome,))


def refuse(ctx: FlowContext, *, request: Node, reason: str) -> Effects:
    """The coordinators refuse a room: it hears so (with their reason, if any), and its
    record is deleted — nothing about a refused room is kept."""
    told = Notice(
        key=MessageKey(kind=MessageKind.ADMISSION, node=request.id),
        room_id=request.room_id,
        reply=text.refused(ctx.voices.of(request), request, reason),
    )
    return Effects(changes=(ForgetNode(node_id=request.id),), messages=(told,))
