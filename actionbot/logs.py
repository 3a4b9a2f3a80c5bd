"""Structured logging that never carries message bodies, tokens or passwords.

Three layers of protection, because people's safety depends on it:
1. the bot's own code logs ids and outcomes, never message text (reviewed + tested);
2. a filter replaces every configured secret and anything shaped like a Matrix access
   token with ``[redacted]`` before a record is written;
3. third-party loggers (nio, aiohttp, aiosqlite, …) are capped at WARNING, since their
   DEBUG output includes request bodies and SQL parameters (a test proved it).
Fields are passed with ``extra={...}`` and rendered as ``key=value`` (text) or JSON.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

# Synapse access tokens look like syt_<b64>_<rand>_<crc>; MSC-style ones like mat_/mct_.
_TOKEN_SHAPES = re.compile(r"\b(?:syt|syr|mat|mct)_[A-Za-z0-9_\-]{8,}")
REDACTED = "[redacted]"

# LogRecord attributes that are not user-supplied "extra" fields.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}

NOISY_LIBRARIES = ("nio", "aiohttp", "aiosqlite", "peewee", "apscheduler", "asyncio")


_BRACED = re.compile(r"[{\[].*[}\]]", re.DOTALL)
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_PERSON = re.compile(r"@[^\s:'\"]+:[^\s'\",}]+")


def withhold(message: str) -> str:
    """A third-party library's message without what it may quote from events: nio logs
    "Error validating event: …" with the event's content, bodies and user ids included.
    Kept: the first line, structures and quoted strings replaced by a marker (jsonschema
    quotes a bad value: "'<any text>' is not one of …"), people by "@…", 200 chars."""
    first = message.splitlines()[0] if message else ""
    first = _BRACED.sub("[content withheld]", first)
    first = _QUOTED.sub("[value withheld]", first)
    first = _PERSON.sub("@…", first)
    return first[:200]


class RedactingFilter(logging.Filter):
    """Replace known secrets and token-shaped strings in a record's text and fields."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: list[str] = []
        self.add(*secrets)

    def add(self, *secrets: str) -> None:
        """Learn more secrets at run time (e.g. the access token a login returned)."""
        found = set(self._secrets) | {s for s in secrets if s and len(s) >= 4}
        self._secrets = sorted(found, key=len, reverse=True)

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return _TOKEN_SHAPES.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = self._clean(record.getMessage())
        if not record.name.startswith("actionbot"):
            message = withhold(message)
        record.msg = message
        record.args = None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, self._clean(value))
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self._clean(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD}


class TextFormatter(logging.Formatter):
    """``2026-11-23T12:00:00Z INFO actionbot.x message key=value …``"""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        parts = [stamp, record.levelname, record.name, record.getMessage()]
        parts += [f"{k}={json.dumps(v, default=str)}" for k, v in _fields(record).items()]
        line = " ".join(parts)
        if record.exc_text:
            line += "\n" + record.exc_text
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            **_fields(record),
        }
        if record.exc_text:
            data["exc"] = record.exc_text
        return json.dumps(data, default=str)


def setup_logging(
    *,
    level: str = "INFO",
    fmt: str = "text",
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """Configure the root logger once, at start-up (the CLI calls this, not library code)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in NOISY_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    return handler


def redact(*secrets: str) -> None:
    """Add secrets to every redacting handler configured by :func:`setup_logging`."""
    for handler in logging.getLogger().handlers:
        for log_filter in handler.filters:
            if isinstance(log_filter, RedactingFilter):
                log_filter.add(*secrets)
