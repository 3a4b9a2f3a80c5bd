"""Token buckets: how many commands one person, or one room, may send in a burst and over
time, so one member (or an infiltrator) cannot flood the network through the bot.

| bucket       | burst | refill            |
|--------------|-------|-------------------|
| per person   | 15    | one every 3 s     |
| per room     | 40    | one a second      |

Pure: the caller passes the time. A refused command gets one polite answer, then nothing
until the bucket has filled up again (a steady flood got an answer after every refill —
review). One set of buckets covers every kind of input that makes the bot answer or work
(commands, poll answers, undecryptable messages, refused photos).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Bucket:
    capacity: float
    per_second: float
    tokens: float = 0.0
    updated: datetime | None = None
    told: bool = False  # the person has been told that they are going too fast

    def take(self, now: datetime) -> bool:
        if self.updated is None:
            self.tokens, self.updated = self.capacity, now
        elapsed = max(0.0, (now - self.updated).total_seconds())
        self.tokens = min(self.capacity, self.tokens + elapsed * self.per_second)
        self.updated = max(self.updated, now)  # times may come out of order (sent times)
        if self.tokens >= self.capacity:
            self.told = False  # quiet long enough: a new flood may be told again
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass
class CommandLimits:
    """Buckets per person (by the key the caller gives, e.g. the keyed hash) and per room."""

    person_burst: float = 15
    person_rate: float = 1 / 3
    room_burst: float = 40
    room_rate: float = 1.0
    _people: dict[str, Bucket] = field(default_factory=dict)
    _rooms: dict[str, Bucket] = field(default_factory=dict)

    def allow(
        self, person: str, room: str, now: datetime, *, pace_person: bool = True
    ) -> tuple[bool, bool]:
        """(allowed, tell): ``tell`` is True once per exhaustion, for one polite reply.
        ``pace_person=False``: only the room's bucket applies (votes)."""
        if len(self._people) > 10_000:  # forget people long quiet (their buckets are full)
            self._people = {
                k: b
                for k, b in self._people.items()
                if b.updated and (now - b.updated).total_seconds() < 600
            }
        mine = self._people.setdefault(person, Bucket(self.person_burst, self.person_rate))
        here = self._rooms.setdefault(room, Bucket(self.room_burst, self.room_rate))
        if pace_person and not mine.take(now):
            return False, _once(mine)
        if not here.take(now):
            if pace_person:
                mine.tokens += 1  # the person did not use their turn
            return False, _once(mine)
        return True, False


def _once(bucket: Bucket) -> bool:
    if bucket.told:
        return False
    bucket.told = True
    return True
