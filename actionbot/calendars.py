"""Reading anniversary calendars: the one shipped in the package plus the operator's file."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from actionbot.core.calendar import Calendar, CalendarError, parse_entries


def shipped_calendar() -> Calendar:
    text = resources.files("actionbot").joinpath("data/anniversaries.yaml").read_text("utf-8")
    result = parse_entries(yaml.safe_load(text), source_name="anniversaries.yaml")
    if isinstance(result, list):  # a packaging bug, caught by the unit tests
        raise RuntimeError("; ".join(map(str, result)))
    return result


def load_calendar(user_file: Path | None) -> Calendar | list[CalendarError]:
    """The shipped calendar extended by ``user_file`` (if any)."""
    base = shipped_calendar()
    if user_file is None:
        return base
    try:
        raw = yaml.safe_load(user_file.read_text(encoding="utf-8"))
    except OSError as exc:
        return [CalendarError(where=str(user_file), message=f"cannot read: {exc.strerror}")]
    except yaml.YAMLError:
        return [CalendarError(where=str(user_file), message="not valid YAML")]
    return parse_entries(raw or [], source_name=user_file.name, base=base.entries)
