"""The languages the bot speaks, and how a person may name them.

A node's ``lang=`` is one of :data:`LANGUAGES`. ``pt`` is Brazilian Portuguese, the
variety most Portuguese-speaking activists write; ``pt-PT`` is European Portuguese. Each
code maps to the Babel locale used for its catalog and for dates, times and durations.
"""

from __future__ import annotations

from functools import cache

from babel.dates import get_month_names

# code → (Babel locale, the language's own name, shown when a code is refused)
LANGUAGES: dict[str, tuple[str, str]] = {
    "en": ("en", "English"),
    "es": ("es", "español"),
    "fr": ("fr", "français"),
    "de": ("de", "Deutsch"),
    "pt": ("pt_BR", "português do Brasil"),
    "pt-PT": ("pt_PT", "português europeu"),
    "uk": ("uk", "українська"),
    "ru": ("ru", "русский"),
}
SOURCE = "en"  # the language the messages are written in (the catalogs' msgids)

# Other ways people write the same languages.
_ALIASES = {
    "pt-br": "pt",
    "pt_br": "pt",
    "pt_pt": "pt-PT",
    "pt-pt": "pt-PT",
    "ua": "uk",
    "en-gb": "en",
    "en-us": "en",
    "en_gb": "en",
    "en_us": "en",
}


def normalise_language(raw: str) -> str | None:
    """The shipped language code for what someone typed (``PT-br`` → ``pt``), or None."""
    word = raw.strip()
    lowered = word.lower()
    if lowered in _ALIASES:
        return _ALIASES[lowered]
    for code in LANGUAGES:
        if code.lower() == lowered:
            return code
    return None


def babel_locale(code: str) -> str:
    """The Babel locale of a language code; unknown codes (old records) read as English."""
    return LANGUAGES.get(code, LANGUAGES[SOURCE])[0]


def catalog_languages() -> list[str]:
    """Codes that have a translation catalog (everything but the source language)."""
    return [code for code in LANGUAGES if code != SOURCE]


@cache
def month_names() -> dict[str, int]:
    """Month names and abbreviations in every shipped language, lower-case and without a
    trailing dot (``november``, ``nov``, ``листопада``, ``мар``) → month number. A word
    that means different months in two languages is left out rather than guessed."""
    found: dict[str, set[int]] = {}
    for locale, _name in LANGUAGES.values():
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale).items():
                    found.setdefault(name.lower().rstrip("."), set()).add(number)
    return {name: months.pop() for name, months in found.items() if len(months) == 1}
