"""From the bytes of a gesture file to data :func:`actionbot.core.gestures.from_data` checks.

Untrusted: a coordinator's file may be anything. Only plain YAML is read (``safe_load``:
no tags that build Python objects), one document, at most 64 KB, UTF-8. Problems are
values, worded by the render layer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import yaml

from actionbot.core.gestures import MAX_BYTES, Gesture, GestureError, Problem, from_data


class UniqueKeys(yaml.SafeLoader):
    """``safe_load`` that refuses a key given twice in one mapping: YAML says keys are
    unique, and PyYAML would silently keep the last — a second ``safety:`` would drop the
    first one's warnings (found in review)."""

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        seen: set[object] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                repeated = key in seen
            except TypeError:  # an unhashable key: PyYAML refuses it just after
                repeated = False
            if repeated:
                raise yaml.constructor.ConstructorError(
                    None, None, f"repeated key {_short(key)}", key_node.start_mark
                )
            with contextlib.suppress(TypeError):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _short(key: object) -> str:
    text = str(key) if isinstance(key, str | int | float | bool) else type(key).__name__
    return "".join(c for c in text if c.isprintable())[:40]


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
        documents = list(yaml.load_all(text, Loader=UniqueKeys))  # a SafeLoader
    except yaml.constructor.ConstructorError as exc:
        problem = str(exc.problem or "")
        if problem.startswith("repeated key"):
            return refused("not-yaml", f"{_where(exc)}: {problem.removeprefix('repeated key ')}")
        if "tag" in problem:
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
