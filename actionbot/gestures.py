"""The gesture library: the shipped gestures, the operator's folders, and the versions
coordinators sent in chat (kept in the database; the newest of an id wins)."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from actionbot.core.gesture_yaml import parse
from actionbot.core.gestures import Gesture, GestureError, Problem
from actionbot.render.languages import normalise_language
from actionbot.store.gestures import GestureStore

log = logging.getLogger(__name__)


def _read(data: bytes, name: str) -> Gesture | GestureError:
    return parse(data, source=name, language=normalise_language)


def shipped_gestures() -> dict[str, Gesture]:
    found: dict[str, Gesture] = {}
    folder = resources.files("actionbot").joinpath("data/gestures")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            made = _read(entry.read_bytes(), entry.name)
            if isinstance(made, GestureError):  # a packaging bug, caught by the unit tests
                raise RuntimeError(str(made))
            found[made.id] = made
    return found


def load_files(folders: Sequence[Path]) -> tuple[dict[str, Gesture], list[GestureError]]:
    """The shipped gestures, then each folder's ``*.yaml``. An operator's file may replace a
    shipped gesture (logged); two operator files with one id are an error naming both (which
    one wins would depend on folder order). Every problem of every file is returned, so
    ``check-config`` can list them all."""
    found = shipped_gestures()
    shipped = set(found)
    origin: dict[str, Path] = {}
    errors: list[GestureError] = []
    for folder in folders:
        if not folder.is_dir():
            errors.append(
                GestureError(
                    source=str(folder), problems=(Problem(where="(folder)", what="not-a-folder"),)
                )
            )
            continue
        for file in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            try:
                data = file.read_bytes()
            except OSError as exc:
                problem = Problem(where="(file)", what="unreadable", detail=str(exc.strerror))
                errors.append(GestureError(source=str(file), problems=(problem,)))
                continue
            made = _read(data, str(file))
            if isinstance(made, GestureError):
                errors.append(made)
                continue
            if made.id in origin:
                problem = Problem(where="id", what="duplicate", detail=f"also in {origin[made.id]}")
                errors.append(GestureError(source=str(file), problems=(problem,)))
                continue
            if made.id in shipped:
                log.warning("an operator's gesture replaces a shipped one", extra={"id": made.id})
            origin[made.id] = file
            found[made.id] = made
    return found, errors


class Library:
    """What ``gesture=<id>`` may name: files, overlaid by versions added in chat."""

    def __init__(self, files: dict[str, Gesture], store: GestureStore) -> None:
        self._files = files
        self.store = store

    async def all(self) -> dict[str, Gesture]:
        return {**self._files, **await self.store.added()}

    async def current(self, gesture_id: str) -> Gesture | None:
        return (await self.all()).get(gesture_id)

    async def version(self, gesture_id: str, rev: str | None) -> Gesture | None:
        """The version a window used (kept in the database), else today's."""
        if rev is not None:
            kept = await self.store.version(gesture_id, rev)
            if kept is not None:
                return kept
        return await self.current(gesture_id)

    async def near(self, word: str) -> list[str]:
        return difflib.get_close_matches(word, list(await self.all()), n=3, cutoff=0.5)
