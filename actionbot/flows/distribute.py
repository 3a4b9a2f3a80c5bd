"""Gesture guidelines as pure flows: sent to every node room of an approved window (pinned
where the bot may), edited when a node changes its adaptation, unpinned when it ends.

| step                          | messages                                              |
|-------------------------------|-------------------------------------------------------|
| window approved (or a node admitted, or start-up finds one missing) | per node room without one: the guideline, then a pin |
| node adapts after it was sent | an edit of that room's guideline                      |
| window ends or is cancelled   | guidelines and pins not yet sent are dropped; an unpin per room that got one (after its pin) |
| a node leaves or is removed   | the same, for that node's room                        |

Exactly once: a node that already has a guideline (``sent``) gets none, and the outbox key
(window, node) is unique, so a replay after a crash cannot double it. A node whose start
has already passed gets none (the window is over there).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from actionbot.core.changes import SkipMessage
from actionbot.core.gesture_changes import RecordGuideline
from actionbot.core.gestures import Gesture
from actionbot.core.keys import MessageKey, MessageKind
from actionbot.core.nodes import Node
from actionbot.core.windows import State, Window
from actionbot.flows.context import FlowContext
from actionbot.flows.effects import Edit, Effects, Notice, Pin
from actionbot.render import gestures as text
from actionbot.render.reply import Reply


def guideline_key(window_id: str, node_id: str) -> MessageKey:
    return MessageKey(kind=MessageKind.GUIDELINE, window=window_id, node=node_id)


def render(
    ctx: FlowContext, *, window: Window, gesture: Gesture, node: Node, adaptation: str | None
) -> Reply:
    return text.guideline(
        ctx.voices.of(node),
        gesture=gesture,
        window=window,
        node=node,
        starts=window.node_start(node)[0],
        adaptation=adaptation,
        emoji=ctx.settings.rsvp_emoji,
        prefix=ctx.settings.prefix,
    )


def guidelines(
    ctx: FlowContext,
    *,
    window: Window,
    gesture: Gesture | None,
    nodes: Sequence[Node],
    adaptations: Mapping[str, str],
    sent: Mapping[str, object],
    now: datetime,
) -> Effects:
    """The guideline for each node room of an approved window that has none yet."""
    if gesture is None or window.state is not State.APPROVED:
        return Effects()
    messages: list = []
    changes: list = []
    for node in nodes:
        if node.id in sent or window.node_start(node)[0] + window.duration <= now:
            continue
        key = guideline_key(window.id, node.id)
        reply = render(
            ctx, window=window, gesture=gesture, node=node, adaptation=adaptations.get(node.id)
        )
        messages.append(Notice(key=key, room_id=node.room_id, reply=reply))
        if ctx.settings.pin_guidelines:
            messages.append(Pin(key=pin_key(window.id, node.id), room_id=node.room_id, target=key))
        changes.append(
            RecordGuideline(
                window_id=window.id, node_id=node.id, room_id=node.room_id, message_key=key
            )
        )
    return Effects(changes=tuple(changes), messages=tuple(messages))


def adapted(
    ctx: FlowContext,
    *,
    window: Window,
    gesture: Gesture | None,
    node: Node,
    adaptation: str | None,
    sent: bool,
    event_id: str,
) -> Effects:
    """A node changed its adaptation: if its guideline was already queued, edit it."""
    if gesture is None or not sent:
        return Effects()
    key = guideline_key(window.id, node.id)
    reply = render(ctx, window=window, gesture=gesture, node=node, adaptation=adaptation)
    edit = Edit(
        key=MessageKey(
            kind=MessageKind.GUIDELINE_EDIT, window=window.id, node=node.id, event=event_id
        ),
        room_id=node.room_id,
        target=key,
        reply=reply,
    )
    return Effects(messages=(edit,))


def pin_key(window_id: str, node_id: str) -> MessageKey:
    return MessageKey(kind=MessageKind.PIN, window=window_id, node=node_id)


def unpin(ctx: FlowContext, *, window_id: str, sent: Mapping[str, str]) -> Effects:
    """The window is over (or cancelled), or a node is out of it: its guidelines leave
    the pinned list. ``sent`` maps node id → the room its guideline went to. A guideline or
    pin still waiting (an outage) is dropped, never sent afterwards; an unpin waits for its
    pin, so it cannot run first and leave the guideline pinned for good."""
    drop = tuple(
        SkipMessage(key=key, reason="the window is over for this node")
        for node_id in sorted(sent)
        for key in (guideline_key(window_id, node_id), pin_key(window_id, node_id))
    )
    if not ctx.settings.pin_guidelines:
        return Effects(changes=drop)
    return Effects(
        changes=drop,
        messages=tuple(
            Pin(
                key=MessageKey(kind=MessageKind.UNPIN, window=window_id, node=node_id),
                room_id=room_id,
                target=guideline_key(window_id, node_id),
                pin=False,
                after=pin_key(window_id, node_id),
            )
            for node_id, room_id in sorted(sent.items())
        ),
    )
