"""iCalendar (.ics) files for windows, built with the ``icalendar`` library.

For a local window the file holds *this node's* start, because that is the instant
people in this room will act; for a global window it is the one shared instant.
"""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event

from actionbot import __version__
from actionbot.core.nodes import Node
from actionbot.core.windows import Window


def window_ics(window: Window, node: Node | None, *, now: datetime, description: str) -> bytes:
    """``description`` comes from the render layer, in the room's language."""
    if node is not None:
        start, _ = window.node_start(node)
    else:
        start = window.first_start([]) or window.start or now
    calendar = Calendar()
    calendar.add("prodid", f"-//actionbot//{__version__}//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"{window.id}@actionbot")
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("dtend", start + window.duration)
    event.add("summary", window.title)
    event.add("description", description)
    status = {
        "approved": "CONFIRMED",
        "done": "CONFIRMED",
        "cancelled": "CANCELLED",
        "rejected": "CANCELLED",
    }.get(str(window.state), "TENTATIVE")
    event.add("status", status)
    calendar.add_component(event)
    return calendar.to_ical()
