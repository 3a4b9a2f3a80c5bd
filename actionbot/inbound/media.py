"""Images and files posted in rooms: where photo reports will be collected.

For now nothing is downloaded or kept: a photo's bytes must never reach the disk before
its metadata is stripped, so media is ignored until that pipeline exists.
"""

from __future__ import annotations

import logging

from actionbot.matrix import events

log = logging.getLogger(__name__)


class MediaHandler:
    async def handle(self, media: events.Media) -> None:
        log.debug("media ignored", extra={"room_id": media.room_id, "event_id": media.event_id})
