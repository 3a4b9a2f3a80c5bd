"""One sync request, bounded in time, with failures returned as :class:`SyncFailed`.

The sync loop itself (and its back-off) lives in the app; this is a single request.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from nio import AsyncClient, SyncResponse

from actionbot.matrix.results import NETWORK_ERRORS, SyncFailed, error_text, retry_after_of

SYNC_GRACE = timedelta(seconds=30)  # on top of the server's long-poll time


async def sync(
    client: AsyncClient, *, since: str | None, wait: timedelta, full_state: bool = False
) -> SyncResponse | SyncFailed:
    """One sync request. ``full_state`` on the first sync after start-up rebuilds nio's
    room state (members, encryption), which nio does not persist across restarts."""
    # nio treats timeout=0 as "no client-side timeout at all"; ask for at least 1 ms and
    # bound the whole request ourselves, so a stalled connection cannot hang the bot.
    server_wait_ms = max(1, int(wait.total_seconds() * 1000))
    try:
        resp = await asyncio.wait_for(
            client.sync(timeout=server_wait_ms, since=since, full_state=full_state),
            timeout=wait.total_seconds() + SYNC_GRACE.total_seconds(),
        )
    except (TimeoutError, *NETWORK_ERRORS) as exc:
        return SyncFailed(reason=f"network: {type(exc).__name__}")
    if isinstance(resp, SyncResponse):
        return resp
    fatal = resp.status_code in ("M_UNKNOWN_TOKEN", "M_FORBIDDEN")
    return SyncFailed(reason=error_text(resp), retry_after=retry_after_of(resp), fatal=fatal)
