"""The anniversary calendar: dated events people can anchor a window to.

Rule for 29 February: in a common year the anniversary falls on 28 February (the last
day of February, so it stays in its month); the reply says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,40}")
_FULL = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_DAY = re.compile(r"(\d{2})-(\d{2})", re.ASCII)


@dataclass(frozen=True, kw_only=True)
class Anniversary:
    id: str
    month: int
    day: int
    year: int | None  # the year of the event, if it is a dated event
    title: str
    description: str
    source: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, kw_only=True)
class CalendarError:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class Calendar:
    entries: Mapping[str, Anniversary]

    def get(self, anniversary_id: str) -> Anniversary | None:
        return self.entries.get(anniversary_id.lower())

    def ids(self) -> list[str]:
        return sorted(self.entries)


def occurrence(month: int, day: int, year: int) -> tuple[date, bool]:
    """The date of (month, day) in ``year``, and whether 29 Feb moved to 28 Feb."""
    try:
        return date(year, month, day), False
    except ValueError:
        if (month, day) == (2, 29):
            return date(year, 2, 28), True
        raise


def parse_entries(
    raw: Any, *, source_name: str, base: Mapping[str, Anniversary] | None = None
) -> Calendar | list[CalendarError]:
    """Validate calendar entries (a YAML list) on top of ``base`` (later files may add ids,
    not silently replace shipped ones)."""
    entries = dict(base or {})
    if not isinstance(raw, list):
        return [CalendarError(where=source_name, message="must be a list of entries")]
    errors: list[CalendarError] = []
    for index, item in enumerate(raw, start=1):
        where = f"{source_name} entry {index}"
        if not isinstance(item, dict):
            errors.append(CalendarError(where=where, message="must be a mapping"))
            continue
        missing = [k for k in ("id", "date", "title") if not item.get(k)]
        if missing:
            errors.append(CalendarError(where=where, message=f"missing {', '.join(missing)}"))
            continue
        entry_id = str(item["id"]).lower()
        if not _ID.fullmatch(entry_id):
            errors.append(CalendarError(where=where, message="id must be lowercase a-z, 0-9, -"))
            continue
        if entry_id in entries:
            errors.append(CalendarError(where=where, message=f"duplicate id '{entry_id}'"))
            continue
        text = str(item["date"])
        full, day_only = _FULL.fullmatch(text), _DAY.fullmatch(text)
        year = int(full.group(1)) if full else None
        parts = full.groups()[1:] if full else day_only.groups() if day_only else None
        if parts is None:
            errors.append(CalendarError(where=where, message="date must be YYYY-MM-DD or MM-DD"))
            continue
        month, day = int(parts[0]), int(parts[1])
        try:
            date(2000, month, day)  # a leap year accepts every real month-day
        except ValueError:
            errors.append(CalendarError(where=where, message=f"'{text}' is not a real date"))
            continue
        entries[entry_id] = Anniversary(
            id=entry_id,
            month=month,
            day=day,
            year=year,
            title=str(item["title"]),
            description=str(item.get("description", "")),
            source=str(item.get("source", "")),
        )
    return errors if errors else Calendar(entries)


def merge(calendars: Iterable[Calendar]) -> Calendar:
    merged: dict[str, Anniversary] = {}
    for calendar in calendars:
        merged.update(calendar.entries)
    return Calendar(merged)
