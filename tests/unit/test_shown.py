"""What may not be in text shown to other rooms (review: names and titles of blank Hangul
fillers showed nothing; stacked marks spilled over lines; lone surrogates crashed the
store). Table-driven, mirroring the table in ``core/shown.py``."""

from __future__ import annotations

import pytest

from actionbot.core.gestures import has_control, visible
from actionbot.core.nodes import NodeError, validate_name
from actionbot.core.proposals import parse_proposal
from actionbot.core.when import WhenError

CASES = [
    # text, refused as a name/adaptation, what a caption keeps
    ("Київ", False, "Київ"),
    ("Việt Nam", False, "Việt Nam"),
    ("नमस्ते", False, "नमस्ते"),
    ("👩\u200d👩\u200d👧 family", False, "👩\u200d👩\u200d👧 family"),  # joiners stay
    ("a\u202eb", True, "ab"),  # bidi override
    ("a\x00b", True, "ab"),  # NUL
    ("a\ud800b", True, "ab"),  # lone surrogate
    ("a\ue000b", True, "ab"),  # private use
    ("\u3164\u3164", True, ""),  # Hangul fillers: blank
    ("x\u2800y", True, "xy"),  # braille blank
    ("Zalgo" + "\u0336" * 6, True, "Zalgo" + "\u0336" * 4),
]


@pytest.mark.parametrize(("text", "refused", "kept"), CASES)
def test_the_table(text: str, refused: bool, kept: str) -> None:
    assert has_control(text) is refused
    assert visible(text) == kept
    if refused:  # names are stricter still (letters, numbers, a little punctuation)
        assert isinstance(validate_name(text), NodeError)


def test_names_in_any_script_are_fine() -> None:
    for name in ("Київ", "Việt Nam", "नमस्ते", "São Paulo"):
        assert validate_name(name) == name


@pytest.mark.parametrize("title", ["\u3164\u3164\u3164", "\u0336\u0336", "\u202e\u2066"])
def test_a_title_must_show_something(title: str) -> None:
    assert isinstance(parse_proposal(f"2027-03-20 18:00 UTC; {title}"), WhenError)


def test_a_title_keeps_what_shows() -> None:
    proposal = parse_proposal("2027-03-20 18:00 UTC; Vigil\u202e" + "\u0336" * 9)
    assert not isinstance(proposal, WhenError)
    assert proposal.title == "Vigil" + "\u0336" * 4


def test_an_echoed_word_cannot_reorder_the_room() -> None:
    """Review: answers echo what was typed (`!vote <id> y\u202eay`); the echo kept bidi
    overrides. Every code, bold or italic span is shown without hidden characters."""
    from actionbot.render.reply import bold, code, reply

    answer = reply(["Unknown vote: ", code("y\u202eay"), " for ", bold("Ky\u2066iv")])
    assert "\u202e" not in answer.plain() and "\u2066" not in answer.plain()
    assert "\u202e" not in answer.html() and "yay" in answer.plain()


def test_new_emoji_flags_and_joined_scripts_are_kept() -> None:
    """Second review: emoji newer than Python's Unicode tables ("unassigned" to it) were
    dropped from captions; subdivision flags lost their tags; names refused the joiner
    Persian needs and the right-to-left mark Hebrew keyboards insert."""
    scotland = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    for text in ("Banner \U0001fa77 at the square", f"Flags {scotland}"):
        assert visible(text) == text and not has_control(text)
    assert has_control("a\U000e0067b")  # a tag character outside a flag hides text
    assert validate_name("می\u200cخواهم") == "می\u200cخواهم"
    assert validate_name("\u200fשלום\u200f") == "שלום"
    assert isinstance(validate_name("Kyiv \U0001fa77"), NodeError)  # names: no emoji
