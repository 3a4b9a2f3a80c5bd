"""Parsing ``!window propose <when> [for <duration>] [every …] [gesture=<id>]; <title>``.

The words are taken apart in a fixed order — ``gesture=``, ``for``, ``every``, ``at`` —
and what is left is the anchor (see :mod:`actionbot.core.timing` for its grammar).
Recurrence: ``every year`` (dates and anniversaries) or ``every <phase>`` (the same phase
as a lunar anchor). Every error names the part that is wrong and shows an example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from actionbot.core.durations import DurationError, parse_duration
from actionbot.core.lunar import PHASES
from actionbot.core.timing import Dated, Explicit, Lunar, When, WhenError, parse_at, parse_when

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


def _take(words: list[str], keyword: str, count: int) -> tuple[list[str], list[str] | None]:
    lower = [w.lower() for w in words]
    if keyword not in lower:
        return words, None
    index = lower.index(keyword)
    taken = words[index + 1 : index + 1 + count]
    return words[:index] + words[index + 1 + count :], taken


def parse_proposal(text: str) -> Proposal | WhenError:
    if ";" not in text:
        return WhenError(
            part="title",
            message="end the time with ';' followed by a title",
            example="next full moon at 20:00 local; Lights for the disappeared",
        )
    spec, title = text.split(";", 1)
    title = " ".join(title.split())
    if not title:
        return WhenError(
            part="title",
            message="the window needs a title after ';'",
            example="…; Minute of silence",
        )
    if len(title) > TITLE_MAX:
        return WhenError(part="title", message=f"the title is longer than {TITLE_MAX} characters")
    words = spec.split()

    gesture = None
    for word in list(words):
        if word.lower().startswith("gesture="):
            gesture = word.split("=", 1)[1].lower()
            if not _GESTURE.fullmatch(gesture):
                return WhenError(
                    part="gesture",
                    message=f"'{gesture}' is not a gesture id",
                    example="gesture=candles",
                )
            words.remove(word)

    duration = None
    words, taken = _take(words, "for", 1)
    if taken is not None:
        if not taken:
            return WhenError(part="duration", message="'for' needs a duration", example="for 1h")
        parsed = parse_duration(taken[0])
        if isinstance(parsed, DurationError):
            return WhenError(part="duration", message=parsed.message, example="for 30m")
        if parsed > MAX_DURATION:
            return WhenError(
                part="duration", message="a window lasts at most 30 days", example="for 2d"
            )
        duration = parsed

    recurrence = None
    lower = [w.lower() for w in words]
    if "every" in lower:
        index = lower.index("every")
        if lower[index + 1 : index + 2] == ["year"]:
            recurrence, words = "year", words[:index] + words[index + 2 :]
        elif " ".join(lower[index + 1 : index + 3]) in PHASES:
            recurrence = " ".join(lower[index + 1 : index + 3])
            words = words[:index] + words[index + 3 :]
        else:
            return WhenError(
                part="recurrence",
                message="after 'every' write 'year' or a phase",
                example="every year · every full moon",
            )

    at = parse_at(words)
    if isinstance(at, WhenError):
        return at
    words, clock = at
    when = parse_when(words, clock)
    if isinstance(when, WhenError):
        return when
    if recurrence == "year" and not isinstance(when, Explicit | Dated):
        return WhenError(
            part="recurrence",
            message="'every year' goes with a date or anniversary",
            example="anniversary cable-street at 12:00 local every year",
        )
    if recurrence not in (None, "year") and not (
        isinstance(when, Lunar) and when.phase == recurrence
    ):
        return WhenError(
            part="recurrence",
            message=f"'every {recurrence}' goes with that phase",
            example=f"next {recurrence} at 20:00 local every {recurrence}",
        )
    return Proposal(
        when=when, title=title, duration=duration, recurrence=recurrence, gesture=gesture
    )
