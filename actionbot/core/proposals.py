"""Parsing ``!window propose <when> [for <duration>] [every …] [gesture=<id>]; <title>``.

The words are taken apart in a fixed order — ``gesture=``, ``for``, ``every``, ``at`` —
and what is left is the anchor (see :mod:`actionbot.core.timing` for its grammar).
Recurrence: ``every year`` (dates and anniversaries) or ``every <phase>`` (the same phase
as a lunar anchor). Every error names the part that is wrong and shows an example.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from actionbot.core.durations import DurationError, parse_duration
from actionbot.core.lunar import PHASES
from actionbot.core.shown import shown, shows_something
from actionbot.core.when import (
    Dated,
    Explicit,
    Fault,
    Lunar,
    When,
    WhenError,
    parse_at,
    parse_when,
)

TITLE_MAX = 120
MAX_DURATION = timedelta(days=30)
_GESTURE = re.compile(r"[a-z0-9][a-z0-9-]{0,40}")


@dataclass(frozen=True, kw_only=True)
class Proposal:
    when: When
    title: str
    duration: timedelta | None = None
    recurrence: str | None = None  # "year" or a phase name
    gesture: str | None = None
    gesture_rev: str | None = None  # set once the library has found the gesture


def _take(words: list[str], keyword: str, count: int) -> tuple[list[str], list[str] | None]:
    lower = [w.lower() for w in words]
    if keyword not in lower:
        return words, None
    index = lower.index(keyword)
    taken = words[index + 1 : index + 1 + count]
    return words[:index] + words[index + 1 + count :], taken


def _gesture(words: list[str]) -> tuple[list[str], str | None] | WhenError:
    gesture = None
    for word in list(words):
        if word.lower().startswith("gesture="):
            gesture = word.split("=", 1)[1].lower()
            if not _GESTURE.fullmatch(gesture):
                return WhenError(
                    fault=Fault.NOT_A_GESTURE,
                    values={"word": gesture},
                    example="next full moon gesture=light-vigil",
                )
            words = [w for w in words if w is not word]
    return words, gesture


def _duration(words: list[str]) -> tuple[list[str], timedelta | None] | WhenError:
    words, taken = _take(words, "for", 1)
    if taken is None:
        return words, None
    if not taken:
        return WhenError(fault=Fault.FOR_NEEDS_DURATION, example="next full moon for 1h")
    parsed = parse_duration(taken[0])
    if isinstance(parsed, DurationError) and parsed.reason != "too-long":
        return WhenError(
            fault=Fault.NOT_A_DURATION, values={"word": taken[0]}, example="next full moon for 30m"
        )
    if isinstance(parsed, DurationError) or parsed > MAX_DURATION:
        return WhenError(fault=Fault.DURATION_TOO_LONG, example="next full moon for 2d")
    return words, parsed


def _recurrence(words: list[str]) -> tuple[list[str], str | None] | WhenError:
    lower = [w.lower() for w in words]
    if "every" not in lower:
        return words, None
    index = lower.index("every")
    if lower[index + 1 : index + 2] == ["year"]:
        return words[:index] + words[index + 2 :], "year"
    if " ".join(lower[index + 1 : index + 3]) in PHASES:
        return words[:index] + words[index + 3 :], " ".join(lower[index + 1 : index + 3])
    return WhenError(
        fault=Fault.EVERY_NEEDS_WHAT, example="next full moon at 20:00 local every full moon"
    )


def _check_recurrence(when: When, recurrence: str | None) -> WhenError | None:
    if recurrence == "year" and not isinstance(when, Explicit | Dated):
        return WhenError(
            fault=Fault.EVERY_YEAR_NEEDS_DATE,
            example="anniversary cable-street at 12:00 local every year",
        )
    if recurrence not in (None, "year") and not (
        isinstance(when, Lunar) and when.phase == recurrence
    ):
        return WhenError(
            fault=Fault.EVERY_PHASE_MISMATCH,
            values={"phase": recurrence},
            example=f"next {recurrence} at 20:00 local every {recurrence}",
        )
    return None


def parse_proposal(text: str, months: Mapping[str, int] | None = None) -> Proposal | WhenError:
    """Only the first line is the proposal: a pasted command on a later line is never
    swallowed into the title. ``months``: month names (see :func:`parse_when`)."""
    text = (text.splitlines() or [""])[0]  # every kind of line break ends it
    if ";" not in text:
        return WhenError(fault=Fault.NEEDS_SEMICOLON, example="next full moon at 20:00 local")
    spec, title = text.split(";", 1)
    # Control and format characters (bidi overrides, zero-width marks) are dropped: a title
    # is shown in every room, and could otherwise make other text there read reversed.
    title = " ".join(shown(title).split())
    if not shows_something(title):
        return WhenError(fault=Fault.NEEDS_TITLE, example=spec.strip() or "next full moon")
    if len(title) > TITLE_MAX:
        return WhenError(fault=Fault.TITLE_TOO_LONG, values={"max": TITLE_MAX})
    gesture = _gesture(spec.split())
    if isinstance(gesture, WhenError):
        return gesture
    duration = _duration(gesture[0])
    if isinstance(duration, WhenError):
        return duration
    recurrence = _recurrence(duration[0])
    if isinstance(recurrence, WhenError):
        return recurrence
    at = parse_at(recurrence[0])
    if isinstance(at, WhenError):
        return at
    when = parse_when(at[0], at[1], months)
    if isinstance(when, WhenError):
        return when
    mismatch = _check_recurrence(when, recurrence[1])
    if mismatch is not None:
        return mismatch
    return Proposal(
        when=when, title=title, duration=duration[1], recurrence=recurrence[1], gesture=gesture[1]
    )
