"""A room joins the network or changes its details: one flow, one transaction.

Storing the node and replanning its reminders used to be two transactions; a crash in
between left a node whose approved windows would never remind it (or reminded it at its
old zone's times).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from actionbot.core.changes import RegisterNode
from actionbot.core.nodes import Node
from actionbot.core.windows import Window
from actionbot.flows import remind
from actionbot.flows.context import FlowContext
from actionbot.flows.effects import Effects


def register(
    ctx: FlowContext,
    *,
    node: Node,
    previous: Node | None,
    nodes: Sequence[Node],
    approved: Sequence[Window],
    now: datetime,
) -> Effects:
    """Store ``node``; a new node, or one whose zone moved, gets reminders for the approved
    windows at its local times (the windows' ends move with the latest start)."""
    effects = Effects(changes=(RegisterNode(node=node),))
    if previous is not None and previous.timezone == node.timezone:
        return effects
    network = [n for n in nodes if n.room_id != node.room_id] + [node]
    return effects + remind.node_changed(ctx, node=node, nodes=network, approved=approved, now=now)
