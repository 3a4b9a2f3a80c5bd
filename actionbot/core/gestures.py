"""Gesture guidelines: one minimal act every collective performs in its own way.

A gesture is plain data read from YAML (shipped files, an operator's folders, or a file a
coordinator sends in chat). It is checked here, before anything is stored, so a refusal can
name the field and the problem; no I/O, no YAML — :mod:`actionbot.core.gesture_yaml` turns
bytes into the data this module checks.

| field           | kind                 | required | limit                        |
|-----------------|----------------------|----------|------------------------------|
| ``id``          | ``a-z0-9-``, 2–40    | yes      |                              |
| ``title``       | text                 | yes      | 120 characters               |
| ``summary``     | text                 | yes      | 600 characters               |
| ``steps``       | list of text         | yes      | 1–20 items, 600 each         |
| ``safety``      | list of text         | yes      | 1–20 items, 600 each         |
| ``materials``   | list of text         | no       | 0–20 items, 600 each         |
| ``accessibility`` | list of text       | no       | 0–20 items, 600 each         |
| ``tags``        | list of ``a-z0-9-``  | no       | 12 tags                      |
| ``translations``| language → the text fields above (title, summary, steps, safety required) |

Safety is required on purpose: a gesture without a word on legal, digital and physical
risks is not one this network should send. Text may not hold control or bidirectional
override characters (they can disguise what a message says). A version (``rev``) is the
hash of the gesture's content, so the same gesture has the same rev on every instance.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from actionbot.core.shown import has_hidden, shown, too_many_marks

ID = re.compile(r"[a-z0-9][a-z0-9-]{1,39}")
TAG = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
TEXT_FIELDS = ("title", "summary")
LIST_FIELDS = ("steps", "materials", "safety", "accessibility")
REQUIRED = ("title", "summary", "steps", "safety")
TOP_FIELDS = frozenset({"id", "tags", "translations", *TEXT_FIELDS, *LIST_FIELDS})
LIMITS = {"title": 120, "summary": 600}
ITEM_LIMIT, MAX_ITEMS, MAX_TAGS = 600, 20, 12
MAX_BYTES = 64 * 1024  # a gesture file, as sent in chat or read from a folder


@dataclass(frozen=True, kw_only=True)
class Problem:
    """One thing wrong with a gesture: where (``steps[3]``, ``translations.uk.title``),
    and what, as a code the render layer words (``missing``, ``too-long``, …)."""

    where: str
    what: str
    detail: str = ""

    def __str__(self) -> str:  # operator-facing (check-config, logs): English is fine
        return f"{self.where}: {self.what}" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True, kw_only=True)
class GestureError:
    source: str  # a file name, never a path a chat user chose
    problems: tuple[Problem, ...]

    def __str__(self) -> str:
        return f"{self.source}: " + "; ".join(map(str, self.problems))


@dataclass(frozen=True, kw_only=True)
class GestureText:
    title: str
    summary: str
    steps: tuple[str, ...]
    safety: tuple[str, ...]
    materials: tuple[str, ...] = ()
    accessibility: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"title": self.title, "summary": self.summary}
        for name in LIST_FIELDS:
            if getattr(self, name):
                data[name] = list(getattr(self, name))
        return data


@dataclass(frozen=True, kw_only=True)
class Gesture:
    id: str
    text: GestureText  # in English, the language the library is written in
    tags: tuple[str, ...] = ()
    translations: Mapping[str, GestureText] = field(default_factory=dict)

    @property
    def rev(self) -> str:
        body = json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(body.encode()).hexdigest()[:12]

    @property
    def languages(self) -> tuple[str, ...]:
        return ("en", *sorted(self.translations))

    def in_language(self, language: str) -> tuple[GestureText, bool]:
        """The text in ``language``, and whether it is a translation (False: English,
        because there is none — the reader is told)."""
        if language in self.translations:
            return self.translations[language], True
        return self.text, language == "en"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, **self.text.to_json()}
        if self.tags:
            data["tags"] = list(self.tags)
        if self.translations:
            data["translations"] = {k: v.to_json() for k, v in sorted(self.translations.items())}
        return data


def from_data(
    data: object, *, source: str, language: Callable[[str], str | None]
) -> Gesture | GestureError:
    """Check ``data`` (as YAML or JSON gives it) and build the gesture, or say every
    problem at once. ``language`` normalises a translation key (``pt_BR`` → ``pt``) or
    returns None for a language the bot does not speak."""
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        return GestureError(source=source, problems=(Problem(where="(file)", what="not-mapping"),))
    for key in data:
        if key not in TOP_FIELDS:
            problems.append(Problem(where=_show(key) or "?", what="unknown-field"))
    raw_id = data.get("id")
    if not isinstance(raw_id, str) or not ID.fullmatch(raw_id):
        problems.append(
            Problem(
                where="id", what="missing" if raw_id is None else "bad-id", detail=_show(raw_id)
            )
        )
    text = _text(data, "", problems)
    tags = _tags(data.get("tags"), problems)
    translations: dict[str, GestureText] = {}
    raw_translations = data.get("translations", {})
    if not isinstance(raw_translations, Mapping):
        problems.append(Problem(where="translations", what="not-mapping"))
        raw_translations = {}
    for key, value in raw_translations.items():
        where = f"translations.{_show(key)}"
        code = language(str(key))
        if code is None:
            problems.append(Problem(where=where, what="unknown-language", detail=_show(key)))
            continue
        if code == "en" or code in translations:
            problems.append(Problem(where=where, what="repeated-language", detail=str(key)))
            continue
        if not isinstance(value, Mapping):
            problems.append(Problem(where=where, what="not-mapping"))
            continue
        for inner in value:
            if inner not in (*TEXT_FIELDS, *LIST_FIELDS):
                problems.append(Problem(where=f"{where}.{inner}", what="unknown-field"))
        translated = _text(value, where + ".", problems)
        if translated is not None:
            translations[code] = translated
    if problems or text is None:
        return GestureError(source=source, problems=tuple(problems))
    assert isinstance(raw_id, str)
    return Gesture(id=raw_id, text=text, tags=tags, translations=translations)


def _text(data: Mapping, prefix: str, problems: list[Problem]) -> GestureText | None:
    before = len(problems)
    values: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        values[name] = _string(data.get(name), prefix + name, LIMITS[name], problems)
    for name in LIST_FIELDS:
        raw = data.get(name)
        if raw is None:
            if name in REQUIRED:
                problems.append(Problem(where=prefix + name, what="missing"))
            values[name] = ()
            continue
        if not isinstance(raw, list):
            problems.append(Problem(where=prefix + name, what="not-list"))
            continue
        if len(raw) > MAX_ITEMS or (name in REQUIRED and not raw):
            problems.append(Problem(where=prefix + name, what="item-count", detail=str(len(raw))))
        values[name] = tuple(
            _string(item, f"{prefix}{name}[{i + 1}]", ITEM_LIMIT, problems)
            for i, item in enumerate(raw)
        )
    if len(problems) > before:
        return None
    return GestureText(**values)


def _string(value: object, where: str, limit: int, problems: list[Problem]) -> str:
    if value is None:
        problems.append(Problem(where=where, what="missing"))
        return ""
    if not isinstance(value, str):
        problems.append(Problem(where=where, what="not-text"))
        return ""
    text = " ".join(value.split())  # YAML folding leaves stray spaces and newlines
    if not text:
        problems.append(Problem(where=where, what="missing"))
    elif len(text) > limit:
        problems.append(Problem(where=where, what="too-long", detail=f"{len(text)}/{limit}"))
    elif has_control(text):
        problems.append(Problem(where=where, what="control-character"))
    return text


def visible(text: str) -> str:
    """``text`` without what :func:`has_control` refuses (for free text that is kept rather
    than refused: report captions)."""
    return shown(text)


def has_control(text: str) -> bool:
    """Characters that can hide or reorder what a text says (see :mod:`core.shown`)."""
    return has_hidden(text) or too_many_marks(text)


def _tags(raw: object, problems: list[Problem]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > MAX_TAGS:
        problems.append(
            Problem(where="tags", what="not-list" if not isinstance(raw, list) else "item-count")
        )
        return ()
    for index, tag in enumerate(raw):
        if not isinstance(tag, str) or not TAG.fullmatch(tag):
            problems.append(Problem(where=f"tags[{index + 1}]", what="bad-tag", detail=_show(tag)))
    return tuple(t for t in raw if isinstance(t, str))


def _show(value: object) -> str:
    """A value for a problem report: short, printable, and never a container turned into
    text (a few hundred bytes of YAML aliases expand to gigabytes that way)."""
    if value is None:
        return ""
    if not isinstance(value, str | int | float | bool):
        return type(value).__name__
    return "".join(c for c in str(value)[:40] if c.isprintable())
