"""Reminders fired in batches: a thousand nodes' "starts now" fall due at one instant, and
one transaction (and one outbox wake-up) for all of them beats a thousand.

Each reminder is still its own unit: in the shared transaction it has a savepoint, so a
reminder already settled (a replay) is rolled back alone and the others are kept (see
:meth:`Applier.apply_each`). A batch that a crash interrupts is redone at start-up: the
reminders it had not settled are still planned in the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from actionbot.flows import remind
from actionbot.flows.applier import Applier
from actionbot.flows.context import FlowContext
from actionbot.flows.effects import Job
from actionbot.store.nodes import NodeStore
from actionbot.store.windows import WindowStore

log = logging.getLogger("actionbot.flows.runner")

BATCH = 250  # reminders per transaction
RETRY = timedelta(seconds=15)  # after a failed batch


class ReminderSteps:
    ctx: FlowContext
    windows: WindowStore
    nodes: NodeStore
    applier: Applier
    clock: Callable[[], datetime]
    _due: list[Job]
    _firing: asyncio.Task[None] | None
    _alone: set[str]  # reminders of a failed batch: fired one by one next time

    async def fire_reminder(self, job: Job) -> None:
        """Queue a due reminder; the jobs due at the same moment go out together."""
        self._due.append(job)
        if self._firing is None or self._firing.done():
            self._firing = asyncio.create_task(self._fire_due(), name="reminders")
        await asyncio.shield(self._firing)

    async def _fire_due(self) -> None:
        await asyncio.sleep(0)  # the other jobs of this instant join the batch
        while self._due:
            batch, self._due = self._due[:BATCH], self._due[BATCH:]
            # Reminders of a batch that failed go one by one: one that cannot be sent must
            # not hold back the others for good (second review).
            alone = [job for job in batch if job.id.text() in self._alone]
            groups = [[job] for job in alone] + [[j for j in batch if j not in alone]]
            for group in (g for g in groups if g):
                try:
                    await self._fire(group)
                except Exception:
                    self._failed(group)

    def _failed(self, group: list[Job]) -> None:
        """A failed batch (a locked database) is rolled back whole; its timers are spent,
        so it is tried again soon, one by one, rather than at the next horizon pass (an
        hour away: a "starts now" would be too late). A reminder that fails alone is left
        to that pass (it is still planned in the database)."""
        if len(group) == 1 and group[0].id.text() in self._alone:
            self._alone.discard(group[0].id.text())
            log.exception("reminder failed; the next horizon pass tries it again")
            return
        log.exception("reminders failed; trying again one by one", extra={"due": len(group)})
        again = self.clock() + RETRY
        for job in group:
            self._alone.add(job.id.text())
            self.applier.scheduler.at(replace(job, at=again))

    async def _fire(self, batch: list[Job]) -> None:
        now = self.clock()
        nodes = {node.id: node for node in await self.nodes.all()}
        room = self.ctx.settings.coordination_room
        coordination = [n for n in nodes.values() if n.room_id == room]
        windows = {}
        for job in batch:
            item = job.reminder
            assert item is not None
            if item.window_id not in windows:
                windows[item.window_id] = await self.windows.get(item.window_id)
        each = [
            remind.remind(
                self.ctx,
                item=job.reminder,
                window=windows[job.reminder.window_id],
                node=nodes.get(job.reminder.node_id),
                nodes=coordination,
                now=now,
            )
            for job in batch
            if job.reminder is not None
        ]
        settled = await self.applier.apply_each(each, now=now)
        log.info("reminders settled", extra={"count": sum(settled), "due": len(batch)})
