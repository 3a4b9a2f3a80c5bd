"""The validated configuration and the error type that reports one bad field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from actionbot.core.reminders import DEFAULT_OFFSETS, Offset
from actionbot.core.servers import server_of
from actionbot.core.when import ClockTime

DEFAULT_TIME = ClockTime(hour=12, minute=0, zone="local")


@dataclass(frozen=True, kw_only=True)
class Config:
    """Validated configuration. Built only by :func:`load_config` / :func:`parse_config`."""

    homeserver: str
    user_id: str
    password: str | None = field(default=None, repr=False)
    person_key: str | None = field(default=None, repr=False)  # from store.person_key_file
    access_token: str | None = field(default=None, repr=False)
    device_name: str = "actionbot"
    cross_signing: bool = True  # the bot cross-signs its own device (see cross_signing.py)
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
    max_open_proposals: int = 10
    admission: str = "coordinators"
    request_expiry: timedelta = timedelta(days=7)
    decision_period: timedelta = timedelta(hours=24)
    quorum: float = 0.5
    consensus_only: bool = False
    voters: str = "moderators"
    polls: bool = True
    report_grace: timedelta = timedelta(hours=48)
    report_max_bytes: int = 25_000_000
    report_max_pixels: int = 40_000_000
    report_retention: timedelta = timedelta(days=30)
    history_retention: timedelta = timedelta(days=365)  # store.retention
    roundup_templates: Path | None = None
    gesture_folders: tuple[Path, ...] = ()
    rsvp_emoji: str = "🙋"
    pin_guidelines: bool = True

    @property
    def server_name(self) -> str:
        return server_of(self.user_id)

    @property
    def db_path(self) -> Path:
        return self.store_path / "actionbot.db"

    @property
    def photos_path(self) -> Path:
        return self.store_path / "photos"

    @property
    def crypto_store_path(self) -> Path:
        return self.store_path / "crypto"


def handled_retention(config: Config) -> timedelta:
    """How long the bot remembers that it handled an event: commands are never acted on
    after ``max_command_age``; photos, reactions and poll answers may arrive later (they
    are acted on while their window allows), so the longer of the two, plus a day."""
    return max(config.max_command_age, config.report_grace) + timedelta(days=1)


@dataclass(frozen=True, kw_only=True)
class ConfigError:
    """One problem with one field."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"
