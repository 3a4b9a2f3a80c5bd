"""Timed jobs (decision deadlines, reminders, window ends) on APScheduler 3.

The database is the source of truth: jobs live only in memory and are rebuilt from the
database at every start-up (no pickled job store), so a job can never disagree with the
state it acts on. Every job is idempotent — it re-reads the state and does nothing if it
was already done — so a duplicate or a late run is harmless.

``misfire_grace_time=None``: APScheduler's default of 1 s silently drops a job that runs
late (the bug most reported against reminder bots); here a late job always runs, and the
job itself decides what "late" means (see :mod:`actionbot.core.reminders`).

Reminders are planned per node in the database, not in memory: only those due within
``REMINDER_HORIZON`` get a timer; a ``HORIZON`` job every half horizon loads the next ones
with one indexed query. At 1,000 nodes and 100 windows approved ahead that is a few
thousand timers instead of half a million (which took 25 s and 1.2 GB to start).

Jobs are known by typed :class:`JobId` values; the scheduler keeps them beside the text ids
APScheduler needs, so cancelling "every job of window X" compares fields, never parses.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from actionbot.core.keys import JobId, JobKind
from actionbot.flows.effects import Job

log = logging.getLogger(__name__)

Runner = Callable[[Job], Awaitable[None]]

REMINDER_HORIZON = timedelta(hours=2)
HEARTBEAT = timedelta(minutes=1)
HEARTBEAT_ID = "heartbeat"


async def _nothing() -> None:
    """The heartbeat's job: waking the scheduler is all it is for."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    def __init__(
        self,
        clock: Callable[[], datetime] = _utc_now,
        horizon: timedelta = REMINDER_HORIZON,
    ) -> None:
        self._clock = clock
        self.horizon = horizon
        self._scheduler = AsyncIOScheduler(
            timezone="UTC",
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        self._ids: dict[str, JobId] = {}
        self._run: Runner | None = None

    def start(self, run: Runner) -> None:
        """Start firing jobs; each due job is handed to ``run``.

        APScheduler waits with the event loop's monotonic clock, which stands still while
        the machine sleeps: after a suspend every timer would fire late by the time slept.
        A heartbeat each ``HEARTBEAT`` makes it look at the wall clock again, so overdue
        jobs run within a minute of waking (review)."""
        self._run = run
        self._scheduler.add_job(
            _nothing, IntervalTrigger(seconds=HEARTBEAT.total_seconds()), id=HEARTBEAT_ID
        )
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def at(self, job: Job) -> None:
        """Run ``job`` at ``job.at`` (now, if that has passed); replaces a job with the same
        id. A reminder beyond the horizon is left to the database (see above)."""
        if job.id.kind is JobKind.REMINDER and job.at > self._clock() + self.horizon:
            return
        text = job.id.text()

        async def fire() -> None:
            self._ids.pop(text, None)
            assert self._run is not None  # APScheduler fires only once started
            try:
                await self._run(job)
            except Exception:
                log.exception("scheduled job failed", extra={"job": text})

        self._ids[text] = job.id
        self._scheduler.add_job(fire, DateTrigger(run_date=job.at), id=text, replace_existing=True)

    def cancel(self, job_id: JobId) -> None:
        text = job_id.text()
        self._ids.pop(text, None)
        if self._scheduler.get_job(text) is not None:
            self._scheduler.remove_job(text)

    def cancel_where(self, match: Callable[[JobId], bool]) -> None:
        for job_id in [j for j in self._ids.values() if match(j)]:
            self.cancel(job_id)

    def cancel_window(self, window_id: str) -> None:
        self.cancel_where(lambda j: j.window == window_id)

    def cancel_reminders(self, window_id: str, node_id: str) -> None:
        self.cancel_where(
            lambda j: j.kind is JobKind.REMINDER and j.window == window_id and j.node == node_id
        )

    def job_ids(self) -> list[JobId]:
        return sorted(self._ids.values(), key=lambda j: j.text())
