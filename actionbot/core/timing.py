"""``<when>``: the time grammar of a proposal, and its resolution to instants.

Grammar (words are case-insensitive; zone names too):

    when      := explicit | instant | lunar | dated
    explicit  := YYYY-MM-DD HH:MM [zone | "local"]        (no zone: the proposing node's)
    instant   := YYYY-MM-DDTHH:MM[:SS](Z | ±HH:MM)
    lunar     := "next" phase [at] | phase "after" YYYY-MM-DD [at]
    dated     := "anniversary" ID [YYYY] [at] | "on" MM-DD [at]
    at        := "at" HH:MM ["local" | "UTC" | zone]     (no zone: the proposing node's)
    phase     := "full moon" | "new moon" | "first quarter" | "last quarter"

Modes: ``local`` (the word) makes a *local* window — the same wall-clock time in every
node's zone, a wave around the globe; everything else is a *global* window, one instant.
A bare lunar phase is the exact phase instant; ``… at 20:00 local`` is 20:00 on the date
of the phase in each node's zone. A dated window without ``at`` uses the configured
default time (local noon unless configured).

DST: a wall time inside a spring-forward gap moves forward by the gap (02:30 → 03:30); a
wall time that happens twice takes the first occurrence. Either way a note says so.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from actionbot.core.calendar import Calendar, occurrence
from actionbot.core.durations import format_duration
from actionbot.core.lunar import PHASES, next_phase

LOCAL = "local"
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_MONTH_DAY = re.compile(r"(\d{1,2})-(\d{1,2})", re.ASCII)
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})", re.I | re.A)
_YEAR = re.compile(r"\d{4}", re.ASCII)
# How far ahead a window may be planned: far enough for any campaign, near enough that
# date arithmetic never overflows.
MAX_AHEAD = timedelta(days=3 * 366)

EXAMPLES = (
    "2027-03-08 18:00",
    "2027-03-08 18:00 Europe/Kyiv",
    "2027-03-08T16:00Z",
    "next full moon at 20:00 local",
    "anniversary cable-street at 12:00 local",
    "on 11-09 at 18:00 UTC",
)


@dataclass(frozen=True, kw_only=True)
class ClockTime:
    hour: int
    minute: int
    zone: str = ""  # "" = the proposing node's zone; "local" = each node's own zone

    def as_time(self) -> time:
        return time(self.hour, self.minute)

    def text(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}" + (f" {self.zone}" if self.zone else "")


@dataclass(frozen=True, kw_only=True)
class Explicit:
    day: date
    at: ClockTime


@dataclass(frozen=True, kw_only=True)
class Instant:
    instant: datetime


@dataclass(frozen=True, kw_only=True)
class Lunar:
    phase: str
    after: datetime | None = None
    at: ClockTime | None = None


@dataclass(frozen=True, kw_only=True)
class Dated:
    month: int
    day: int
    year: int | None = None
    at: ClockTime | None = None
    anniversary: str | None = None


When = Explicit | Instant | Lunar | Dated


@dataclass(frozen=True, kw_only=True)
class WhenError:
    """What part of the time is wrong, why, and an example of the right form."""

    part: str
    message: str
    example: str = ""


# --- zones and wall clocks ---------------------------------------------------------------


@cache
def _zone_index() -> dict[str, str]:
    return {key.lower(): key for key in zoneinfo.available_timezones()}


def zone_key(word: str) -> str | None:
    """The canonical IANA key for what someone typed (case-insensitive), or None."""
    lowered = word.lower()
    if lowered in ("utc", "z", "gmt"):
        return "UTC"
    return _zone_index().get(lowered)


def localize(day: date, clock: time, zone: str) -> tuple[datetime, str | None]:
    """The UTC instant of a wall-clock time in ``zone``, resolving DST gaps and overlaps.

    zoneinfo does the time-zone work: with ``fold=0`` and ``fold=1`` a wall time maps to
    one instant (normal), two instants that both show that wall time (overlap: take the
    first), or two instants neither of which shows it (gap: take the later one, which is
    the wall time moved forward by the gap).
    """
    tz = zoneinfo.ZoneInfo(zone)
    naive = datetime.combine(day, clock)
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if first == second:
        return first, None
    shows = [u for u in (first, second) if u.astimezone(tz).replace(tzinfo=None) == naive]
    if len(shows) == 2:
        chosen = min(first, second)
        offset = chosen.astimezone(tz).strftime("%z")
        return chosen, (
            f"{clock:%H:%M} happens twice on {day.isoformat()} in {zone} (clocks go back); "
            f"using the first (UTC{offset[:3]}:{offset[3:]})"
        )
    chosen = max(first, second)
    shown = chosen.astimezone(tz)
    return chosen, (
        f"{clock:%H:%M} does not exist on {day.isoformat()} in {zone} (clocks jump forward); "
        f"using {shown:%H:%M}"
    )


# --- parsing -------------------------------------------------------------------------------


def _clock(word: str) -> ClockTime | WhenError:
    match = _CLOCK.fullmatch(word)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return WhenError(
            part="time",
            message=f"'{word}' is not a time of day",
            example="18:00 or 07:30 (24-hour clock)",
        )
    return ClockTime(hour=int(match.group(1)), minute=int(match.group(2)))


def _zone_word(word: str) -> str | WhenError:
    if word.lower() == LOCAL:
        return LOCAL
    key = zone_key(word)
    if key is None:
        return WhenError(
            part="zone",
            message=f"'{word}' is not a known time zone",
            example="UTC, local, Europe/Kyiv, America/Mexico_City",
        )
    return key


def _clock_in_zone(time_word: str, zone_word: str | None) -> ClockTime | WhenError:
    """``HH:MM`` plus an optional zone word (``local``, ``UTC`` or an IANA name)."""
    clock = _clock(time_word)
    if isinstance(clock, WhenError):
        return clock
    if zone_word is None:
        return clock
    zone = _zone_word(zone_word)
    if isinstance(zone, WhenError):
        return zone
    return ClockTime(hour=clock.hour, minute=clock.minute, zone=zone)


def _date(word: str) -> date | WhenError:
    match = _DATE.fullmatch(word)
    try:
        if match:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        pass
    return WhenError(part="date", message=f"'{word}' is not a date", example="2027-03-08")


def _phase_at(words: list[str], index: int) -> str | None:
    candidate = " ".join(words[index : index + 2])
    return candidate if candidate in PHASES else None


def parse_when(words: list[str], at: ClockTime | None) -> When | WhenError:
    """Parse the anchor words (``at …`` already taken out by the caller)."""
    lower = [w.lower() for w in words]
    if not words:
        return WhenError(part="time", message="the proposal has no time", example=EXAMPLES[0])
    if lower[0] == "next":
        phase = _phase_at(lower, 1)
        if phase is None or len(lower) != 3:
            return WhenError(
                part="lunar phase",
                message="after 'next' write a phase",
                example="next full moon, next new moon, next first quarter",
            )
        return Lunar(phase=phase, at=at)
    if _phase_at(lower, 0) and len(lower) >= 3 and lower[2] == "after":
        if len(lower) != 4:
            return WhenError(
                part="date",
                message="after 'after' write one date",
                example="full moon after 2027-02-01",
            )
        after = _date(words[3])
        if isinstance(after, WhenError):
            return after
        start = datetime.combine(after, time(0), tzinfo=UTC)
        return Lunar(phase=_phase_at(lower, 0) or "", after=start, at=at)
    if lower[0] == "anniversary":
        if len(lower) not in (2, 3):
            return WhenError(
                part="anniversary",
                message="write the anniversary id",
                example="anniversary cable-street [2027]",
            )
        year = None
        if len(lower) == 3:
            if not _YEAR.fullmatch(lower[2]) or not 1900 <= int(lower[2]) <= 2999:
                return WhenError(
                    part="year",
                    message=f"'{words[2]}' is not a year",
                    example="anniversary cable-street 2027",
                )
            year = int(lower[2])
        return Dated(month=0, day=0, year=year, at=at, anniversary=lower[1])
    if lower[0] == "on":
        match = _MONTH_DAY.fullmatch(lower[1]) if len(lower) == 2 else None
        if match is None:
            return WhenError(
                part="date",
                message="after 'on' write a month and day",
                example="on 11-09 at 18:00 local",
            )
        month, day = int(match.group(1)), int(match.group(2))
        try:
            date(2000, month, day)
        except ValueError:
            return WhenError(
                part="date", message=f"'{words[1]}' is not a real day", example="on 03-08"
            )
        return Dated(month=month, day=day, at=at)
    if _INSTANT.fullmatch(words[0]):
        if len(words) != 1 or at is not None:
            return WhenError(
                part="time",
                message="an ISO time already says when; drop the rest",
                example="2027-03-08T16:00Z",
            )
        try:
            instant = datetime.fromisoformat(words[0].upper().replace("Z", "+00:00"))
            return Instant(instant=instant.astimezone(UTC))
        except (ValueError, OverflowError):
            return WhenError(
                part="time", message=f"'{words[0]}' is not a real time", example="2027-03-08T16:00Z"
            )
    if _DATE.fullmatch(words[0]):
        day = _date(words[0])
        if isinstance(day, WhenError):
            return day
        if at is not None:
            return WhenError(
                part="time",
                message="write the time right after the date",
                example="2027-03-08 18:00 UTC",
            )
        if len(words) < 2:
            return WhenError(
                part="time", message="the date needs a time of day", example=f"{words[0]} 18:00"
            )
        if len(words) > 3:
            return WhenError(
                part="time",
                message=f"I don't understand '{' '.join(words[3:])}'",
                example="2027-03-08 18:00 Europe/Kyiv",
            )
        at = _clock_in_zone(words[1], words[2] if len(words) == 3 else None)
        if isinstance(at, WhenError):
            return at
        return Explicit(day=day, at=at)
    return WhenError(
        part="time",
        message=f"I don't understand the time '{' '.join(words)}'",
        example=" · ".join(EXAMPLES),
    )


def parse_at(words: list[str]) -> tuple[list[str], ClockTime | None] | WhenError:
    """Take ``at HH:MM [zone]`` off the end of the anchor words."""
    lower = [w.lower() for w in words]
    if "at" not in lower:
        return words, None
    index = lower.index("at")
    rest = words[index + 1 :]
    if not rest or len(rest) > 2:
        return WhenError(
            part="time",
            message="after 'at' write a time and optionally a zone",
            example="at 20:00 local",
        )
    at = _clock_in_zone(rest[0], rest[1] if len(rest) == 2 else None)
    if isinstance(at, WhenError):
        return at
    return words[:index], at


# --- resolution ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Timing:
    """When a window happens. Global: ``start``. Local: ``local_time`` on ``local_date``,
    or on the date that ``anchor`` (e.g. the full moon) has in each node's zone."""

    mode: str  # "global" | "local"
    start: datetime | None = None
    local_time: time | None = None
    local_date: date | None = None
    anchor: datetime | None = None
    label: str = ""
    notes: tuple[str, ...] = ()

    def node_start(self, zone: str) -> tuple[datetime, str | None]:
        """This node's start instant (UTC) and a DST note, if any."""
        if self.mode == "global":
            assert self.start is not None
            return self.start, None
        assert self.local_time is not None
        if self.local_date is not None:
            day = self.local_date
        else:
            assert self.anchor is not None
            day = self.anchor.astimezone(zoneinfo.ZoneInfo(zone)).date()
        return localize(day, self.local_time, zone)


