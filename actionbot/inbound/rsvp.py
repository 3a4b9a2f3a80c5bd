"""RSVP by reaction: the RSVP emoji (default 🙋) on a guideline in a node room counts the
person in, like ``!join``; redacting the reaction takes it back. Every other reaction and
redaction is ignored after at most two lookups; nothing is said in the room (a reaction
is its own acknowledgement)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from actionbot.core.windows import State
from actionbot.flows.runner import Runner
from actionbot.matrix import events
from actionbot.store.nodes import NodeStore
from actionbot.store.outbox import OutboxStore
from actionbot.store.windows import WindowStore

log = logging.getLogger(__name__)


# What clients add to an emoji: the emoji presentation selector, skin tones, and the
# joined ♀/♂ of gendered forms (🙋🏽, 🙋‍♀️ are all 🙋).
_DECORATIONS = str.maketrans(
    "", "", "\ufe0f\u200d\u2640\u2642" + "".join(chr(c) for c in range(0x1F3FB, 0x1F400))
)


def _bare(key: str) -> str:
    return key.translate(_DECORATIONS).strip()


class RsvpHandler:
    def __init__(
        self,
        *,
        emoji: str,
        runner: Runner,
        nodes: NodeStore,
        windows: WindowStore,
        outbox: OutboxStore,
        clock: Callable[[], datetime],
    ) -> None:
        self._emoji = _bare(emoji)
        self._runner = runner
        self._nodes = nodes
        self._windows = windows
        self._outbox = outbox
        self._clock = clock

    async def handle(self, reaction: events.Reaction) -> None:
        if _bare(reaction.key) != self._emoji:
            return
        message = await self._outbox.by_event_id(reaction.reacts_to)
        if message is None:
            return
        found = await self._runner.gestures.store.guideline_of(message.key)
        if found is None:
            return
        window_id, node_id = found
        node = await self._nodes.by_id(node_id)
        window = await self._windows.get(window_id)
        if node is None or not node.admitted or node.room_id != reaction.room_id or window is None:
            return
        if window.state is not State.APPROVED:
            return
        if window.node_start(node)[0] + window.duration <= self._clock():
            return
        await self._runner.rsvp(
            window,
            node,
            self._runner.person_hash(reaction.sender),
            joined=True,
            reaction_event=reaction.event_id,
        )
        log.info("rsvp by reaction", extra={"window": window.id, "node": node.id})

    async def redacted(self, redaction: events.Redaction) -> None:
        await self._runner.undo_reaction(
            redaction.redacts, room_id=redaction.room_id, sender=redaction.sender
        )
