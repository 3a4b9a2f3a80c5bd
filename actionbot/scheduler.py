"""Timed jobs (decision deadlines, reminders, window ends) on APScheduler 3.

The database is the source of truth: jobs live only in memory and are rebuilt from the
database at every start-up (no pickled job store), so a job can never disagree with the
state it acts on. Every job is idempotent — it re-reads the state and does nothing if it
was already done — so a duplicate or a late run is harmless.

``misfire_grace_time=None``: APScheduler's default of 1 s silently drops a job that runs
late (the bug most reported against reminder bots); here a late job always runs, and the
job itself decides what "late" means (see :mod:`actionbot.core.reminders`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

log = logging.getLogger(__name__)

Job = Callable[..., Awaitable[None]]


class Scheduler:
    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(
            timezone="UTC",
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def at(self, job_id: str, when: datetime, job: Job, *args: Any) -> None:
        """Run ``job(*args)`` at ``when`` (now, if that has passed); replaces ``job_id``."""

        async def run() -> None:
            try:
                await job(*args)
            except Exception:
                log.exception("scheduled job failed", extra={"job": job_id})

        self._scheduler.add_job(run, DateTrigger(run_date=when), id=job_id, replace_existing=True)

    def cancel(self, job_id: str) -> None:
        if self._scheduler.get_job(job_id) is not None:
            self._scheduler.remove_job(job_id)

    def job_ids(self) -> list[str]:
        return sorted(job.id for job in self._scheduler.get_jobs())
