"""One inbound router: each sync batch's invites and timeline events go to the handler of
their kind, in this order: invites → timeline (commands, poll answers, undecryptable
hints, media) → greetings for rooms that have now synced.

Replay rules, so a restart never answers old commands again:
- the very first sync of a fresh store is history: its timeline is skipped (the caller
  says so with ``history``);
- an event already recorded as handled is skipped (each handler checks);
- an event older than ``bot.max_command_age`` is skipped (one sent while the bot was down
  *is* handled if it is younger than that) — except a poll answer: see :func:`too_old`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from nio import SyncResponse

from actionbot.config import Config
from actionbot.inbound.commands import CommandHandler
from actionbot.inbound.invites import InviteHandler
from actionbot.inbound.media import MediaHandler
from actionbot.inbound.polls import PollHandler
from actionbot.inbound.reactions import ReactionHandler
from actionbot.inbound.rsvp import RsvpHandler
from actionbot.inbound.undecryptable import UndecryptableHandler
from actionbot.inbound.upgrades import UpgradeHandler
from actionbot.matrix import events

log = logging.getLogger(__name__)


def too_old(item: events.Inbound, now: datetime, max_age: timedelta) -> bool:
    """A command sent long before the bot saw it is not answered (it would act on a stale
    situation). A poll answer is a vote, not a command: dropping it would lose the vote
    silently, and the window's own state already decides whether it still counts (if not,
    the voter hears that voting closed). The same holds for reactions and redactions (an
    RSVP or its withdrawal; a coordinator's ✅) and for photos (a report sent during an
    outage is still a report while its window is open for reports)."""
    if isinstance(item, events.PollAnswer | events.Reaction | events.Redaction | events.Media):
        return False
    return now - item.sent_at > max_age


class Router:
    def __init__(
        self,
        *,
        config: Config,
        me: str,
        invites: InviteHandler,
        commands: CommandHandler,
        polls: PollHandler,
        reactions: ReactionHandler,
        upgrades: UpgradeHandler,
        undecryptable: UndecryptableHandler,
        media: MediaHandler,
        rsvp: RsvpHandler,
        clock: Callable[[], datetime],
    ) -> None:
        self._config = config
        self._me = me
        self.invites = invites
        self.commands = commands
        self.polls = polls
        self.reactions = reactions
        self.upgrades = upgrades
        self.undecryptable = undecryptable
        self.media = media
        self.rsvp = rsvp
        self._clock = clock

    async def route(self, response: SyncResponse, *, history: bool) -> None:
        for invite in events.invites(response, self._me):
            await self.invites.handle(invite)
        if not history:
            await self._timeline(response)
        await self.invites.greet_synced()

    async def _timeline(self, response: SyncResponse) -> None:
        now = self._clock()
        for item in events.timeline(response, self._me):
            if too_old(item, now, self._config.max_command_age):
                log.debug("old event ignored", extra={"event_id": item.event_id})
                continue
            # A bug triggered by one event must not stop the bot, or it would crash again
            # on the same event after every restart: log it (no body) and go on.
            try:
                await self._dispatch(item)
            except Exception:
                log.exception(
                    "event handling failed",
                    extra={"event_id": item.event_id, "room_id": item.room_id},
                )

    async def _dispatch(self, item: events.Inbound) -> None:
        match item:
            case events.TextMessage():
                await self.commands.handle(item)
            case events.PollAnswer():
                await self.polls.handle(item)
            case events.Reaction():
                await self.reactions.handle(item)
                await self.rsvp.handle(item)
            case events.Redaction():
                await self.rsvp.redacted(item)
            case events.Tombstone():
                await self.upgrades.handle(item)
            case events.Undecryptable():
                await self.undecryptable.handle(item)
            case events.Media():
                await self.media.handle(item)
