"""``<when>``: the time grammar of a proposal (parsing only; see :mod:`timing` to resolve).

Grammar (words are case-insensitive; zone names too):

    when      := explicit | instant | lunar | dated
    explicit  := YYYY-MM-DD HH:MM [zone | "local"]        (no zone: the proposing node's)
    instant   := YYYY-MM-DDTHH:MM[:SS](Z | ±HH:MM)
    lunar     := "next" phase [at] | phase "after" YYYY-MM-DD [at]
    dated     := "anniversary" ID [YYYY] [at] | "on" dayMonth [at]
    dayMonth  := MM-DD | D month | month D               (month: a name in any shipped language)
    at        := "at" HH:MM ["local" | "UTC" | zone]     (no zone: the proposing node's)
    phase     := "full moon" | "new moon" | "first quarter" | "last quarter"

A zone is an IANA key or an unambiguous city, possibly over several words (``sao paulo``).
Errors are :class:`WhenError` values: a :class:`Fault` and the words it concerns, worded by
the render layer in the room's language, with an example that can be sent as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from enum import StrEnum

from actionbot.core.lunar import PHASES
from actionbot.core.zones import LOCAL, longest_zone

_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_MONTH_DAY = re.compile(r"(\d{1,2})-(\d{1,2})", re.ASCII)
_DAY = re.compile(r"(\d{1,2})\.?", re.ASCII)
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})", re.I | re.A)
_YEAR = re.compile(r"\d{4}", re.ASCII)


class Fault(StrEnum):
    """What is wrong with a proposal's words; each has its own sentence in the catalogs."""

    NOT_A_TIME = "not-a-time"
    NOT_A_ZONE = "not-a-zone"
    NOT_A_DATE = "not-a-date"
    NEXT_NEEDS_PHASE = "next-needs-phase"
    AFTER_NEEDS_DATE = "after-needs-date"
    ANNIVERSARY_NEEDS_ID = "anniversary-needs-id"
    NOT_A_YEAR = "not-a-year"
    ON_NEEDS_DAY = "on-needs-day"
    NOT_A_REAL_DAY = "not-a-real-day"
    ISO_ALONE = "iso-alone"
    NOT_A_REAL_TIME = "not-a-real-time"
    TIME_AFTER_DATE = "time-after-date"
    DATE_NEEDS_TIME = "date-needs-time"
    UNEXPECTED_WORDS = "unexpected-words"
    UNKNOWN_TIME = "unknown-time"
    NO_TIME = "no-time"
    AT_NEEDS_TIME = "at-needs-time"
    IN_PAST = "in-past"
    OUT_OF_RANGE = "out-of-range"
    TOO_FAR = "too-far"
    NO_ANNIVERSARY = "no-anniversary"
    NEEDS_SEMICOLON = "needs-semicolon"
    NEEDS_TITLE = "needs-title"
    TITLE_TOO_LONG = "title-too-long"
    NOT_A_GESTURE = "not-a-gesture"
    FOR_NEEDS_DURATION = "for-needs-duration"
    NOT_A_DURATION = "not-a-duration"
    DURATION_TOO_LONG = "duration-too-long"
    EVERY_NEEDS_WHAT = "every-needs-what"
    EVERY_YEAR_NEEDS_DATE = "every-year-needs-date"
    EVERY_PHASE_MISMATCH = "every-phase-mismatch"


@dataclass(frozen=True, kw_only=True)
class WhenError:
    """What is wrong (``fault``), the words or facts it concerns (``values``: text, numbers
    or instants), and a ``<when>`` that would work, ready to send (``example``)."""

    fault: Fault
    values: dict[str, object] = field(default_factory=dict)
    example: str = ""

    def freshened(self, today: date) -> WhenError:
        """The error with an example that can be sent *today*: an echoed date already past
        moves to its next occurrence, ``{year}`` becomes next year, and an echoed date that
        does not exist gives way to a plain one. (The parser has no clock; the caller has.)"""
        example = self.example.replace("{year}", str(today.year + 1))

        def future(match: re.Match[str]) -> str:
            try:
                day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                raise _NoSuchDay from None
            if day > today:
                return match.group(0)
            for year in range(today.year, today.year + 9):  # 29 February: within 8 years
                try:
                    moved = date(year, day.month, day.day)
                except ValueError:
                    continue
                if moved > today:
                    return moved.isoformat()
            raise _NoSuchDay

        try:
            example = _DATE.sub(future, example)
        except _NoSuchDay:
            example = "on 8 march at 18:00"
        return replace(self, example=example)


