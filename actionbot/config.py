"""Loading and validating the configuration file.

The config is untrusted input: every problem is reported with the exact field path and
the reason (missing, wrong type, unknown key, bad value, unusable store path), all at
once, so an operator fixes the file in one pass. Secrets may come from the environment
(``ACTIONBOT_PASSWORD``, ``ACTIONBOT_ACCESS_TOKEN``) so they stay out of files.

The schema is a data table below: ``section -> key -> Field``.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from actionbot.core.durations import DurationError, parse_duration
from actionbot.core.nodes import NodeError, validate_timezone
from actionbot.core.reminders import DEFAULT_OFFSETS, Offset, parse_offsets
from actionbot.core.servers import ANY_SERVER, is_user_id, server_of
from actionbot.core.when import ClockTime, WhenError, parse_at
from actionbot.render.languages import LANGUAGES, normalise_language

DEFAULT_TIME = ClockTime(hour=12, minute=0, zone="local")
ENV_PASSWORD = "ACTIONBOT_PASSWORD"
ENV_ACCESS_TOKEN = "ACTIONBOT_ACCESS_TOKEN"

TRUST_POLICIES = ("tofu", "all")
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True, kw_only=True)
class Config:
    """Validated configuration. Built only by :func:`load_config` / :func:`parse_config`."""

    homeserver: str
    user_id: str
    password: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    device_name: str = "actionbot"
    allowed_servers: tuple[str, ...] = ()
    trust: str = "tofu"
    command_prefix: str = "!"
    coordination_room: str | None = None
    coordinators: tuple[str, ...] = ()
    register_min_power_level: int = 50
    max_command_age: timedelta = timedelta(minutes=15)
    undecryptable_hint_delay: timedelta = timedelta(seconds=10)
    default_timezone: str = "UTC"
    default_language: str = "en"
    store_path: Path = Path("./data")
    send_concurrency: int = 4
    send_max_attempts: int = 8
    send_retry_base: timedelta = timedelta(seconds=2)
    send_retry_cap: timedelta = timedelta(minutes=10)
    sync_timeout: timedelta = timedelta(seconds=30)
    log_level: str = "INFO"
    log_format: str = "text"
    window_default_duration: timedelta = timedelta(hours=1)
    window_default_time: ClockTime = DEFAULT_TIME
    reminder_offsets: tuple[Offset, ...] = DEFAULT_OFFSETS
    reminder_late_grace: timedelta = timedelta(hours=1)
    reminder_late_after: timedelta = timedelta(minutes=1)
    calendar_file: Path | None = None
    proposers: str = "anyone"
    decision_period: timedelta = timedelta(hours=24)
    quorum: float = 0.5
    consensus_only: bool = False
    voters: str = "moderators"
    polls: bool = True

    @property
    def server_name(self) -> str:
        return server_of(self.user_id)

    @property
    def db_path(self) -> Path:
        return self.store_path / "actionbot.db"

    @property
    def crypto_store_path(self) -> Path:
        return self.store_path / "crypto"


@dataclass(frozen=True, kw_only=True)
class ConfigError:
    """One problem with one field."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


# A checker turns a raw YAML value into the typed value, or returns an error message.
Checker = Callable[[Any], Any]


class _Bad(str):
    """A checker's error message (a distinct type so a valid str is never mistaken)."""


def _string(value: Any) -> Any:
    if not isinstance(value, str):
        return _Bad(f"must be a string, got {type(value).__name__}")
    return value


def _nonempty(value: Any) -> Any:
    value = _string(value)
    if isinstance(value, _Bad):
        return value
    return value if value.strip() else _Bad("must not be empty")


def _url(value: Any) -> Any:
    value = _nonempty(value)
    if isinstance(value, _Bad):
        return value
    if not value.startswith(("http://", "https://")):
        return _Bad("must start with https:// (or http:// for a local test server)")
    return value.rstrip("/")


def _user_id(value: Any) -> Any:
    value = _nonempty(value)
    if isinstance(value, _Bad):
        return value
    return value if is_user_id(value) else _Bad("must be a Matrix user id like @bot:example.org")


def _room_id(value: Any) -> Any:
    value = _nonempty(value)
    if isinstance(value, _Bad):
        return value
    return value if value.startswith("!") else _Bad("must be a room id starting with '!'")


