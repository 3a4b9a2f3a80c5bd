"""Resolving a ``<when>`` (see :mod:`actionbot.core.when`) to instants.

Modes: ``local`` (the word) makes a *local* window — the same wall-clock time in every
node's zone, a wave around the globe; everything else is a *global* window, one instant.
A bare lunar phase is the exact phase instant; ``… at 20:00 local`` is 20:00 on the date
of the phase in each node's zone. A dated window without ``at`` uses the configured
default time (local noon unless configured).

DST: a wall time inside a spring-forward gap moves forward by the gap (02:30 → 03:30); a
wall time that happens twice takes the first occurrence. Either way a note says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from actionbot.core.calendar import Calendar, occurrence
from actionbot.core.lunar import next_phase
from actionbot.core.notes import Note
from actionbot.core.when import (
    ClockTime,
    Dated,
    Explicit,
    Fault,
    Instant,
    Lunar,
    When,
    WhenError,
)
from actionbot.core.zones import LOCAL, localize, zone_info

# How far ahead a window may be planned: far enough for any campaign, near enough that
# date arithmetic never overflows.
MAX_AHEAD = timedelta(days=3 * 366)


# --- resolution ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Timing:
    """When a window happens. Global: ``start``. Local: ``local_time`` on ``local_date``,
    or on the date that ``anchor`` (e.g. the full moon) has in each node's zone.
    ``label`` is the anniversary's title, when the window is one."""

    mode: str  # "global" | "local"
    start: datetime | None = None
    local_time: time | None = None
    local_date: date | None = None
    anchor: datetime | None = None
    label: str = ""
    notes: tuple[Note, ...] = ()

    def node_start(self, zone: str) -> tuple[datetime, Note | None]:
        """This node's start instant (UTC) and a DST note, if any."""
        if self.mode == "global":
            assert self.start is not None
            return self.start, None
        assert self.local_time is not None
        if self.local_date is not None:
            day = self.local_date
        else:
            assert self.anchor is not None
            day = self.anchor.astimezone(zone_info(zone)).date()
        return localize(day, self.local_time, zone)


def _past(when: datetime, now: datetime) -> WhenError:
    return WhenError(
        fault=Fault.IN_PAST, values={"when": when, "now": now}, example="next full moon"
    )


def _place(
    day: date, clock: ClockTime, proposer_zone: str, label: str, now: datetime
) -> Timing | WhenError:
    """A wall-clock time on a day: local mode, or a global instant in a zone."""
    if clock.zone == LOCAL:
        # Only the proposer's own start is checked: a wave may already have passed in
        # zones further east; those nodes are told at proposal time.
        start, _note = localize(day, clock.as_time(), proposer_zone)
        if start <= now:
            return _past(start, now)
        return Timing(mode="local", local_time=clock.as_time(), local_date=day, label=label)
    zone = clock.zone or proposer_zone
    start, note = localize(day, clock.as_time(), zone)
    if start <= now:
        return _past(start, now)
    return Timing(mode="global", start=start, label=label, notes=(note,) if note else ())


def resolve(
    when: When,
    *,
    now: datetime,
    proposer_zone: str,
    calendar: Calendar,
    default_at: ClockTime,
) -> Timing | WhenError:
    """Turn an anchor into a :class:`Timing`, or say what is wrong with it.

    Refused: times in the past, and times more than :data:`MAX_AHEAD` ahead (which also
    keeps every later ``start + duration`` far from the limits of ``datetime``).
    """
    try:
        result = _resolve(
            when, now=now, proposer_zone=proposer_zone, calendar=calendar, default_at=default_at
        )
    except (OverflowError, ValueError):
        return WhenError(fault=Fault.OUT_OF_RANGE, example="next full moon")
    if isinstance(result, Timing):
        start = result.start or result.node_start(proposer_zone)[0]
        if start - now > MAX_AHEAD:
            return WhenError(fault=Fault.TOO_FAR, example="next full moon")
    return result


