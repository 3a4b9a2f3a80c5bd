"""Lunar phase instants, computed with ``ephem`` (never hand-written astronomy).

``ephem`` works in UT (≈ UTC for our purposes: the difference is under a second). The
results agree with published phase tables (USNO) to within a minute; see
``tests/unit/test_lunar.py`` for the table checked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import ephem

# Phase names as people type them → ephem's "next phase after" function.
PHASES: dict[str, Callable[[ephem.Date], ephem.Date]] = {
    "full moon": ephem.next_full_moon,
    "new moon": ephem.next_new_moon,
    "first quarter": ephem.next_first_quarter_moon,
    "last quarter": ephem.next_last_quarter_moon,
}

PHASE_SYMBOLS = {"full moon": "🌕", "new moon": "🌑", "first quarter": "🌓", "last quarter": "🌗"}


def _to_ephem(moment: datetime) -> ephem.Date:
    utc = moment.astimezone(UTC)
    return ephem.Date(utc.replace(tzinfo=None))


def _from_ephem(value: ephem.Date) -> datetime:
    return ephem.Date(value).datetime().replace(tzinfo=UTC, microsecond=0)


def next_phase(phase: str, after: datetime) -> datetime:
    """The first instant of ``phase`` strictly after ``after`` (aware, UTC).

    Results are rounded down to the second, so asking again from a returned instant would
    find the same phase; searching from a minute later avoids that.
    """
    found = _from_ephem(PHASES[phase](_to_ephem(after)))
    if found <= after:
        found = _from_ephem(PHASES[phase](_to_ephem(after + timedelta(minutes=1))))
    return found


def upcoming_phases(after: datetime, count: int) -> list[tuple[str, datetime]]:
    """The next ``count`` principal phases after ``after``, in time order."""
    found: list[tuple[str, datetime]] = []
    cursor = after
    while len(found) < count:
        name, moment = min(
            ((name, next_phase(name, cursor)) for name in PHASES), key=lambda item: item[1]
        )
        found.append((name, moment))
        cursor = moment
    return found