def _int_range(low: int, high: int) -> Checker:
    def check(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            return _Bad(f"must be a whole number, got {type(value).__name__}")
        if not low <= value <= high:
            return _Bad(f"must be between {low} and {high}")
        return value

    return check


def _choice(options: tuple[str, ...], *, upper: bool = False) -> Checker:
    def check(value: Any) -> Any:
        value = _string(value)
        if isinstance(value, _Bad):
            return value
        value = value.upper() if upper else value.lower()
        return value if value in options else _Bad(f"must be one of: {', '.join(options)}")

    return check


def _duration(value: Any) -> Any:
    if isinstance(value, bool):
        return _Bad("must be a duration like 30s, 15m or 1h")
    if isinstance(value, int):
        return timedelta(seconds=value) if value >= 0 else _Bad("must not be negative")
    value = _string(value)
    if isinstance(value, _Bad):
        return value
    parsed = parse_duration(value)
    return _Bad(parsed.message) if isinstance(parsed, DurationError) else parsed


def _at_least(minimum: timedelta, check: Checker) -> Checker:
    def wrapped(value: Any) -> Any:
        result = check(value)
        if isinstance(result, _Bad) or result >= minimum:
            return result
        return _Bad(f"must be at least {int(minimum.total_seconds())}s")

    return wrapped


def _list_of(item: Checker) -> Checker:
    def check(value: Any) -> Any:
        if value is None:
            return ()
        if not isinstance(value, list):
            return _Bad(f"must be a list, got {type(value).__name__}")
        out = []
        for index, entry in enumerate(value):
            checked = item(entry)
            if isinstance(checked, _Bad):
                return _Bad(f"item {index + 1}: {checked}")
            out.append(checked)
        return tuple(out)

    return check


def _server(value: Any) -> Any:
    value = _nonempty(value)
    if isinstance(value, _Bad):
        return value
    if value != ANY_SERVER and ("/" in value or value.startswith("@")):
        return _Bad(f"'{value}' is not a server name (write example.org, not a URL or user)")
    return value


def _zone(value: Any) -> Any:
    value = _string(value)
    if isinstance(value, _Bad):
        return value
    key = validate_timezone(value)
    if isinstance(key, NodeError):
        return _Bad(f"'{value}' is not a known time zone; use e.g. Europe/Kyiv or UTC")
    return key


def _language(value: Any) -> Any:
    value = _string(value)
    if isinstance(value, _Bad):
        return value
    code = normalise_language(value)
    if code is None:
        return _Bad(f"'{value}' is not a shipped language; use one of: {', '.join(LANGUAGES)}")
    return code


def _fraction(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _Bad(f"must be a number between 0 and 1, got {type(value).__name__}")
    return float(value) if 0 < value <= 1 else _Bad("must be more than 0 and at most 1")


def _boolean(value: Any) -> Any:
    return value if isinstance(value, bool) else _Bad("must be true or false")


def _clock_spec(value: Any) -> Any:
    """``HH:MM`` followed by ``local``, ``UTC`` or an IANA zone, e.g. ``12:00 local``."""
    value = _nonempty(value)
    if isinstance(value, _Bad):
        return value
    words = value.split()
    parsed = parse_at(["at", *words])
    if isinstance(parsed, WhenError) or len(words) < 2 or parsed[1] is None:
        return _Bad("must be a time and a zone, e.g. '12:00 local' or '18:00 UTC'")
    return parsed[1]


def _offsets(value: Any) -> Any:
    items = _list_of(_nonempty)(value)
    if isinstance(items, _Bad):
        return items
    parsed = parse_offsets(items)
    return _Bad(parsed) if isinstance(parsed, str) else tuple(parsed)


def _path(value: Any) -> Any:
    value = _nonempty(value)
    return value if isinstance(value, _Bad) else Path(value).expanduser()


@dataclass(frozen=True)
class Field:
    attr: str
    check: Checker
    required: bool = False


# The schema: section -> key -> Field (the Config attribute it fills and how to check it).
SCHEMA: dict[str, dict[str, Field]] = {
    "matrix": {
        "homeserver": Field("homeserver", _url, required=True),
        "user_id": Field("user_id", _user_id, required=True),
        "password": Field("password", _nonempty),
        "access_token": Field("access_token", _nonempty),
        "device_name": Field("device_name", _nonempty),
        "allowed_servers": Field("allowed_servers", _list_of(_server)),
        "trust": Field("trust", _choice(TRUST_POLICIES)),
    },
    "bot": {
        "command_prefix": Field("command_prefix", _nonempty),
        "coordination_room": Field("coordination_room", _room_id),
        "coordinators": Field("coordinators", _list_of(_user_id)),
        "register_min_power_level": Field("register_min_power_level", _int_range(0, 100)),
        "max_command_age": Field("max_command_age", _duration),
        "undecryptable_hint_delay": Field("undecryptable_hint_delay", _duration),
        "default_timezone": Field("default_timezone", _zone),
        "default_language": Field("default_language", _language),
    },
    "store": {
        "path": Field("store_path", _path),
    },
    "sending": {
        "concurrency": Field("send_concurrency", _int_range(1, 64)),
        "max_attempts": Field("send_max_attempts", _int_range(1, 100)),
        "retry_base": Field("send_retry_base", _duration),
        "retry_cap": Field("send_retry_cap", _duration),
        "sync_timeout": Field("sync_timeout", _at_least(timedelta(seconds=1), _duration)),
    },
    "windows": {
        "default_duration": Field("window_default_duration", _duration),
        "default_time": Field("window_default_time", _clock_spec),
        "reminders": Field("reminder_offsets", _offsets),
        "late_grace": Field("reminder_late_grace", _duration),
        "late_after": Field("reminder_late_after", _duration),
        "calendar_file": Field("calendar_file", _path),
        "proposers": Field("proposers", _choice(("anyone", "moderators"))),
    },
    "decisions": {
        "period": Field("decision_period", _duration),
        "quorum": Field("quorum", _fraction),
        "consensus_only": Field("consensus_only", _boolean),
        "voters": Field("voters", _choice(("moderators", "anyone"))),
        "polls": Field("polls", _boolean),
    },
    "logging": {
        "level": Field("log_level", _choice(LOG_LEVELS, upper=True)),
        "format": Field("log_format", _choice(LOG_FORMATS)),
    },
}


def _unknown(path: str, key: str, known: list[str]) -> ConfigError:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(known)})"
    return ConfigError(path=f"{path}{key}", message=f"unknown key{hint}")


