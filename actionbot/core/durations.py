"""Human durations such as ``30m``, ``1h30m`` or ``2d``.

Used by the config (``max_command_age: 15m``) and, later, by window proposals
(``for 1h``). A duration is a span of elapsed time, so it is a ``timedelta``; calendar
arithmetic (``every year``) is deliberately *not* expressed as a duration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

# Units a person may type, with the number of seconds each stands for.
UNITS: dict[str, int] = {
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 7 * 86400,
}

_PART = re.compile(r"(\d+)([smhdw])", re.ASCII)
_WHOLE = re.compile(r"(?:\d+[smhdw])+", re.ASCII)
MAX = timedelta(days=366)


@dataclass(frozen=True, kw_only=True)
class DurationError:
    """Why a text is not a duration: ``reason`` is "format", "zero" or "too-long".

    ``message`` is the English wording for operators (config files, the command line);
    rooms get theirs from the render layer, in their own language."""

    text: str
    reason: str

    @property
    def message(self) -> str:
        return {
            "format": f"'{self.text}' is not a duration; write a number and a unit, "
            "e.g. 30m, 1h, 2d",
            "zero": f"'{self.text}' must be longer than zero",
        }.get(self.reason, f"'{self.text}' is too long (at most 366d)")


def parse_duration(text: str) -> timedelta | DurationError:
    """Parse ``text`` into a positive timedelta, or say what is wrong with it."""
    cleaned = text.strip().lower().replace(" ", "")
    if not cleaned or not _WHOLE.fullmatch(cleaned):
        return DurationError(text=text, reason="format")
    seconds = sum(int(n) * UNITS[unit] for n, unit in _PART.findall(cleaned))
    if seconds <= 0:
        return DurationError(text=text, reason="zero")
    if seconds > MAX.total_seconds():
        return DurationError(text=text, reason="too-long")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """Render a timedelta compactly (``1d 2h``, ``30m``, ``45s``) for replies."""
    total = int(value.total_seconds())
    if total <= 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, total = divmod(total, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts)
