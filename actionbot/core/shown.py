"""Text people write that the bot shows in other rooms (names, titles, captions,
adaptations): what may not be in it, because it hides or reorders what the text says.

| refused or dropped                     | why                                            |
|----------------------------------------|------------------------------------------------|
| control and format characters (Cc, Cf) | NUL, bidi overrides (U+202E) reorder a room    |
| surrogates, private use, unassigned    | cannot be stored, or render as anything        |
| blank letters (Hangul fillers, U+2800) | a name or title that shows nothing             |
| more than 3 combining marks on a char  | "Zalgo" text spills over the lines around it   |

Zero-width (non-)joiners stay: emoji and several scripts need them. Pure functions.
"""

from __future__ import annotations

import unicodedata

# Letters that draw nothing: a name made of them looks empty (review).
BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")
JOINERS = frozenset("\u200c\u200d")
MAX_MARKS = 3  # combining marks kept on one character (Hebrew with points may need three)


def is_hidden(ch: str) -> bool:
    """A character that hides or reorders text rather than showing something."""
    if ch in JOINERS:
        return False
    return ch in BLANKS or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn")


def has_hidden(text: str) -> bool:
    return any(is_hidden(ch) for ch in text)


def too_many_marks(text: str) -> bool:
    run = 0
    for ch in text:
        run = run + 1 if _is_mark(ch) else 0
        if run > MAX_MARKS:
            return True
    return False


def shown(text: str) -> str:
    """``text`` without hidden characters and with at most ``MAX_MARKS`` combining marks
    on each character (for free text that is kept rather than refused)."""
    kept: list[str] = []
    run = 0
    for ch in unicodedata.normalize("NFC", text):
        if is_hidden(ch):
            continue
        run = run + 1 if _is_mark(ch) else 0
        if run <= MAX_MARKS:
            kept.append(ch)
    return "".join(kept)


def shows_something(text: str) -> bool:
    """Whether ``text`` has at least one character that draws (not space, not a mark)."""
    return any(not ch.isspace() and not _is_mark(ch) and not is_hidden(ch) for ch in text)


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Me")
