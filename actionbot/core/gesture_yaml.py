"""From the bytes of a gesture file to data :func:`actionbot.core.gestures.from_data` checks.

Untrusted: a coordinator's file may be anything. Only plain YAML is read (``safe_load``:
no tags that build Python objects), one document, at most 64 KB, UTF-8. Problems are
values, worded by the render layer.
"""

from __future__ import annotations

from collections.abc import Callable

import yaml

from actionbot.core.gestures import MAX_BYTES, Gesture, GestureError, Problem, from_data


def parse(
    data: bytes, *, source: str, language: Callable[[str], str | None]
) -> Gesture | GestureError:
    def refused(what: str, detail: str = "") -> GestureError:
        return GestureError(
            source=source, problems=(Problem(where="(file)", what=what, detail=detail),)
        )

    if len(data) > MAX_BYTES:
        return refused("too-big", f"{len(data) // 1024} KB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return refused("not-utf8")
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.constructor.ConstructorError as exc:
        if "tag" in str(exc.problem or ""):
            return refused("unsafe-tag")
        return refused("not-yaml", _where(exc))
    except yaml.YAMLError as exc:
        return refused("not-yaml", _where(exc))
    except RecursionError:
        return refused("not-yaml")
    if len(documents) != 1:
        return refused("documents", str(len(documents)))
    return from_data(documents[0], source=source, language=language)


def _where(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    return f"line {mark.line + 1}" if mark is not None else ""