class _NoSuchDay(Exception):
    """An echoed date that does not exist (2027-02-30)."""


@dataclass(frozen=True, kw_only=True)
class ClockTime:
    hour: int
    minute: int
    zone: str = ""  # "" = the proposing node's zone; "local" = each node's own zone

    def as_time(self) -> time:
        return time(self.hour, self.minute)


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


def _clock(word: str) -> ClockTime | WhenError:
    match = _CLOCK.fullmatch(word)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return WhenError(
            fault=Fault.NOT_A_TIME, values={"word": word}, example="next full moon at 18:00"
        )
    return ClockTime(hour=int(match.group(1)), minute=int(match.group(2)))


def _clock_in_zone(time_word: str, zone_words: list[str]) -> ClockTime | WhenError:
    """``HH:MM`` plus optional zone words (``local``, ``UTC``, an IANA key or a city)."""
    clock = _clock(time_word)
    if isinstance(clock, WhenError) or not zone_words:
        return clock
    if len(zone_words) == 1 and zone_words[0].lower() == LOCAL:
        return ClockTime(hour=clock.hour, minute=clock.minute, zone=LOCAL)
    found = longest_zone(zone_words, 0)
    if found is None or found[1] != len(zone_words):
        return WhenError(
            fault=Fault.NOT_A_ZONE,
            values={"word": " ".join(zone_words)},
            example=f"next full moon at {time_word} Europe/Kyiv",
        )
    return ClockTime(hour=clock.hour, minute=clock.minute, zone=found[0])


def _date(word: str) -> date | WhenError:
    match = _DATE.fullmatch(word)
    try:
        if match:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        pass
    return WhenError(fault=Fault.NOT_A_DATE, values={"word": word}, example="on 8 march at 18:00")


def _phase_at(words: list[str], index: int) -> str | None:
    candidate = " ".join(words[index : index + 2])
    return candidate if candidate in PHASES else None


def _day_month(words: list[str], months: Mapping[str, int]) -> tuple[int, int] | None:
    """``11-09`` (month-day), ``9 november``, ``nov 9``, ``9 листопада`` → (month, day)."""
    if len(words) == 1:
        match = _MONTH_DAY.fullmatch(words[0])
        return (int(match.group(1)), int(match.group(2))) if match else None
    if len(words) != 2:
        return None
    first, second = (w.lower().rstrip(".,") for w in words)
    for day_word, month_word in ((first, second), (second, first)):
        day = _DAY.fullmatch(day_word)
        if day and month_word in months:
            return months[month_word], int(day.group(1))
    return None


def parse_when(
    words: list[str], at: ClockTime | None, months: Mapping[str, int] | None = None
) -> When | WhenError:
    """Parse the anchor words (``at …`` already taken out by the caller). ``months`` maps
    month names in the shipped languages to numbers (``листопада`` → 11)."""
    lower = [w.lower() for w in words]
    if not words:
        return WhenError(fault=Fault.NO_TIME, example="next full moon at 20:00 local")
    if lower[0] == "next":
        if _phase_at(lower, 1) is None or len(lower) != 3:
            return WhenError(fault=Fault.NEXT_NEEDS_PHASE, example="next full moon")
        return Lunar(phase=_phase_at(lower, 1) or "", at=at)
    if _phase_at(lower, 0) and len(lower) >= 3 and lower[2] == "after":
        if len(lower) != 4:
            return WhenError(fault=Fault.AFTER_NEEDS_DATE, example="full moon after {year}-02-01")
        after = _date(words[3])
        if isinstance(after, WhenError):
            return after
        start = datetime.combine(after, time(0), tzinfo=UTC)
        return Lunar(phase=_phase_at(lower, 0) or "", after=start, at=at)
    if lower[0] == "anniversary":
        return _anniversary(words, lower, at)
    if lower[0] == "on":
        return _on(words, at, months or {})
    if _INSTANT.fullmatch(words[0]):
        return _instant(words, at)
    if _DATE.fullmatch(words[0]):
        return _explicit(words, at)
    return WhenError(
        fault=Fault.UNKNOWN_TIME, values={"words": " ".join(words)}, example="on 8 march at 18:00"
    )