def _past(part: str, when: datetime, now: datetime) -> WhenError:
    ago = format_duration(now - when)
    return WhenError(
        part=part,
        message=f"that time is in the past ({fmt_utc(when)}, {ago} ago)",
        example="a time in the future, e.g. next full moon",
    )


def _place(
    day: date, clock: ClockTime, proposer_zone: str, label: str, now: datetime, part: str
) -> Timing | WhenError:
    """A wall-clock time on a day: local mode, or a global instant in a zone."""
    if clock.zone == LOCAL:
        # Only the proposer's own start is checked: a wave may already have passed in
        # zones further east; those nodes are told at proposal time.
        start, _note = localize(day, clock.as_time(), proposer_zone)
        if start <= now:
            return _past(part, start, now)
        return Timing(mode="local", local_time=clock.as_time(), local_date=day, label=label)
    zone = clock.zone or proposer_zone
    start, note = localize(day, clock.as_time(), zone)
    if start <= now:
        return _past(part, start, now)
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
        return WhenError(
            part="time",
            message="that time is out of range",
            example="a date within the next three years",
        )
    if isinstance(result, Timing):
        start = result.start or result.node_start(proposer_zone)[0]
        if start - now > MAX_AHEAD:
            return WhenError(
                part="time",
                message="that is more than three years ahead",
                example="a date within the next three years",
            )
    return result


