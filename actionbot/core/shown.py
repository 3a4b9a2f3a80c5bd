"""Text people write that the bot shows in other rooms (names, titles, captions,
adaptations): what may not be in it, because it hides or reorders what the text says.

| refused or dropped                     | why                                            |
|----------------------------------------|------------------------------------------------|
| control and format characters (Cc, Cf) | NUL, bidi overrides (U+202E) reorder a room    |
| surrogates, private use                | cannot be stored, or render as anything        |
| blank letters (Hangul fillers, U+2800) | a name or title that shows nothing             |
| more than 4 combining marks on a char  | "Zalgo" text spills over the lines around it   |

Zero-width (non-)joiners stay: emoji and several scripts need them; so do tag characters
inside a flag (🏴 + tags: Scotland, Wales) and characters newer than Python's Unicode
tables (new emoji are "unassigned" to it — second review). Pure functions.
"""

from __future__ import annotations

import unicodedata

# Letters that draw nothing: a name made of them looks empty (review).
BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")
JOINERS = frozenset("\u200c\u200d")
MAX_MARKS = 4  # combining marks kept on one character (pointed Hebrew with a cantillation)


FLAG = "\U0001f3f4"
TAGS = range(0xE0020, 0xE0080)  # tag characters: a flag's subdivision code and its end


def is_hidden(ch: str) -> bool:
    """A character that hides or reorders text rather than showing something (out of
    context: a tag character is shown only inside a flag, see :func:`hidden_marks`)."""
    if ch in JOINERS:
        return False
    return ch in BLANKS or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co")


def hidden_marks(text: str) -> list[bool]:
    """For each character of ``text``: is it hidden here?"""
    marks, in_flag = [], False
    for ch in text:
        if ord(ch) in TAGS:
            marks.append(not in_flag)
            in_flag = in_flag and ch != "\U000e007f"  # the cancel tag ends the flag
            continue
        in_flag = ch == FLAG
        marks.append(is_hidden(ch))
    return marks


def has_hidden(text: str) -> bool:
    return any(hidden_marks(text))


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
    text = unicodedata.normalize("NFC", text)
    for ch, hidden in zip(text, hidden_marks(text), strict=True):
        if hidden:
            continue
        run = run + 1 if _is_mark(ch) else 0
        if run <= MAX_MARKS:
            kept.append(ch)
    return "".join(kept)


def shows_something(text: str) -> bool:
    """Whether ``text`` has at least one character that draws (not space, not a mark)."""
    return any(
        not ch.isspace() and not _is_mark(ch) and not hidden
        for ch, hidden in zip(text, hidden_marks(text), strict=True)
    )


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Me")