def _anniversary(words: list[str], lower: list[str], at: ClockTime | None) -> When | WhenError:
    if len(lower) not in (2, 3):
        return WhenError(fault=Fault.ANNIVERSARY_NEEDS_ID, example="anniversary cable-street")
    year = None
    if len(lower) == 3:
        if not _YEAR.fullmatch(lower[2]) or not 1900 <= int(lower[2]) <= 2999:
            return WhenError(
                fault=Fault.NOT_A_YEAR,
                values={"word": words[2]},
                # The typed id may not exist either: name one that does.
                example="anniversary cable-street {year}",
            )
        year = int(lower[2])
    return Dated(month=0, day=0, year=year, at=at, anniversary=lower[1])


def _on(words: list[str], at: ClockTime | None, months: Mapping[str, int]) -> When | WhenError:
    found = _day_month(words[1:], months)
    if found is None:
        return WhenError(fault=Fault.ON_NEEDS_DAY, example="on 9 november at 18:00 local")
    month, day = found
    try:
        date(2000, month, day)
    except ValueError:
        return WhenError(
            fault=Fault.NOT_A_REAL_DAY,
            values={"word": " ".join(words[1:])},
            example="on 8 march at 12:00 local",
        )
    return Dated(month=month, day=day, at=at)


def _real_instant(word: str) -> bool:
    try:
        datetime.fromisoformat(word.upper().replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, OverflowError):
        return False
    return True


def _instant(words: list[str], at: ClockTime | None) -> When | WhenError:
    if len(words) != 1 or at is not None:
        # The instant alone, if it is one (else a plain example).
        return WhenError(
            fault=Fault.ISO_ALONE,
            example=words[0] if _real_instant(words[0]) else "on 8 march at 16:00 UTC",
        )
    try:
        instant = datetime.fromisoformat(words[0].upper().replace("Z", "+00:00"))
        return Instant(instant=instant.astimezone(UTC))
    except (ValueError, OverflowError):
        return WhenError(
            fault=Fault.NOT_A_REAL_TIME,
            values={"word": words[0]},
            example="on 8 march at 16:00 UTC",
        )


def _explicit(words: list[str], at: ClockTime | None) -> When | WhenError:
    day = _date(words[0])
    if isinstance(day, WhenError):
        return day
    if at is not None:
        return WhenError(fault=Fault.TIME_AFTER_DATE, example=f"{words[0]} 18:00 UTC")
    if len(words) < 2:
        return WhenError(fault=Fault.DATE_NEEDS_TIME, example=f"{words[0]} 18:00")
    clock = _clock_in_zone(words[1], words[2:])
    if isinstance(clock, WhenError) and clock.fault is Fault.NOT_A_ZONE and len(words) > 3:
        return WhenError(
            fault=Fault.UNEXPECTED_WORDS,
            values={"words": " ".join(words[2:])},
            example=f"{words[0]} {words[1]} Europe/Kyiv",
        )
    if isinstance(clock, WhenError):
        return clock
    return Explicit(day=day, at=clock)


def parse_at(words: list[str]) -> tuple[list[str], ClockTime | None] | WhenError:
    """Take ``at HH:MM [zone]`` off the end of the anchor words."""
    lower = [w.lower() for w in words]
    if "at" not in lower:
        return words, None
    index = lower.index("at")
    rest = words[index + 1 :]
    if not rest or len(rest) > 4:
        return WhenError(fault=Fault.AT_NEEDS_TIME, example="next full moon at 20:00 local")
    at = _clock_in_zone(rest[0], rest[1:])
    if isinstance(at, WhenError):
        return at
    return words[:index], at


# --- plain JSON for storage and federation -----------------------------------------------


def _clock_json(value: ClockTime | None) -> dict[str, object] | None:
    if value is None:
        return None
    return {"hour": value.hour, "minute": value.minute, "zone": value.zone}


def when_to_json(when: When) -> dict[str, object]:
    if isinstance(when, Explicit):
        return {"kind": "explicit", "day": when.day.isoformat(), "at": _clock_json(when.at)}
    if isinstance(when, Instant):
        return {"kind": "instant", "instant": when.instant.isoformat()}
    if isinstance(when, Lunar):
        return {
            "kind": "lunar",
            "phase": when.phase,
            "after": when.after.isoformat() if when.after else None,
            "at": _clock_json(when.at),
        }
    return {
        "kind": "dated",
        "month": when.month,
        "day": when.day,
        "year": when.year,
        "at": _clock_json(when.at),
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
        month=int(data["month"]),  # type: ignore[arg-type]
        day=int(data["day"]),  # type: ignore[arg-type]
        year=int(year) if year is not None else None,  # type: ignore[arg-type]
        at=clock(data.get("at")),
        anniversary=str(anniversary) if anniversary else None,
    )
