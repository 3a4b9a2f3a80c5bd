"""Every shipped catalog is complete and safe to format.

A catalog fails when it lacks a message of the template, leaves one empty or fuzzy, or
changes its placeholders (a missing ``{title}`` would hide the window's name; an extra
one would crash the message). The template itself must be current: a message in the code
that the template lacks fails too.
"""

from __future__ import annotations

import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from actionbot.render.catalogs import LOCALE_DIR, Catalogs, po_path
from actionbot.render.languages import LANGUAGES, catalog_languages
from actionbot.render.voice import fill

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = LOCALE_DIR / "messages.pot"


def _fields(text: str) -> set[str]:
    return {field for _lit, field, _spec, _conv in string.Formatter().parse(text) if field}


def _read(path: Path, locale: str | None = None):
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


@pytest.mark.parametrize("code", catalog_languages())
def test_catalog_is_complete_and_keeps_placeholders(code: str) -> None:
    template = _read(TEMPLATE)
    catalog = _read(po_path(code), LANGUAGES[code][0])
    problems = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id)
        if found is None:
            problems.append(f"missing: {message.id!r}")
            continue
        strings = found.string if isinstance(found.string, tuple) else (found.string,)
        if found.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {message.id!r}")
            continue
        wanted = set().union(*(_fields(i) for i in _ids(message)))
        for translated in strings:
            if _fields(translated) != wanted:
                problems.append(
                    f"placeholders {sorted(_fields(translated))} ≠ {sorted(wanted)}: "
                    f"{message.id!r} → {translated!r}"
                )
                continue
            fill(translated, {name: "x" for name in wanted})  # must not raise
    assert not problems, f"{code}: {len(problems)} problems\n" + "\n".join(problems[:40])


@pytest.mark.parametrize("code", catalog_languages())
def test_catalog_loads_and_translates(code: str) -> None:
    translations = Catalogs.load().translations(code)
    assert translations.gettext("This room is not a node yet.") != "This room is not a node yet."


def test_template_is_current(tmp_path: Path) -> None:
    """Run the same extraction as the README: the template must not lack any message."""
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    current = {m.id for m in _read(TEMPLATE) if m.id}
    extracted = {m.id for m in _read(fresh) if m.id}
    assert extracted - current == set(), "run pybabel extract (see README)"
    assert current - extracted == set(), "the template holds messages the code no longer has"