def _resolve(
    when: When, *, now: datetime, proposer_zone: str, calendar: Calendar, default_at: ClockTime
) -> Timing | WhenError:
    if isinstance(when, Instant):
        if when.instant <= now:
            return _past("time", when.instant, now)
        return Timing(mode="global", start=when.instant, label=fmt_utc(when.instant))
    if isinstance(when, Explicit):
        return _place(when.day, when.at, proposer_zone, when.day.isoformat(), now, "time")
    if isinstance(when, Lunar):
        return _lunar(when, now=now, proposer_zone=proposer_zone)
    # Dated: an anniversary or a month-day.
    month, day_of_month, label = when.month, when.day, f"{when.month:02d}-{when.day:02d}"
    if when.anniversary is not None:
        entry = calendar.get(when.anniversary)
        if entry is None:
            close = [i for i in calendar.ids() if i.startswith(when.anniversary[:3])][:3]
            return WhenError(
                part="anniversary",
                message=f"there is no anniversary '{when.anniversary}'",
                example=", ".join(close or calendar.ids()[:5]),
            )
        month, day_of_month = entry.month, entry.day
        label = entry.title + (f" ({entry.year})" if entry.year else "")
    clock = when.at or default_at
    local_today = now.astimezone(zoneinfo.ZoneInfo(proposer_zone)).date()
    # Without a year: the first occurrence still ahead. Start a year back, because a time
    # given in another zone (e.g. 01-01 00:30 UTC, proposed from UTC-11 on 31 December)
    # may belong to a year that is not the proposer's local year.
    years = [when.year] if when.year else list(range(local_today.year - 1, local_today.year + 2))
    last: Timing | WhenError | None = None
    for year in years:
        day, leap_note = occurrence(month, day_of_month, year)
        last = _place(day, clock, proposer_zone, f"{label}, {day.isoformat()}", now, "date")
        if isinstance(last, Timing):
            if leap_note:
                return Timing(**{**last.__dict__, "notes": (*last.notes, leap_note)})
            return last
    assert last is not None
    return last


