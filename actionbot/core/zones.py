"""Time zones as people type them, and wall-clock times placed in a zone.

A zone is an IANA key (``Europe/Kyiv``), matched case-insensitively, or an unambiguous
city — the key's last part, with spaces or underscores and with or without accents
(``kyiv``, ``sao paulo``, ``São_Paulo``). A city that names two different zones is not
guessed; one that names a zone and its alias (``Europe/Istanbul`` and ``Asia/Istanbul``,
identical since 1970 — IANA's own rule for links) is that zone.
"""

from __future__ import annotations

import unicodedata
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache

from babel.core import get_global

from actionbot.core.notes import Note

LOCAL = "local"


def _fold(text: str) -> str:
    """Lower case, no accents, spaces for underscores: ``São_Paulo`` → ``sao paulo``."""
    decomposed = unicodedata.normalize("NFKD", text.replace("_", " "))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


# Files in the zone database that are not zones one should pick.
NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})


def _offsets_since_1970(key: str) -> tuple[timedelta | None, ...]:
    """The zone's UTC offset twice a month from 1970 to 2040: equal tuples mean the same
    clock for every date a window can have."""
    tz = zoneinfo.ZoneInfo(key)
    start = datetime(1970, 1, 1, tzinfo=UTC)
    return tuple((start + timedelta(days=15 * i)).astimezone(tz).utcoffset() for i in range(1704))


def _one_zone(keys: set[str]) -> str | None:
    """The zone several keys name, if they are links of one zone; else None."""
    if len({_offsets_since_1970(key) for key in keys}) != 1:
        return None
    aliases = get_global("zone_aliases")  # CLDR: old name → current name
    canonical = sorted(key for key in keys if key not in aliases)
    return (canonical or sorted(keys))[0]


@cache
def _zone_index() -> dict[str, str]:
    keys = zoneinfo.available_timezones() - NOT_ZONES
    index = {key.lower(): key for key in keys}
    cities: dict[str, set[str]] = {}
    for key in keys:
        if "/" in key and not key.startswith(("Etc/", "SystemV/")):
            cities.setdefault(_fold(key.rsplit("/", 1)[1]), set()).add(key)
    for city, found in cities.items():
        if city in index:
            continue
        chosen = found.pop() if len(found) == 1 else _one_zone(found)
        if chosen is not None:
            index[city] = chosen
    return index


def zone_key(word: str) -> str | None:
    """The canonical IANA key for what someone typed, or None."""
    lowered = word.strip().lower()
    if lowered in ("utc", "z", "gmt"):
        return "UTC"
    if lowered in {name.lower() for name in NOT_ZONES}:
        return None
    index = _zone_index()
    return index.get(lowered) or index.get(_fold(word))


def longest_zone(words: list[str], start: int, most: int = 3) -> tuple[str, int] | None:
    """A zone spelled over up to ``most`` words from ``start`` (``sao paulo``), preferring the
    longest; returns the key and how many words it took."""
    for count in range(min(most, len(words) - start), 0, -1):
        key = zone_key(" ".join(words[start : start + count]))
        if key is not None:
            return key, count
    return None


@lru_cache(maxsize=4096)
def zone_info(key: str) -> zoneinfo.ZoneInfo:
    """The zone object, kept: zoneinfo's own strong cache holds only 8 zones, so a network
    spanning more reloaded the zone file for each node's start (millions of reads at
    1,000 nodes)."""
    return zoneinfo.ZoneInfo(key)


@lru_cache(maxsize=65536)
def localize(day: date, clock: time, zone: str) -> tuple[datetime, Note | None]:
    """The UTC instant of a wall-clock time in ``zone``, resolving DST gaps and overlaps.

    zoneinfo does the time-zone work: with ``fold=0`` and ``fold=1`` a wall time maps to
    one instant (normal), two instants that both show that wall time (overlap: take the
    first), or two instants neither of which shows it (gap: take the later one, which is
    the wall time moved forward by the gap).
    """
    tz = zone_info(zone)
    naive = datetime.combine(day, clock)
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if first == second:
        return first, None
    shows = [u for u in (first, second) if u.astimezone(tz).replace(tzinfo=None) == naive]
    values = {"clock": f"{clock:%H:%M}", "day": day.isoformat(), "zone": zone}
    if len(shows) == 2:
        chosen = min(first, second)
        offset = chosen.astimezone(tz).strftime("%z")
        return chosen, Note(
            kind="dst-overlap", values={**values, "offset": f"UTC{offset[:3]}:{offset[3:]}"}
        )
    chosen = max(first, second)
    shown = chosen.astimezone(tz)
    return chosen, Note(kind="dst-gap", values={**values, "shown": f"{shown:%H:%M}"})