def parse_config(
    raw: Any, *, env: Mapping[str, str], base_dir: Path | None = None
) -> Config | list[ConfigError]:
    """Validate a parsed YAML document (plus environment secrets) into a Config."""
    if not isinstance(raw, dict):
        return [ConfigError(path="(top level)", message="must be a mapping of sections")]
    errors: list[ConfigError] = []
    values: dict[str, Any] = {}
    for section, body in raw.items():
        if section not in SCHEMA:
            errors.append(_unknown("", str(section), list(SCHEMA)))
            continue
        if body is None:
            continue
        if not isinstance(body, dict):
            errors.append(ConfigError(path=section, message="must be a mapping"))
            continue
        fields = SCHEMA[section]
        for key, value in body.items():
            if key not in fields:
                errors.append(_unknown(f"{section}.", str(key), list(fields)))
                continue
            if value is None or value == "" or value == []:
                if key == "reminders" and value == []:
                    values[fields[key].attr] = ()  # an explicit empty list: no reminders
                continue  # treated as absent; required fields are checked below
            checked = fields[key].check(value)
            if isinstance(checked, _Bad):
                errors.append(ConfigError(path=f"{section}.{key}", message=str(checked)))
            else:
                values[fields[key].attr] = checked

    for env_name, attr in ((ENV_PASSWORD, "password"), (ENV_ACCESS_TOKEN, "access_token")):
        if env.get(env_name):
            values[attr] = env[env_name]

    for section, fields in SCHEMA.items():
        for key, spec in fields.items():
            if (
                spec.required
                and spec.attr not in values
                and not any(e.path == f"{section}.{key}" for e in errors)
            ):
                errors.append(ConfigError(path=f"{section}.{key}", message="missing (required)"))
    if "password" not in values and "access_token" not in values:
        errors.append(
            ConfigError(
                path="matrix.password",
                message=f"missing: give matrix.password or matrix.access_token "
                f"(or set {ENV_PASSWORD} / {ENV_ACCESS_TOKEN})",
            )
        )
    if (
        "send_retry_base" in values
        and "send_retry_cap" in values
        and values["send_retry_cap"] < values["send_retry_base"]
    ):
        errors.append(
            ConfigError(path="sending.retry_cap", message="must not be shorter than retry_base")
        )
    if errors:
        return errors

    values.setdefault("store_path", Path("data"))
    calendar_file = values.get("calendar_file")
    if base_dir is not None and calendar_file is not None and not calendar_file.is_absolute():
        values["calendar_file"] = base_dir / calendar_file
    # A relative store path is relative to the config file, not to the working directory.
    if base_dir is not None and not values["store_path"].is_absolute():
        values["store_path"] = base_dir / values["store_path"]
    if not values.get("allowed_servers"):
        values["allowed_servers"] = (server_of(values["user_id"]),)
    config = Config(**values)
    store_error = check_store_path(config.store_path)
    return [store_error] if store_error else config


def check_store_path(path: Path) -> ConfigError | None:
    """The store directory must exist and be writable, or be creatable."""
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        return ConfigError(path="store.path", message=f"{probe} exists but is not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        return ConfigError(path="store.path", message=f"{probe} is not writable by this user")
    if path.exists():
        try:
            with tempfile.TemporaryFile(dir=path):
                pass
        except OSError as exc:
            return ConfigError(path="store.path", message=f"cannot write in {path}: {exc}")
    return None


def load_config(
    path: str | Path, env: Mapping[str, str] | None = None
) -> Config | list[ConfigError]:
    """Read and validate a YAML config file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return [ConfigError(path=str(path), message=f"cannot read the file: {exc.strerror}")]
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        return [ConfigError(path=str(path), message=f"not valid YAML{where}")]
    return parse_config(
        raw if raw is not None else {},
        env=os.environ if env is None else env,
        base_dir=path.resolve().parent,
    )
