"""Decompression: after a window, rest — a gathering a few days later, at an easy hour.

| node setting   | meaning                                                   |
|----------------|-----------------------------------------------------------|
| ``2d 19:00``   | two days after the window ends there, at 19:00 local (default) |
| ``1d 18:30``   | the next day at 18:30                                      |
| ``off``        | no invitation                                              |

Days from 0 to 14; the day counts from the window's local end date, so a wave lands at the
same local evening everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from actionbot.core.nodes import Node
from actionbot.core.windows import Window
from actionbot.core.zones import zone_info

PLAN = re.compile(r"(\d{1,2})d\s+([01]?\d|2[0-3]):([0-5]\d)")
DEFAULT = "2d 19:00"


@dataclass(frozen=True, kw_only=True)
class RestPlan:
    days: int
    at: time


def parse_rest(text: str) -> RestPlan | str | None:
    """The plan, None for ``off``, or the text back when it cannot be read."""
    cleaned = " ".join(text.lower().split())
    if cleaned == "off":
        return None
    found = PLAN.fullmatch(cleaned)
    if not found or int(found[1]) > 14:
        return text
    return RestPlan(days=int(found[1]), at=time(int(found[2]), int(found[3])))


def gathering(window: Window, node: Node, plan: RestPlan) -> datetime:
    zone = zone_info(node.timezone)
    end = (window.node_start(node)[0] + window.duration).astimezone(zone)
    day = end.date() + timedelta(days=plan.days)
    return datetime.combine(day, plan.at, tzinfo=zone)
