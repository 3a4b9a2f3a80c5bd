"""The schema table: ``section -> key -> Field`` (the Config attribute a key fills and
the checker for its value). Adding a setting means one row here and one Config field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from actionbot.config.checkers import (
    Checker,
    at_least,
    boolean,
    choice,
    clock_spec,
    duration,
    emoji,
    fraction,
    int_range,
    language,
    list_of,
    nonempty,
    offsets,
    path,
    prefix,
    room_id,
    server,
    url,
    user_id,
    within,
    zone,
)

ZERO, SECOND = timedelta(0), timedelta(seconds=1)
MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
TRUST_POLICIES = ("tofu", "all")
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class Field:
    attr: str
    check: Checker
    required: bool = False


# The schema: section -> key -> Field (the Config attribute it fills and how to check it).
SCHEMA: dict[str, dict[str, Field]] = {
    "matrix": {
        "homeserver": Field("homeserver", url, required=True),
        "user_id": Field("user_id", user_id, required=True),
        "password": Field("password", nonempty),
        "access_token": Field("access_token", nonempty),
        # Docker/systemd secrets: a file holding the secret (read at start, newline cut).
        "password_file": Field("password_file", path),
        "access_token_file": Field("access_token_file", path),
        "cross_signing": Field("cross_signing", boolean),
        "device_name": Field("device_name", nonempty),
        "allowed_servers": Field("allowed_servers", list_of(server)),
        "trust": Field("trust", choice(TRUST_POLICIES)),
    },
    "bot": {
        "command_prefix": Field("command_prefix", prefix),
        "coordination_room": Field("coordination_room", room_id),
        "coordinators": Field("coordinators", list_of(user_id)),
        "register_min_power_level": Field("register_min_power_level", int_range(0, 100)),
        "max_command_age": Field("max_command_age", within(MINUTE, 30 * DAY)),
        "undecryptable_hint_delay": Field("undecryptable_hint_delay", within(ZERO, HOUR)),
        "default_timezone": Field("default_timezone", zone),
        "default_language": Field("default_language", language),
    },
    "store": {
        "path": Field("store_path", path),
        # The key of the keyed hashes that stand for people, kept out of the database.
        "person_key_file": Field("person_key_file", path),
        # Windows over (done, cancelled, rejected) and sent messages are forgotten after it.
        "retention": Field("history_retention", within(7 * DAY, 3660 * DAY)),
    },
    "sending": {
        "concurrency": Field("send_concurrency", int_range(1, 64)),
        "max_attempts": Field("send_max_attempts", int_range(1, 100)),
        "retry_base": Field("send_retry_base", within(SECOND, HOUR)),
        "retry_cap": Field("send_retry_cap", within(SECOND, DAY)),
        "sync_timeout": Field("sync_timeout", within(SECOND, 5 * MINUTE)),
    },
    "windows": {
        "default_duration": Field("window_default_duration", within(MINUTE, 30 * DAY)),
        "default_time": Field("window_default_time", clock_spec),
        "reminders": Field("reminder_offsets", offsets),
        "late_grace": Field("reminder_late_grace", within(ZERO, 30 * DAY)),
        "late_after": Field("reminder_late_after", within(ZERO, DAY)),
        "calendar_file": Field("calendar_file", path),
        "proposers": Field("proposers", choice(("anyone", "moderators"))),
        "open_proposals": Field("max_open_proposals", int_range(1, 1000)),
    },
    "network": {
        "admission": Field("admission", choice(("coordinators", "vote", "open"))),
        "request_expiry": Field("request_expiry", at_least(timedelta(minutes=1), duration)),
    },
    "reports": {
        "grace": Field("report_grace", within(ZERO, 30 * DAY)),
        "max_bytes": Field("report_max_bytes", int_range(10_000, 100_000_000)),
        "max_pixels": Field("report_max_pixels", int_range(10_000, 100_000_000)),
        "retention": Field("report_retention", within(HOUR, 3660 * DAY)),
    },
    "roundups": {
        "templates": Field("roundup_templates", path),
    },
    "gestures": {
        "folders": Field("gesture_folders", list_of(path)),
        "rsvp_emoji": Field("rsvp_emoji", emoji),
        "pin": Field("pin_guidelines", boolean),
    },
    "decisions": {
        "period": Field("decision_period", within(SECOND, 30 * DAY)),
        "quorum": Field("quorum", fraction),
        "consensus_only": Field("consensus_only", boolean),
        "voters": Field("voters", choice(("moderators", "anyone"))),
        "polls": Field("polls", boolean),
    },
    "logging": {
        "level": Field("log_level", choice(LOG_LEVELS, upper=True)),
        "format": Field("log_format", choice(LOG_FORMATS)),
    },
}
