"""A throwaway Synapse homeserver on loopback, for the local demo and the test suite.

It is a real Synapse (PyPI ``matrix-synapse``) with SQLite, one plain-HTTP client
listener on 127.0.0.1, no federation and no public registration; users are created with
the shared-secret admin API. ``relaxed_limits=True`` raises Synapse's ``rc_*`` rate limits
and lowers ``bcrypt_rounds`` so tests and demos are fast; with ``False`` the server keeps
Synapse's defaults (one test uses that to prove 429 handling).

This module runs blocking subprocess and HTTP calls: call it from synchronous code or
through ``asyncio.to_thread``. Synapse is an optional dependency (``.[demo]``/``.[test]``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SERVER_NAME = "localhost"

_RELAXED = {"per_second": 1000, "burst_count": 1000}
RELAXED_LIMITS: dict[str, Any] = {
    "rc_message": _RELAXED,
    "rc_registration": _RELAXED,
    "rc_login": {"address": _RELAXED, "account": _RELAXED, "failed_attempts": _RELAXED},
    "rc_joins": {"local": _RELAXED, "remote": _RELAXED},
    "rc_joins_per_room": _RELAXED,
    "rc_invites": {"per_room": _RELAXED, "per_user": _RELAXED, "per_issuer": _RELAXED},
    "rc_room_creation": _RELAXED,
    "rc_key_requests": _RELAXED,
    "rc_3pid_validation": _RELAXED,
    "rc_media_create": _RELAXED,
    "rc_presence": {"per_user": _RELAXED},
    "rc_delayed_event_mgmt": _RELAXED,
    "rc_profile": _RELAXED,
}


class LocalServerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True, kw_only=True)
class User:
    user_id: str
    password: str = ""


class LocalSynapse:
    """Configure, start, use and stop a Synapse in ``data_dir``."""

    def __init__(
        self, data_dir: Path, *, port: int | None = None, relaxed_limits: bool = True
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port or free_port()
        self.relaxed_limits = relaxed_limits
        self.server_name = SERVER_NAME  # user ids end in it (a federating subclass sets its own)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def config_path(self) -> Path:
        return self.data_dir / "homeserver.yaml"

    def _shared_secret(self) -> str:
        secret_file = self.data_dir / "registration_shared_secret"
        if not secret_file.exists():
            secret_file.write_text(secrets.token_hex(24))
            secret_file.chmod(0o600)
        return secret_file.read_text().strip()

    def write_config(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        log_config = self.data_dir / "log.yaml"
        log_config.write_text(
            yaml.safe_dump(
                {
                    "version": 1,
                    "formatters": {
                        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
                    },
                    "handlers": {
                        "file": {
                            "class": "logging.FileHandler",
                            "formatter": "plain",
                            "filename": str(self.data_dir / "homeserver.log"),
                        }
                    },
                    "root": {"level": "WARNING", "handlers": ["file"]},
                    "disable_existing_loggers": False,
                }
            )
        )
        config: dict[str, Any] = {
            "server_name": self.server_name,
            "pid_file": str(self.data_dir / "homeserver.pid"),
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {
                "name": "sqlite3",
                "args": {"database": str(self.data_dir / "homeserver.db")},
            },
            "log_config": str(log_config),
            "media_store_path": str(self.data_dir / "media_store"),
            "signing_key_path": str(self.data_dir / "signing.key"),
            "registration_shared_secret": self._shared_secret(),
            "macaroon_secret_key": self._persisted_secret("macaroon_secret"),
            "form_secret": self._persisted_secret("form_secret"),
            "report_stats": False,
            "enable_registration": False,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "federation_domain_whitelist": [],
            "presence": {"enabled": False},
            "bcrypt_rounds": 4 if self.relaxed_limits else 12,
        }
        if self.relaxed_limits:
            config.update(RELAXED_LIMITS)
        self.config_path.write_text(yaml.safe_dump(config))

    def _persisted_secret(self, name: str) -> str:
        path = self.data_dir / name
        if not path.exists():
            path.write_text(secrets.token_hex(24))
            path.chmod(0o600)
        return path.read_text().strip()

    def start(self, *, timeout: float = 60.0) -> None:
        """Write the config, generate keys if missing, start Synapse, wait until it answers."""
        self.write_config()
        if not (self.data_dir / "signing.key").exists():
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "synapse.app.homeserver",
                    "-c",
                    str(self.config_path),
                    "--generate-keys",
                ],
                check=True,
                capture_output=True,
                cwd=self.data_dir,
            )
        out = open(self.data_dir / "stdout.log", "ab")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "synapse.app.homeserver", "-c", str(self.config_path)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=self.data_dir,
            start_new_session=True,
        )
        out.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                tail = (self.data_dir / "stdout.log").read_text(errors="replace")[-2000:]
                raise LocalServerError(f"Synapse exited with {self._process.returncode}:\n{tail}")
            try:
                with urllib.request.urlopen(f"{self.url}/_matrix/client/versions", timeout=1):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        self.stop()
        raise LocalServerError(f"Synapse did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        self._process = None

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")
            raise LocalServerError(f"{path} answered {exc.code}: {detail}") from exc

    def register(
        self,
        localpart: str,
        password: str | None = None,
        *,
        admin: bool = False,
        exist_ok: bool = False,
    ) -> User:
        """Create a user with the shared-secret admin API (HMAC-SHA1 over the fields)."""
        password = password or secrets.token_urlsafe(16)
        with urllib.request.urlopen(f"{self.url}/_synapse/admin/v1/register", timeout=10) as r:
            nonce = json.loads(r.read())["nonce"]
        message = b"\x00".join(
            part.encode() for part in (nonce, localpart, password, "admin" if admin else "notadmin")
        )
        mac = hmac.new(self._shared_secret().encode(), message, digestmod=hashlib.sha1)
        try:
            self._post(
                "/_synapse/admin/v1/register",
                {
                    "nonce": nonce,
                    "username": localpart,
                    "password": password,
                    "admin": admin,
                    "mac": mac.hexdigest(),
                },
            )
        except LocalServerError as exc:
            if not (exist_ok and "M_USER_IN_USE" in str(exc)):
                raise
        return User(user_id=f"@{localpart}:{self.server_name}", password=password)

    def lift_rate_limit(self, user_id: str, admin: User) -> None:
        """Synapse's per-user override: no message rate limit for ``user_id`` (the bot),
        set by an admin account. A bot posting to hundreds of rooms needs it; the stock
        limit makes a 1,000-room fan-out take over an hour."""
        login = self._post(
            "/_matrix/client/v3/login",
            {
                "type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": admin.user_id},
                "password": admin.password,
            },
        )
        request = urllib.request.Request(
            f"{self.url}/_synapse/admin/v1/users/{urllib.parse.quote(user_id)}/override_ratelimit",
            data=json.dumps({"messages_per_second": 0, "burst_count": 0}).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {login['access_token']}",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as resp:
            resp.read()

    def __enter__(self) -> LocalSynapse:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
