"""How the bot speaks in one room: a language, a time zone, and their formatting.

Every message is written in English in the code, marked with ``voice._(…)`` or
``voice.ngettext(…)``, and looked up in the room's catalog. Placeholders are named
(``{title}``) so that translators can move them; a placeholder's value may be a styled
:class:`Span` (bold, code), which keeps its style wherever the translation puts it.

Dates, times and durations are formatted by Babel in the room's locale and zone, never by
hand: the date is spelled out in words (``Monday, 9 November 2026``), so nobody has to
guess whether ``11-09`` is the 11th of September or the 9th of November.
"""

from __future__ import annotations

import gettext
import string
import zoneinfo
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from babel.dates import format_date, format_skeleton
from babel.lists import format_list
from babel.units import format_unit

from actionbot.core.zones import zone_info
from actionbot.render.languages import babel_locale
from actionbot.render.reply import Line, Span

_FORMATTER = string.Formatter()
# Largest first; a countdown shows at most the two largest units.
_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


@lru_cache(maxsize=4096)
def _parsed(template: str) -> tuple[tuple[str, str | None], ...]:
    return tuple((literal, field) for literal, field, _spec, _conv in _FORMATTER.parse(template))


def fill(template: str, values: dict[str, object]) -> Line:
    """A template with ``{name}`` placeholders → spans; styled values keep their style."""
    spans: list[Span] = []
    for literal, field in _parsed(template):
        if literal:
            spans.append(Span(literal))
        if field is not None:
            value = values[field]
            if isinstance(value, tuple):  # a whole line of spans (see Voice.either)
                spans.extend(value)
            else:
                spans.append(value if isinstance(value, Span) else Span(str(value)))
    return tuple(spans)


def plain(line: Line) -> str:
    return "".join(span.text for span in line)


class Voice:
    """The bot in one room. Cheap to make; the translations are shared."""

    def __init__(self, language: str, zone: str, translations: gettext.NullTranslations) -> None:
        self.language = language
        self.zone = zone
        self.locale = babel_locale(language)
        self._translations = translations

    # --- words -------------------------------------------------------------------------

    def _(self, message: str, **values: object) -> Line:
        """The translated message, with its placeholders filled."""
        return fill(self._translations.gettext(message), values)

    def ngettext(self, singular: str, plural: str, count: int, **values: object) -> Line:
        """A message that depends on a number (``{count}`` is filled in)."""
        template = self._translations.ngettext(singular, plural, count)
        return fill(template, {"count": count, **values})

    def either(self, items: list[Span]) -> Line:
        """``a or b`` / ``a, b ou c``, keeping each item's style (Babel's list patterns)."""
        pattern = format_list(
            [f"{{{i}}}" for i in range(len(items))], style="or", locale=self.locale
        )
        return fill(pattern, {str(i): item for i, item in enumerate(items)})

    def s(self, line: Line) -> str:
        """A line as plain text, for places that take no markup (poll answers, .ics)."""
        return plain(line)

    # --- time ------------------------------------------------------------------------------

    def _tz(self, zone: str | None) -> zoneinfo.ZoneInfo:
        return zone_info(zone or self.zone)

    def day(self, value: date) -> str:
        """A date in words: ``Monday, November 9, 2026`` / ``понеділок, 9 листопада 2026 р.``"""
        return format_date(value, "full", locale=self.locale)

    def day_month(self, month: int, day: int) -> str:
        """``November 9`` / ``9 листопада``: a day of every year."""
        return format_skeleton("MMMMd", date(2000, month, day), locale=self.locale)

    def clock(self, moment: datetime, zone: str | None = None) -> str:
        """The wall-clock time (24 h), with seconds only when it has some."""
        local = moment.astimezone(self._tz(zone))
        return f"{local:%H:%M:%S}" if local.second else f"{local:%H:%M}"

    def moment(self, moment: datetime, zone: str | None = None) -> str:
        """``Monday, November 9, 2026, 18:00 (Europe/Kyiv)`` in this room's zone (or ``zone``)."""
        key = zone or self.zone
        local = moment.astimezone(self._tz(key))
        return plain(
            self._(
                # Translators: {date} is a full date with weekday (Babel's, in your language), {time} is
                # Translators: HH:MM on a 24-hour clock, {zone} an IANA zone such as Europe/Kyiv.
                "{date}, {time} ({zone})",
                date=self.day(local.date()),
                time=self.clock(local, key),
                zone=key,
            )
        )

    def utc(self, moment: datetime) -> str:
        """The same instant in UTC, for rooms that compare across zones."""
        return self.moment(moment.astimezone(UTC), "UTC")

    def duration(self, value: timedelta, *, largest: int = 4) -> str:
        """``2 days, 1 hour and 5 minutes`` in the room's language (whole seconds)."""
        total = max(0, int(value.total_seconds()))
        parts = []
        for unit, size in _UNITS:
            count, total = divmod(total, size)
            if count and len(parts) < largest:
                parts.append(
                    format_unit(count, f"duration-{unit}", length="long", locale=self.locale)
                )
        if not parts:
            parts = [format_unit(0, "duration-second", length="long", locale=self.locale)]
        return format_list(parts, style="standard", locale=self.locale)

    def countdown(self, now: datetime, then: datetime) -> str:
        """``in 3 days and 4 hours`` / ``2 hours ago`` (the two largest units)."""
        delta = then - now
        seconds = abs(int(delta.total_seconds()))
        if seconds >= 60:
            seconds -= seconds % 60
        span = self.duration(timedelta(seconds=seconds), largest=2)
        if delta >= timedelta(0):
            # Translators: {duration} is in the nominative, e.g. "1 hour", "2 days and 4 hours". Where a
            # Translators: preposition would need another case (uk/ru "через"), choose a form that works with
            # Translators: the nominative (e.g. "ще {duration}").
            return plain(self._("in {duration}", duration=span))
        # Translators: {duration} is in the nominative (see "in {duration}"); e.g. "минуло: {duration}".
        return plain(self._("{duration} ago", duration=span))
