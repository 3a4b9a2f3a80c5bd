"""The gesture library: every shipped gesture valid and translated, files checked whole
with errors that name the field, untrusted YAML refused, and the guideline rendered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from actionbot.core.gesture_yaml import parse
from actionbot.core.gestures import MAX_BYTES, Gesture, GestureError
from actionbot.core.nodes import Node, Standing
from actionbot.core.windows import State, Window
from actionbot.gestures import load_files, shipped_gestures
from actionbot.render import gestures as text
from actionbot.render.catalogs import Catalogs, Voices
from actionbot.render.languages import LANGUAGES, normalise_language

GOOD = """
id: quiet-minute
title: A quiet minute
summary: Stand still together.
steps: [Gather, Stand still]
safety: ["Legal: know the rules."]
tags: [quiet]
translations:
  uk:
    title: Хвилина тиші
    summary: Стояти разом.
    steps: [Зібратися, Стояти]
    safety: ["Закон: знайте правила."]
"""


def _parse(data: str | bytes) -> Gesture | GestureError:
    raw = data.encode() if isinstance(data, str) else data
    return parse(raw, source="test.yaml", language=normalise_language)


def _problems(data: str | bytes) -> set[tuple[str, str]]:
    made = _parse(data)
    assert isinstance(made, GestureError), made
    return {(p.where, p.what) for p in made.problems}


def test_every_shipped_gesture_is_valid_and_in_every_language() -> None:
    shipped = shipped_gestures()
    assert len(shipped) >= 8
    for gesture in shipped.values():
        assert set(gesture.languages) == set(LANGUAGES), (gesture.id, gesture.languages)
        assert gesture.text.safety, gesture.id  # no gesture without a word on risks
        for language in LANGUAGES:
            translated, is_translation = gesture.in_language(language)
            assert is_translation or language == "en"
            # A translation says as much as the English: the same steps and safety points.
            assert len(translated.steps) == len(gesture.text.steps), (gesture.id, language)
            assert len(translated.safety) == len(gesture.text.safety), (gesture.id, language)


def test_a_good_file_and_its_stable_version() -> None:
    made = _parse(GOOD)
    assert isinstance(made, Gesture)
    assert made.languages == ("en", "uk")
    assert made.in_language("uk")[0].title == "Хвилина тиші"
    assert made.in_language("es") == (made.text, False)  # English, and the reader is told
    again = _parse(GOOD.replace("tags: [quiet]", "tags: [quiet]\n"))
    assert isinstance(again, Gesture) and again.rev == made.rev  # content, not bytes
    changed = _parse(GOOD.replace("Stand still together.", "Stand together."))
    assert isinstance(changed, Gesture) and changed.rev != made.rev


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("- a list", {("(file)", "not-mapping")}),
        (GOOD.replace("id: quiet-minute", "id: Quiet Minute"), {("id", "bad-id")}),
        (GOOD.replace("id: quiet-minute\n", ""), {("id", "missing")}),
        (GOOD.replace("summary: Stand still together.\n", ""), {("summary", "missing")}),
        (GOOD.replace("steps: [Gather, Stand still]", "steps: Gather"), {("steps", "not-list")}),
        (GOOD.replace("steps: [Gather, Stand still]", "steps: []"), {("steps", "item-count")}),
        (GOOD.replace('safety: ["Legal: know the rules."]\n', "", 1), {("safety", "missing")}),
        (GOOD + "colour: red\n", {("colour", "unknown-field")}),
        (
            GOOD.replace("steps: [Gather, Stand still]", "steps: [Gather, 42]"),
            {("steps[2]", "not-text")},
        ),
        (GOOD.replace("A quiet minute", "x" * 121), {("title", "too-long")}),
        (GOOD.replace("A quiet minute", "A \u202equiet minute"), {("title", "control-character")}),
        (GOOD.replace("tags: [quiet]", "tags: [Quiet!]"), {("tags[1]", "bad-tag")}),
        (GOOD.replace("  uk:", "  klingon:"), {("translations.klingon", "unknown-language")}),
        (GOOD.replace("    title: Хвилина тиші\n", ""), {("translations.uk.title", "missing")}),
        (
            GOOD.replace("    steps: [Зібратися, Стояти]", "    stepz: [Зібратися]"),
            {("translations.uk.stepz", "unknown-field"), ("translations.uk.steps", "missing")},
        ),
    ],
)
def test_validation_names_the_field_and_the_problem(data: str, expected: set) -> None:
    assert _problems(data) == expected


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"id: x\n" + b"#" * MAX_BYTES, "too-big"),
        ("id: café".encode("latin-1"), "not-utf8"),
        ("!!python/object/apply:os.system ['touch /tmp/pwned']", "unsafe-tag"),
        ("id: !!python/name:os.system x", "unsafe-tag"),
        ("id: [unclosed", "not-yaml"),
        (GOOD + "\n---\n" + GOOD, "documents"),
        ("", "documents"),
    ],
)
def test_untrusted_files_are_refused_not_run(data: str | bytes, what: str) -> None:
    assert _problems(data) == {("(file)", what)}
    assert not Path("/tmp/pwned").exists()


def test_a_repeated_key_is_refused_not_silently_dropped() -> None:
    """Found in review: a second ``safety:`` silently replaced the first one's warnings."""
    twice = GOOD.replace("safety:", "safety: [Bring nothing with your name]\nsafety:", 1)
    made = _parse(twice)
    assert isinstance(made, GestureError)
    (problem,) = made.problems
    assert problem.what == "not-yaml" and "safety" in problem.detail and "line" in problem.detail