def _resolve(
    when: When, *, now: datetime, proposer_zone: str, calendar: Calendar, default_at: ClockTime
) -> Timing | WhenError:
    if isinstance(when, Instant):
        if when.instant <= now:
            return _past(when.instant, now)
        return Timing(mode="global", start=when.instant)
    if isinstance(when, Explicit):
        return _place(when.day, when.at, proposer_zone, "", now)
    if isinstance(when, Lunar):
        return _lunar(when, now=now, proposer_zone=proposer_zone)
    # Dated: an anniversary or a month-day.
    month, day_of_month, label = when.month, when.day, ""
    if when.anniversary is not None:
        entry = calendar.get(when.anniversary)
        if entry is None:
            close = [i for i in calendar.ids() if i.startswith(when.anniversary[:3])][:3]
            return WhenError(
                fault=Fault.NO_ANNIVERSARY,
                values={"word": when.anniversary, "near": ", ".join(close)},
                example=f"anniversary {(close or calendar.ids() or ['cable-street'])[0]}",
            )
        month, day_of_month = entry.month, entry.day
        label = entry.title + (f" ({entry.year})" if entry.year else "")
    clock = when.at or default_at
    local_today = now.astimezone(zone_info(proposer_zone)).date()
    # Without a year: the first occurrence still ahead. Start a year back, because a time
    # given in another zone (e.g. 01-01 00:30 UTC, proposed from UTC-11 on 31 December)
    # may belong to a year that is not the proposer's local year.
    years = [when.year] if when.year else list(range(local_today.year - 1, local_today.year + 2))
    last: Timing | WhenError | None = None
    for year in years:
        day, leap = occurrence(month, day_of_month, year)
        last = _place(day, clock, proposer_zone, label, now)
        if isinstance(last, Timing):
            if leap:
                note = Note(kind="leap-day", values={"year": str(year)})
                return replace(last, notes=(*last.notes, note))
            return last
    assert last is not None
    return last


def _lunar(when: Lunar, *, now: datetime, proposer_zone: str) -> Timing | WhenError:
    """A phase, placed; with ``next …`` a phase whose time here has already passed (e.g. 06:00
    UTC asked at 07:00 on the day of the full moon) moves on to the following one."""
    moment = next_phase(when.phase, when.after or now)
    for _ in range(3):
        if moment <= now and when.after is not None:
            return _past(moment, now)
        if when.at is None:
            result: Timing | WhenError = Timing(mode="global", start=moment, anchor=moment)
        elif when.at.zone == LOCAL:
            result = Timing(mode="local", local_time=when.at.as_time(), anchor=moment)
            if result.node_start(proposer_zone)[0] <= now:
                result = _past(result.node_start(proposer_zone)[0], now)
        else:
            zone = when.at.zone or proposer_zone
            day = moment.astimezone(zone_info(zone)).date()
            result = _place(day, when.at, proposer_zone, "", now)
            if isinstance(result, Timing):
                result = replace(result, anchor=moment)
        if isinstance(result, Timing) or when.after is not None:
            return result
        moment = next_phase(when.phase, moment)
    return result


def next_occurrence(when: When, recurrence: str, after: datetime) -> When | None:
    """The anchor of the next occurrence of a recurring window, from the anchor itself
    (never a fixed number of seconds, which drifts across DST and leap years).

    Yearly: the same month-day and wall time, the first one still ahead (so 29 February
    comes back in leap years). Lunar: the same phase strictly after ``after``, which the
    caller sets to the current occurrence's phase instant.
    """
    if recurrence == "year":
        if isinstance(when, Explicit):
            return Dated(month=when.day.month, day=when.day.day, year=None, at=when.at)
        if isinstance(when, Dated):
            return Dated(
                month=when.month, day=when.day, year=None, at=when.at, anniversary=when.anniversary
            )
        return None
    if isinstance(when, Lunar) and recurrence == when.phase:
        return Lunar(phase=when.phase, after=after, at=when.at)
    return None
