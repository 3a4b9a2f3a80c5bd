"""Room upgrades (``m.room.tombstone``): a node follows its room to the successor, with its
windows, votes and pending reminders. The bot joins the new room if it can; if it cannot
(an invite-only room), it asks the old room for an invite and finishes when invited."""

from __future__ import annotations

import logging

from actionbot.flows.runner import Runner
from actionbot.inbound.invites import InviteHandler
from actionbot.matrix import events
from actionbot.matrix.connection import Connection
from actionbot.store.events import EventLog
from actionbot.store.nodes import NodeStore

log = logging.getLogger(__name__)


class UpgradeHandler:
    def __init__(
        self,
        *,
        connection: Connection,
        runner: Runner,
        nodes: NodeStore,
        invites: InviteHandler,
        handled: EventLog,
    ) -> None:
        self._connection = connection
        self._runner = runner
        self._nodes = nodes
        self._invites = invites
        self._handled = handled

    async def handle(self, tombstone: events.Tombstone) -> None:
        node = await self._nodes.by_room(tombstone.room_id)
        if node is None or await self._handled.is_handled(tombstone.event_id):
            return
        error = await self._connection.join(tombstone.replacement)
        await self._runner.upgraded(node, tombstone.replacement, joined=error is None)
        if error is None:
            # Finished once the client knows the new room (so it can encrypt there).
            self._invites.continue_in(tombstone.replacement)
        await self._handled.record_handled(
            event_id=tombstone.event_id,
            room_id=tombstone.room_id,
            now=self._runner.clock(),
            messages=[],
        )
        log.info("room upgraded", extra={"node": node.id, "joined": error is None})