def test_a_few_hundred_bytes_of_aliases_cannot_blow_up_a_problem_report() -> None:
    """Found in review: ``id`` set to nested aliases was turned into text in full
    (gigabytes from 500 bytes). A container is named by its type, never expanded."""
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 12):
        levels.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]")
    bomb = "extra:\n" + "\n".join("  " + line for line in levels) + "\nid: *a11\n"
    made = _parse(bomb)
    assert isinstance(made, GestureError)
    assert ("id", "bad-id") in {(p.where, p.what) for p in made.problems}
    assert all(len(p.detail) <= 40 for p in made.problems)


def test_field_names_in_a_refusal_are_short_and_printable() -> None:
    long_name = "x\u202e" + "y" * 900  # YAML allows implicit keys up to 1,024
    made = _parse(GOOD + f"{long_name}: 1\n")
    assert isinstance(made, GestureError)
    (problem,) = made.problems
    assert problem.what == "unknown-field" and len(problem.where) <= 40
    assert "\u202e" not in problem.where


def test_operator_folders_add_and_report_every_broken_file(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / "bad.yaml").write_text("id: x\n")
    found, errors = load_files([tmp_path, tmp_path / "missing"])
    assert "quiet-minute" in found and "minute-of-silence" in found
    sources = sorted(e.source for e in errors)
    assert sources == sorted([str(tmp_path / "bad.yaml"), str(tmp_path / "missing")])
    assert "bad.yaml: id: bad-id" in str(next(e for e in errors if "bad" in e.source))


def test_two_operator_files_with_one_id_are_an_error_a_shipped_id_may_be_replaced(
    tmp_path: Path,
) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "one.yaml").write_text(GOOD)
    (second / "two.yaml").write_text(GOOD.replace("A quiet minute", "Another minute"))
    found, errors = load_files([first, second])
    (error,) = errors
    assert error.source == str(second / "two.yaml")
    assert "id: duplicate" in str(error) and str(first / "one.yaml") in str(error)
    assert found["quiet-minute"].text.title == "A quiet minute"  # the first stays

    shipped = yaml.safe_load(GOOD) | {"id": "light-vigil"}
    (first / "one.yaml").write_text(yaml.safe_dump(shipped, allow_unicode=True))
    found, errors = load_files([first])
    assert errors == [] and found["light-vigil"].text.title == "A quiet minute"


def _window() -> Window:
    now = datetime(2027, 3, 1, tzinfo=UTC)
    return Window(
        id="k3f9q",
        title="Lights <for> all",
        mode="global",
        start=now + timedelta(days=3),
        local_time=None,
        local_date=None,
        anchor=None,
        duration=timedelta(hours=1),
        state=State.APPROVED,
        proposer_node="kyiv1",
        gesture="quiet-minute",
        recurrence=None,
        when={},
        label="",
        notes=(),
        created_at=now,
        deadline=now,
    )


def _node(language: str) -> Node:
    return Node(
        id="kyiv1",
        room_id="!k:x",
        name="Kyiv",
        timezone="Europe/Kyiv",
        language=language,
        homeserver="x",
        registered_at=datetime(2027, 1, 1, tzinfo=UTC),
        standing=Standing.ADMITTED,
    )


@pytest.mark.parametrize(
    ("language", "title", "note"),
    [
        ("uk", "Хвилина тиші", False),
        ("es", "A quiet minute", True),
        ("en", "A quiet minute", False),
    ],
)
def test_guideline_in_the_nodes_language_with_its_adaptation(language, title, note) -> None:
    gesture = _parse(GOOD)
    assert isinstance(gesture, Gesture)
    voices = Voices(Catalogs.source_only(), "en")  # the bot's words in English: easy to find
    node = _node(language)
    reply = text.guideline(
        voices.of(node),
        gesture=gesture,
        window=_window(),
        node=node,
        starts=_window().start,
        adaptation="We stand <b>by</b> the river",
        emoji="🙋",
        prefix="!",
    )
    assert title in reply.plain()
    assert ("There is no translation" in reply.plain()) is note
    assert "&lt;b&gt;by&lt;/b&gt;" in reply.html()  # a node's text cannot inject markup
    assert "Lights &lt;for&gt; all" in reply.html()
    assert "!join k3f9q" in reply.plain() and "🙋" in reply.plain()
