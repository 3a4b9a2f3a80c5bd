"""From a file (or an already-parsed YAML document) to a validated :class:`Config`.

Every problem is collected, not just the first: unknown keys (with a "did you mean"),
bad values, missing required keys, fields that contradict each other, and a store
path this user cannot write to.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from actionbot.config.checkers import Bad
from actionbot.config.model import Config, ConfigError
from actionbot.config.schema import SCHEMA, Field
from actionbot.core.gesture_yaml import UniqueKeys
from actionbot.core.servers import server_of

ENV_PASSWORD = "ACTIONBOT_PASSWORD"
ENV_ACCESS_TOKEN = "ACTIONBOT_ACCESS_TOKEN"
# Secrets in files (Docker secrets, systemd credentials): the ``*_FILE`` convention.
SECRET_FILES = (
    ("matrix", "password", "password_file", ENV_PASSWORD + "_FILE"),
    ("matrix", "access_token", "access_token_file", ENV_ACCESS_TOKEN + "_FILE"),
    ("store", "person_key", "person_key_file", "ACTIONBOT_PERSON_KEY_FILE"),
)
PERSON_KEY_MIN = 32  # characters: `openssl rand -hex 32` makes 64
MAX_SECRET_BYTES = 4096
MAX_CONFIG_BYTES = 1_000_000


def load_config(
    path: str | Path, env: Mapping[str, str] | None = None
) -> Config | list[ConfigError]:
    """Read and validate a YAML config file."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)  # /dev/zero must not fill the memory
    except OSError as exc:
        return [ConfigError(path=str(path), message=f"cannot read the file: {exc.strerror}")]
    if len(data) > MAX_CONFIG_BYTES:
        return [ConfigError(path=str(path), message="larger than 1 MB: not a config file")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [
            ConfigError(
                path=str(path), message=f"not UTF-8 text (byte {exc.start}): save it as UTF-8"
            )
        ]
    try:
        # Repeated keys refused: a second `bot:` section silently replaced the first.
        raw = yaml.load(text, Loader=UniqueKeys)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", "") or ""
        detail = f": {problem}" if problem.startswith("repeated key") else ""
        return [ConfigError(path=str(path), message=f"not valid YAML{where}{detail}")]
    except RecursionError:
        return [ConfigError(path=str(path), message="nested too deeply: not a config file")]
    return parse_config(
        raw if raw is not None else {},
        env=os.environ if env is None else env,
        base_dir=path.resolve().parent,
    )


def parse_config(
    raw: Any, *, env: Mapping[str, str], base_dir: Path | None = None
) -> Config | list[ConfigError]:
    """Validate a parsed YAML document (plus environment secrets) into a Config."""
    if not isinstance(raw, dict):
        return [ConfigError(path="(top level)", message="must be a mapping of sections")]
    errors: list[ConfigError] = []
    values: dict[str, Any] = {}
    for section, body in raw.items():
        _read_section(section, body, values, errors)

    for env_name, attr in ((ENV_PASSWORD, "password"), (ENV_ACCESS_TOKEN, "access_token")):
        if env.get(env_name):
            values[attr] = env[env_name]
    _read_secret_files(values, env, errors, base_dir)

    _check_required(values, errors)
    _check_consistent(values, errors)
    if errors:
        return errors

    config = Config(**_with_defaults(values, base_dir))
    store_error = check_store_path(config.store_path)
    return [store_error] if store_error else config


def _read_section(
    section: Any, body: Any, values: dict[str, Any], errors: list[ConfigError]
) -> None:
    """Check one top-level section into ``values``; add its problems to ``errors``."""
    if section not in SCHEMA:
        errors.append(_unknown("", str(section), list(SCHEMA)))
        return
    if body is None:
        return
    if not isinstance(body, dict):
        errors.append(ConfigError(path=section, message="must be a mapping"))
        return
    fields: dict[str, Field] = SCHEMA[section]
    for key, value in body.items():
        if key not in fields:
            errors.append(_unknown(f"{section}.", str(key), list(fields)))
            continue
        if value == "" and key == "command_prefix":
            errors.append(
                ConfigError(
                    path=f"{section}.{key}",
                    message="must not be empty (leave the line out for the default '!')",
                )
            )
            continue
        if value is None or value == "" or value == []:
            if key == "reminders" and value == []:
                values[fields[key].attr] = ()  # an explicit empty list: no reminders
            continue  # treated as absent; required fields are checked below
        checked = fields[key].check(value)
        if isinstance(checked, Bad):
            errors.append(ConfigError(path=f"{section}.{key}", message=str(checked)))
        else:
            values[fields[key].attr] = checked


def _read_secret_files(
    values: dict[str, Any], env: Mapping[str, str], errors: list[ConfigError], base_dir: Path | None
) -> None:
    """``matrix.password_file`` / ``ACTIONBOT_PASSWORD_FILE`` (and the same for the token):
    the secret is read from the file, so it never sits in the config or the environment."""
    for section, attr, key, env_name in SECRET_FILES:
        where = f"{section}.{key}"
        file = values.pop(key, None)
        if env.get(env_name):
            file, where = Path(env[env_name]).expanduser(), env_name
        if file is None:
            continue
        if base_dir is not None and not file.is_absolute():
            file = base_dir / file
        try:
            with file.open("rb") as handle:
                data = handle.read(MAX_SECRET_BYTES + 1)
        except OSError as exc:
            errors.append(ConfigError(path=where, message=f"cannot read {file}: {exc.strerror}"))
            continue
        try:
            secret = data.decode("utf-8").strip()
        except UnicodeDecodeError:
            secret = ""
        if not secret or len(data) > MAX_SECRET_BYTES or "\n" in secret:
            errors.append(
                ConfigError(path=where, message=f"{file} must hold one line of UTF-8 text")
            )
            continue
        if attr == "person_key" and len(secret) < PERSON_KEY_MIN:
            errors.append(
                ConfigError(
                    path=where,
                    message=f"{file} must hold at least {PERSON_KEY_MIN} characters "
                    "(make one with: openssl rand -hex 32)",
                )
            )
            continue
        values[attr] = secret


def _unknown(path: str, key: str, known: list[str]) -> ConfigError:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(known)})"
    return ConfigError(path=f"{path}{key}", message=f"unknown key{hint}")


