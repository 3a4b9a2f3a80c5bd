"""Numbers for the two pictures of the page, drawn by the template as inline SVG: the
window across time (one bar per node, in UTC) and the nodes on a strip of time zones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from actionbot.roundup.model import Roundup

WIDTH, ROW, LEFT = 720, 22, 150


@dataclass(frozen=True)
class Bar:
    name: str
    x: float
    width: float
    y: float
    label: str


@dataclass(frozen=True)
class Dot:
    name: str
    x: float
    y: float


def timeline(roundup: Roundup) -> list[Bar]:
    first = datetime.fromisoformat(roundup.first_start_utc)
    last = datetime.fromisoformat(roundup.last_end_utc)
    span = max((last - first).total_seconds(), 1.0)
    scale = (WIDTH - LEFT - 10) / span
    bars = []
    for index, part in enumerate(roundup.nodes):
        start = datetime.fromisoformat(part.start_utc)
        end = datetime.fromisoformat(part.end_utc)
        bars.append(
            Bar(
                name=part.name,
                x=round(LEFT + (start - first).total_seconds() * scale, 1),
                width=round(max(2.0, (end - start).total_seconds() * scale), 1),
                y=10 + index * ROW,
                label=f"{start:%H:%M}–{end:%H:%M} UTC",
            )
        )
    return bars


def world(roundup: Roundup) -> list[Dot]:
    """UTC−12 on the left, UTC+14 on the right; nodes in the same zone stack up."""
    dots: list[Dot] = []
    seen: dict[float, int] = {}
    for part in roundup.nodes:
        offset = part.utc_offset_h
        stack = seen.get(offset, 0)
        seen[offset] = stack + 1
        dots.append(
            Dot(
                name=part.name,
                x=round(20 + (offset + 12) / 26 * (WIDTH - 40), 1),
                y=40 + stack * 16,
            )
        )
    return dots


def height(count: int) -> int:
    return 20 + max(1, count) * ROW
