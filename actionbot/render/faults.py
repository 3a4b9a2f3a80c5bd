"""Why a proposal's words were refused, in the room's language.

Each fault is one natural sentence ("that time is in the past", never "I couldn't read the
time: that time is in the past"), and the ``Example:`` line is always a whole command that
can be sent as it is.
"""

from __future__ import annotations

from datetime import datetime

from actionbot.core.when import Fault, WhenError
from actionbot.render.reply import Reply, code, error_reply
from actionbot.render.voice import Voice
from actionbot.render.words import N_

SENTENCES: dict[Fault, str] = {
    # Translators: quote marks: use your language's own (« », „ “, …) around {word}.
    Fault.NOT_A_TIME: N_(
        "“{word}” is not a time of day: write it as 18:00 or 07:30 (24-hour clock)."
    ),
    Fault.NOT_A_ZONE: N_(
        "“{word}” is not a time zone I know: write UTC, local, a zone such as Europe/Kyiv or a city such as Kyiv."
    ),
    Fault.NOT_A_DATE: N_("“{word}” is not a date: write it as year-month-day, e.g. 2027-03-08."),
    Fault.NEXT_NEEDS_PHASE: N_(
        "After “next”, write a moon phase: full moon, new moon, first quarter or last quarter."
    ),
    Fault.AFTER_NEEDS_DATE: N_("After “after”, write one date (year-month-day)."),
    Fault.ANNIVERSARY_NEEDS_ID: N_("Write which anniversary, by its id, and optionally a year."),
    Fault.NOT_A_YEAR: N_("“{word}” is not a year."),
    Fault.ON_NEEDS_DAY: N_("After “on”, write a day and a month, e.g. 9 november or nov 9."),
    Fault.NOT_A_REAL_DAY: N_("“{word}” is not a real day of the year."),
    Fault.ISO_ALONE: N_("A time like 2027-03-08T16:00Z already says when: leave out the rest."),
    Fault.NOT_A_REAL_TIME: N_("“{word}” is not a real time."),
    Fault.TIME_AFTER_DATE: N_("Write the time right after the date, without “at”."),
    Fault.DATE_NEEDS_TIME: N_("The date needs a time of day."),
    Fault.UNEXPECTED_WORDS: N_("I don't understand “{words}” after the time."),
    Fault.UNKNOWN_TIME: N_("I don't understand the time “{words}”."),
    Fault.NO_TIME: N_("The proposal has no time: write when, then “;” and the title."),
    Fault.AT_NEEDS_TIME: N_("After “at”, write a time and, if you like, a zone."),
    # Translators: {when} is a date and time; {ago} is your "{duration} ago".
    Fault.IN_PAST: N_("That time is in the past: {when} was {ago}."),
    Fault.OUT_OF_RANGE: N_("That time is out of range: choose a date within the next three years."),
    Fault.TOO_FAR: N_(
        "That is more than three years ahead: choose a date within the next three years."
    ),
    Fault.NO_ANNIVERSARY: N_("There is no anniversary “{word}” in the calendar."),
    Fault.NEEDS_SEMICOLON: N_("End the time with “;” and then write the title."),
    Fault.NEEDS_TITLE: N_("The window needs a title after “;”."),
    Fault.TITLE_TOO_LONG: N_("The title is too long: at most {max} characters."),
    Fault.NOT_A_GESTURE: N_(
        "“{word}” is not a gesture id: use lower-case letters, digits and dashes."
    ),
    Fault.FOR_NEEDS_DURATION: N_("After “for”, write how long, e.g. 30m, 1h or 2d."),
    Fault.NOT_A_DURATION: N_(
        "“{word}” is not a duration: write a number and a unit, e.g. 30m, 1h or 2d."
    ),
    Fault.DURATION_TOO_LONG: N_("A window lasts at most 30 days."),
    Fault.EVERY_NEEDS_WHAT: N_(
        "After “every”, write “year” or a moon phase: full moon, new moon, first quarter or last quarter."
    ),
    Fault.EVERY_YEAR_NEEDS_DATE: N_("“every year” goes with a date or an anniversary."),
    # Translators: {phase} stays in English, as people type it (e.g. "full moon").
    Fault.EVERY_PHASE_MISMATCH: N_(
        "“every {phase}” only goes with a window on the {phase} itself."
    ),
}


def when_error(voice: Voice, error: WhenError, prefix: str, *, near: bool = True) -> Reply:
    """The refusal of a proposal: the sentence, near matches, an example to send."""
    values = dict(error.values)
    if error.fault is Fault.IN_PAST:
        when = values["when"]
        now = values["now"]
        assert isinstance(when, datetime) and isinstance(now, datetime)
        try:
            shown = voice.moment(when)
        except OverflowError:  # year 1 seen from a zone west of UTC
            shown = when.isoformat()
        values = {"when": shown, "ago": voice.countdown(now, when)}
    lines: list = [voice._(SENTENCES[error.fault], **values)]
    if near and values.get("near"):
        lines.append(voice._("Did you mean: {ids}?", ids=code(str(values["near"]))))
    if error.example:
        # Translators: an example title for an action window, in an example command.
        title = voice.s(voice._("Minute of silence"))
        lines.append(
            voice._(
                "Example: {command}",
                command=code(f"{prefix}window propose {error.example}; {title}"),
            )
        )
    lines.append(
        voice._("Send {help} for the whole form.", help=code(f"{prefix}help window propose"))
    )
    return error_reply(*lines)


def too_fast(voice: Voice) -> Reply:
    return error_reply(
        voice._(
            "That is a lot of commands in a short time: I did not do this one, and I will not "
            "answer the next ones for a while. Please send it again in a minute. (This keeps one "
            "person, or one room, from flooding the network.)"
        )
    )