def _lunar(when: Lunar, *, now: datetime, proposer_zone: str) -> Timing | WhenError:
    """A phase, placed; with ``next …`` a phase whose time here has already passed (e.g. 06:00
    UTC asked at 07:00 on the day of the full moon) moves on to the following one."""
    moment = next_phase(when.phase, when.after or now)
    for _ in range(3):
        label = f"{when.phase} {fmt_utc(moment)}"
        if moment <= now and when.after is not None:
            return _past("lunar phase", moment, now)
        if when.at is None:
            result: Timing | WhenError = Timing(
                mode="global", start=moment, anchor=moment, label=label
            )
        elif when.at.zone == LOCAL:
            result = Timing(mode="local", local_time=when.at.as_time(), anchor=moment, label=label)
            if result.node_start(proposer_zone)[0] <= now:
                result = _past("lunar phase", result.node_start(proposer_zone)[0], now)
        else:
            zone = when.at.zone or proposer_zone
            day = moment.astimezone(zoneinfo.ZoneInfo(zone)).date()
            result = _place(day, when.at, proposer_zone, label, now, "lunar phase")
            if isinstance(result, Timing):
                result = Timing(**{**result.__dict__, "anchor": moment})
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


# --- formatting ------------------------------------------------------------------------------


def fmt_utc(moment: datetime) -> str:
    """ISO 8601 in UTC, to the minute: ``2027-03-08T16:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def fmt_local(moment: datetime, zone: str) -> str:
    """``2027-03-08 18:00 Europe/Kyiv`` — the wall time people will see on their clocks."""
    return f"{moment.astimezone(zoneinfo.ZoneInfo(zone)):%Y-%m-%d %H:%M} {zone}"


def countdown(now: datetime, then: datetime) -> str:
    """``in 3d 4h`` / ``2h ago`` (minute precision; seconds only under a minute)."""
    delta = then - now
    seconds = abs(int(delta.total_seconds()))
    if seconds >= 60:
        seconds -= seconds % 60
    text = format_duration(timedelta(seconds=seconds)) if seconds else "0s"
    return f"in {text}" if delta >= timedelta(0) else f"{text} ago"


# --- plain JSON for storage and federation -----------------------------------------------


def when_to_json(when: When) -> dict[str, object]:
    def clock(value: ClockTime | None) -> dict[str, object] | None:
        return (
            None
            if value is None
            else {"hour": value.hour, "minute": value.minute, "zone": value.zone}
        )

    if isinstance(when, Explicit):
        return {"kind": "explicit", "day": when.day.isoformat(), "at": clock(when.at)}
    if isinstance(when, Instant):
        return {"kind": "instant", "instant": when.instant.isoformat()}
    if isinstance(when, Lunar):
        return {
            "kind": "lunar",
            "phase": when.phase,
            "after": when.after.isoformat() if when.after else None,
            "at": clock(when.at),
        }
    return {
        "kind": "dated",
        "month": when.month,
        "day": when.day,
        "year": when.year,
        "at": clock(when.at),
        "anniversary": when.anniversary,
    }


def when_from_json(data: dict[str, object]) -> When:
    def clock(value: object) -> ClockTime | None:
        return ClockTime(**value) if isinstance(value, dict) else None  # type: ignore[arg-type]

    kind = data["kind"]
    if kind == "explicit":
        at = clock(data["at"])
        assert at is not None
        return Explicit(day=date.fromisoformat(str(data["day"])), at=at)
    if kind == "instant":
        return Instant(instant=datetime.fromisoformat(str(data["instant"])))
    if kind == "lunar":
        after = data.get("after")
        return Lunar(
            phase=str(data["phase"]),
            after=datetime.fromisoformat(str(after)) if after else None,
            at=clock(data.get("at")),
        )
    year = data.get("year")
    anniversary = data.get("anniversary")
    return Dated(
        month=int(data["month"]),
        day=int(data["day"]),  # type: ignore[arg-type]
        year=int(year) if year is not None else None,  # type: ignore[arg-type]
        at=clock(data.get("at")),
        anniversary=str(anniversary) if anniversary else None,
    )
