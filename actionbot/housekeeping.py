"""Forgetting on schedule: what the bot no longer needs is deleted, by the running bot
every few hours and by ``actionbot purge`` — one function, so the two cannot disagree.

| what                                    | kept for                                      |
|-----------------------------------------|-----------------------------------------------|
| records of handled events, hints        | ``max_command_age`` or the reports' grace, +1 d |
| photos (unless the roundup is kept)     | ``reports.retention`` (30 days)               |
| windows over, with votes, RSVPs, reports | ``store.retention`` (365 days) after the end  |
| messages sent, failed or skipped        | ``store.retention``                           |

Then the write-ahead log is emptied, so no old copy of a deleted row stays on disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from actionbot.config import Config
from actionbot.config.model import handled_retention
from actionbot.roundup.service import RoundupService
from actionbot.store import Database, OutboxStore, WindowStore
from actionbot.store.events import EventLog


@dataclass(frozen=True)
class Forgotten:
    handled: int
    photos: int
    windows: int
    messages: int


async def forget_old(
    db: Database, config: Config, roundups: RoundupService | None, now: datetime
) -> Forgotten:
    handled = await EventLog(db).prune(now - handled_retention(config))
    photos = await roundups.purge(now) if roundups is not None else 0
    history = now - config.history_retention
    windows = await WindowStore(db).forget_over_before(history)
    messages = await OutboxStore(db).forget_settled_before(history)
    await db.scrub()
    return Forgotten(handled=handled, photos=photos, windows=windows, messages=messages)
