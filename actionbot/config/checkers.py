"""Field checkers: each turns a raw YAML value into its typed value, or a :class:`Bad`.

A checker never raises; a :class:`Bad` carries the message shown next to the field's
path, so every problem in the file can be reported at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from actionbot.core.durations import DurationError, parse_duration
from actionbot.core.nodes import NodeError, validate_timezone
from actionbot.core.reminders import parse_offsets
from actionbot.core.servers import ANY_SERVER, is_user_id
from actionbot.core.when import WhenError, parse_at
from actionbot.render.languages import LANGUAGES, normalise_language

# Room ids: "!opaque:server", or "!opaque" alone since room version 12.
ROOM_ID = re.compile(r"![^\s:]{1,255}(:[^\s:]+(:\d+)?)?")
MAX_DURATION_S = 366 * 86400
# A checker turns a raw YAML value into the typed value, or returns an error message.
Checker = Callable[[Any], Any]


class Bad(str):
    """A checker's error message (a distinct type so a valid str is never mistaken)."""


def string(value: Any) -> Any:
    if not isinstance(value, str):
        return Bad(f"must be a string, got {type(value).__name__}")
    return value


def nonempty(value: Any) -> Any:
    value = string(value)
    if isinstance(value, Bad):
        return value
    return value if value.strip() else Bad("must not be empty")


def prefix(value: Any) -> Any:
    """What starts a command: short, no spaces (``!``, ``?``, ``!ab``)."""
    value = nonempty(value)
    if isinstance(value, Bad):
        return value
    if len(value) > 8 or any(ch.isspace() for ch in value):
        return Bad("must be a few characters without spaces, like '!'")
    return value


def url(value: Any) -> Any:
    value = nonempty(value)
    if isinstance(value, Bad):
        return value
    if not value.startswith(("http://", "https://")):
        return Bad("must start with https:// (or http:// for a local test server)")
    try:
        parts = urlsplit(value)
        host, port = parts.hostname, parts.port  # .port raises on 99999 or "x"
    except ValueError:
        port = 0
    if port == 0:
        return Bad("has a port that is not a number from 1 to 65535")
    if not host or any(c.isspace() for c in value):
        return Bad("must name a server, like https://matrix.example.org")
    if parts.query or parts.fragment or "?" in value or "#" in value:
        return Bad("must be the server's address only, without ? or #")
    return value.rstrip("/")


def user_id(value: Any) -> Any:
    value = nonempty(value)
    if isinstance(value, Bad):
        return value
    return value if is_user_id(value) else Bad("must be a Matrix user id like @bot:example.org")


def room_id(value: Any) -> Any:
    value = nonempty(value)
    if isinstance(value, Bad):
        return value
    if not ROOM_ID.fullmatch(value):
        return Bad("must be a room id like !abc123:example.org (Room settings → Advanced)")
    return value


def int_range(low: int, high: int) -> Checker:
    def check(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            return Bad(f"must be a whole number, got {type(value).__name__}")
        if not low <= value <= high:
            return Bad(f"must be between {low} and {high}")
        return value

    return check


def choice(options: tuple[str, ...], *, upper: bool = False) -> Checker:
    def check(value: Any) -> Any:
        value = string(value)
        if isinstance(value, Bad):
            return value
        value = value.upper() if upper else value.lower()
        return value if value in options else Bad(f"must be one of: {', '.join(options)}")

    return check


def duration(value: Any) -> Any:
    if isinstance(value, bool):
        return Bad("must be a duration like 30s, 15m or 1h")
    if isinstance(value, int):
        if value < 0:
            return Bad("must not be negative")
        if value > MAX_DURATION_S:
            return Bad("is far too long (at most 366 days)")
        return timedelta(seconds=value)
    value = string(value)
    if isinstance(value, Bad):
        return value
    parsed = parse_duration(value)
    return Bad(parsed.message) if isinstance(parsed, DurationError) else parsed


def within(minimum: timedelta, maximum: timedelta, check: Checker = duration) -> Checker:
    """A duration between two bounds: values outside them have no sensible meaning (a
    0 s retry hammers the server; a 0 s voting period decides nothing)."""

    def wrapped(value: Any) -> Any:
        result = check(value)
        if isinstance(result, Bad):
            return result
        if not minimum <= result <= maximum:
            return Bad(f"must be between {_say(minimum)} and {_say(maximum)}")
        return result

    return wrapped


def _say(value: timedelta) -> str:
    from actionbot.core.durations import format_duration

    return format_duration(value) if value else "0s"


def at_least(minimum: timedelta, check: Checker) -> Checker:
    def wrapped(value: Any) -> Any:
        result = check(value)
        if isinstance(result, Bad) or result >= minimum:
            return result
        return Bad(f"must be at least {int(minimum.total_seconds())}s")

    return wrapped


def list_of(item: Checker) -> Checker:
    def check(value: Any) -> Any:
        if value is None:
            return ()
        if not isinstance(value, list):
            return Bad(f"must be a list, got {type(value).__name__}")
        out = []
        for index, entry in enumerate(value):
            checked = item(entry)
            if isinstance(checked, Bad):
                return Bad(f"item {index + 1}: {checked}")
            out.append(checked)
        return tuple(out)

    return check


def server(value: Any) -> Any:
    value = nonempty(value)
    if isinstance(value, Bad):
        return value
    if value != ANY_SERVER and ("/" in value or value.startswith("@")):
        return Bad(f"'{value}' is not a server name (write example.org, not a URL or user)")
    return value


def zone(value: Any) -> Any:
    value = string(value)
    if isinstance(value, Bad):
        return value
    key = validate_timezone(value)
    if isinstance(key, NodeError):
        return Bad(f"'{value}' is not a known time zone; use e.g. Europe/Kyiv or UTC")
    return key


def language(value: Any) -> Any:
    value = string(value)
    if isinstance(value, Bad):
        return value
    code = normalise_language(value)
    if code is None:
        return Bad(f"'{value}' is not a shipped language; use one of: {', '.join(LANGUAGES)}")
    return code


def fraction(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return Bad(f"must be a number between 0 and 1, got {type(value).__name__}")
    return float(value) if 0 < value <= 1 else Bad("must be more than 0 and at most 1")


def boolean(value: Any) -> Any:
    return value if isinstance(value, bool) else Bad("must be true or false")


def clock_spec(value: Any) -> Any:
    """``HH:MM`` followed by ``local``, ``UTC`` or an IANA zone, e.g. ``12:00 local``."""
    value = nonempty(value)
    if isinstance(value, Bad):
        return value
    words = value.split()
    parsed = parse_at(["at", *words])
    if isinstance(parsed, WhenError) or len(words) < 2 or parsed[1] is None:
        return Bad("must be a time and a zone, e.g. '12:00 local' or '18:00 UTC'")
    return parsed[1]


def offsets(value: Any) -> Any:
    items = list_of(nonempty)(value)
    if isinstance(items, Bad):
        return items
    parsed = parse_offsets(items)
    return Bad(parsed) if isinstance(parsed, str) else tuple(parsed)


def emoji(value: Any) -> Any:
    """A reaction key people can type: short, one word, no markup."""
    value = nonempty(value)
    if isinstance(value, Bad):
        return value
    if len(value) > 16 or any(ch.isspace() or ch in "<>&" for ch in value):
        return Bad("must be one emoji (or a short word), without spaces")
    return value


def path(value: Any) -> Any:
    value = nonempty(value)
    return value if isinstance(value, Bad) else Path(value).expanduser()