def _check_required(values: dict[str, Any], errors: list[ConfigError]) -> None:
    """Required keys that are absent (unless already reported as bad), and a secret."""
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
                f"(or their *_file, or set {ENV_PASSWORD} / {ENV_ACCESS_TOKEN} or "
                f"{ENV_PASSWORD}_FILE / {ENV_ACCESS_TOKEN}_FILE)",
            )
        )


def _check_consistent(values: dict[str, Any], errors: list[ConfigError]) -> None:
    """Fields that are each valid but contradict each other."""
    if values.get("admission", "coordinators") == "coordinators" and not values.get(
        "coordination_room"
    ):
        errors.append(
            ConfigError(
                path="network.admission",
                message="coordinators admit new nodes from bot.coordination_room: set that "
                "room, or set network.admission: open to admit every room that registers",
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
    after = values.get("reminder_late_after", timedelta(minutes=1))
    grace = values.get("reminder_late_grace", timedelta(hours=1))
    if after >= grace and ("reminder_late_after" in values or "reminder_late_grace" in values):
        errors.append(
            ConfigError(
                path="windows.late_after",
                message="must be shorter than late_grace (a reminder is marked late before "
                "it is too late to send)",
            )
        )


def _with_defaults(values: dict[str, Any], base_dir: Path | None) -> dict[str, Any]:
    """Fill defaults that depend on other values, and resolve relative paths."""
    values.setdefault("store_path", Path("data"))
    calendar_file = values.get("calendar_file")
    if base_dir is not None and calendar_file is not None and not calendar_file.is_absolute():
        values["calendar_file"] = base_dir / calendar_file
    values["gesture_folders"] = tuple(
        folder if base_dir is None or folder.is_absolute() else base_dir / folder
        for folder in values.get("gesture_folders", ())
    )
    templates = values.get("roundup_templates")
    if base_dir is not None and templates is not None and not templates.is_absolute():
        values["roundup_templates"] = base_dir / templates
    # A relative store path is relative to the config file, not to the working directory.
    if base_dir is not None and not values["store_path"].is_absolute():
        values["store_path"] = base_dir / values["store_path"]
    if not values.get("allowed_servers"):
        values["allowed_servers"] = (server_of(values["user_id"]),)
    return values


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
