"""The sync loop, on its own: long-poll the homeserver, hand each batch to the router, save
the sync token last (a crash re-delivers the batch; handled events are recorded, so nothing
is doubled), and back off on failures.

After the first batch of a run, ``after_first`` runs once: jobs are rebuilt only then, so
commands sent while the bot was down (e.g. votes just before a deadline) count before any
overdue job runs, and the outbox starts once nio knows the rooms.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from actionbot.config import Config
from actionbot.inbound.router import Router
from actionbot.matrix.connection import Connection, SyncFailed
from actionbot.store.session import SessionStore

log = logging.getLogger(__name__)

MAX_SYNC_BACKOFF = timedelta(seconds=60)
PROBE_EVERY = 1.5  # seconds between "is the server back?" checks while backing off


class SyncLoop:
    def __init__(
        self,
        *,
        config: Config,
        connection: Connection,
        sessions: SessionStore,
        router: Router,
        after_first: Callable[[], Awaitable[None]],
        ready: asyncio.Event,
    ) -> None:
        self._config = config
        self._connection = connection
        self._sessions = sessions
        self._router = router
        self._after_first = after_first
        self._ready = ready

    async def run(self, stop: asyncio.Event) -> int:
        """Sync until ``stop`` is set; returns a process exit code."""
        since = await self._sessions.sync_token()
        fresh_store = since is None
        backoff = timedelta(seconds=1)
        first = True
        log.info(
            "syncing", extra={"device_id": self._connection.device_id, "resuming": not fresh_store}
        )
        while not stop.is_set():
            result = await self._sync_or_stop(since, first, stop)
            if result is None:
                break
            if isinstance(result, SyncFailed):
                if result.fatal:
                    log.error(
                        "the homeserver refused the bot's session", extra={"reason": result.reason}
                    )
                    return 3
                wait = result.retry_after or backoff
                log.warning(
                    "sync failed; backing off",
                    extra={"reason": result.reason, "retry_in_s": wait.total_seconds()},
                )
                backoff = min(MAX_SYNC_BACKOFF, backoff * 2)
                if result.retry_after is None:
                    await self._wait_for_server(wait, stop)
                else:  # a 429: the server asked for that long
                    try:
                        await asyncio.wait_for(stop.wait(), timeout=wait.total_seconds())
                    except TimeoutError:
                        pass
                continue
            backoff = timedelta(seconds=1)
            await self._connection.maintain_keys()
            await self._router.route(result, history=first and fresh_store)
            await self._sessions.save_sync_token(result.next_batch)
            since = result.next_batch
            if first:
                await self._after_first()
            first = False
            self._ready.set()
        return 0

    async def _wait_for_server(self, wait: timedelta, stop: asyncio.Event) -> None:
        """Back off for ``wait`` at most, but look every second or two whether the server
        answers again: after an outage, commands are answered within seconds, not after a
        doubled back-off."""
        loop = asyncio.get_running_loop()
        until = loop.time() + wait.total_seconds()
        while not stop.is_set():
            remaining = until - loop.time()
            if remaining <= 0:
                return
            try:
                await asyncio.wait_for(stop.wait(), timeout=min(PROBE_EVERY, remaining))
                return
            except TimeoutError:
                pass
            if await self._connection.reachable():
                log.info("the homeserver answers again; syncing now")
                return

    async def _sync_or_stop(self, since: str | None, first: bool, stop: asyncio.Event):
        """One sync, or None if ``stop`` was set meanwhile."""
        sync = asyncio.create_task(
            self._connection.sync(
                since=since,
                wait=timedelta(0) if first else self._config.sync_timeout,
                full_state=first,
            )
        )
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({sync, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if not sync.done():
            sync.cancel()
            await asyncio.gather(sync, return_exceptions=True)
            return None
        return sync.result()
