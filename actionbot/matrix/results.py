"""What a call to the homeserver comes back with: a value, not an exception.

A 429, a refusal or a network error is returned as one of these types, so the sync loop
and the outbox decide how long to wait (and log every back-off) instead of nio retrying
in silence. The helpers turn nio's error responses into the text and delay they carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from nio import ErrorResponse

# Errors that mean "the network or server is unavailable right now", not a bug.
try:
    from aiohttp import ClientError as _AiohttpError
except ImportError:  # pragma: no cover - aiohttp is a nio dependency
    _AiohttpError = OSError  # type: ignore[misc,assignment]
NETWORK_ERRORS: tuple[type[BaseException], ...] = (OSError, TimeoutError, _AiohttpError)


@dataclass(frozen=True, kw_only=True)
class Sent:
    event_id: str


@dataclass(frozen=True, kw_only=True)
class RateLimited:
    retry_after: timedelta


@dataclass(frozen=True, kw_only=True)
class SendFailed:
    reason: str
    permanent: bool = False
    # The server could not be reached or failed on its side (network, timeout, 5xx): worth
    # retrying for as long as the message is useful, without using up its attempts.
    transient: bool = False


@dataclass(frozen=True, kw_only=True)
class SyncFailed:
    reason: str
    retry_after: timedelta | None = None
    fatal: bool = False


@dataclass(frozen=True, kw_only=True)
class LoginFailed:
    reason: str


def error_text(resp: ErrorResponse) -> str:
    return f"{resp.status_code or 'error'}: {resp.message or ''}".strip()


def retry_after_of(resp: ErrorResponse) -> timedelta | None:
    """How long the server asked us to wait, or None if this is not a rate limit."""
    ms = getattr(resp, "retry_after_ms", None)
    if resp.status_code == "M_LIMIT_EXCEEDED" or ms:
        return timedelta(milliseconds=ms or 5000)
    return None
