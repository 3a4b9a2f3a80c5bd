"""The one place a flow's effects happen: store them in one transaction, then tell the
scheduler and wake the outbox sender.

Jobs are touched only after the transaction committed: a job scheduled for a change that
was rolled back could otherwise fire for a window that never changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from actionbot.core.outbox import (
    EDIT,
    LEAVE_ROOM,
    PIN,
    SET_POWER,
    THREAD,
    UNPIN,
    OutgoingMessage,
)
from actionbot.flows.effects import (
    Edit,
    Effects,
    FileMessage,
    LeaveRoom,
    Message,
    Notice,
    Pin,
    PollEnd,
    PollStart,
    React,
    SetPower,
    Threaded,
)
from actionbot.matrix import content
from actionbot.scheduler import Scheduler
from actionbot.store.changes import ChangeStore, NewPoll


def outgoing(message: Message) -> OutgoingMessage:
    """A message as the outbox stores it: its key's text and its Matrix event content."""
    key = message.key.text()
    if isinstance(message, Notice):
        body = content.notice_content(
            message.reply, in_reply_to=message.in_reply_to, mention=message.mention
        )
        late = (
            content.notice_content(
                message.late_reply, in_reply_to=message.in_reply_to, mention=message.mention
            )
            if message.late_reply is not None
            else None
        )
        return OutgoingMessage(
            key=key,
            room_id=message.room_id,
            content=body,
            useful_until=message.useful_until,
            late_at=message.late_at,
            late_content=late,
            coalesce=message.coalesce,
        )
    if isinstance(message, PollStart):
        return OutgoingMessage(
            key=key,
            room_id=message.room_id,
            event_type=content.POLL_START,
            content=content.poll_start_content(message.text),
        )
    if isinstance(message, PollEnd):
        return OutgoingMessage(
            key=key,
            room_id=message.room_id,
            event_type=content.POLL_END,
            content=content.poll_end_content(message.poll_event_id, message.text),
        )
    if isinstance(message, SetPower):
        return OutgoingMessage(
            key=key,
            room_id=message.room_id,
            event_type=SET_POWER,
            content={"user": message.user_id, "level": message.level},
        )
    if isinstance(message, Pin):
        return OutgoingMessage(
            key=key,
            room_id=message.room_id,
            event_type=PIN if message.pin else UNPIN,
            content={"target": message.target.text()}
            | ({"after": message.after.text()} if message.after else {}),
        )
    if isinstance(message, Edit):
        return OutgoingMessage(
            key=key,
            room_id=message.room_id,
            event_type=EDIT,
            content={"target": message.target.text(), "new": content.notice_content(message.reply)},
        )
    if isinstance(message, Threaded):
        return OutgoingMessage(
            key=key,
            room_id=message.room_id,
            event_type=THREAD,
            content={"target": message.target.text(), "content": dict(message.content)},
        )
    if isinstance(message, React):
        return OutgoingMessage(
            key=key,
            room_id=message.room_id,
            event_type="m.reaction",
            content={
                "m.relates_to": {
                    "rel_type": "m.annotation",
                    "event_id": message.event_id,
                    "key": message.emoji,
                }
            },
        )
    if isinstance(message, LeaveRoom):
        return OutgoingMessage(key=key, room_id=message.room_id, event_type=LEAVE_ROOM, content={})
    assert isinstance(message, FileMessage)
    return OutgoingMessage(
        key=key,
        room_id=message.room_id,
        content=content.file_content(dict(message.content), in_reply_to=message.in_reply_to),
    )


class Applier:
    def __init__(
        self,
        *,
        changes: ChangeStore,
        scheduler: Scheduler,
        notify: Callable[[], None],
    ) -> None:
        self._changes = changes
        self.scheduler = scheduler
        self._notify = notify

    async def apply_each(self, each: Sequence[Effects], *, now: datetime) -> list[bool]:
        """Several independent effects in one transaction, each all-or-nothing on its own
        (a savepoint each): which of them took place."""
        groups = [([*e.changes], [outgoing(m) for m in e.messages], _polls(e)) for e in each]
        done = await self._changes.apply_many(groups, now=now)
        for effects, took in zip(each, done, strict=True):
            if took:
                self._jobs(effects)
        if any(took and effects.messages for effects, took in zip(each, done, strict=True)):
            self._notify()
        return done

    async def apply(self, effects: Effects, *, now: datetime) -> bool:
        """True if the effects took place; False if their expected state was gone (then
        nothing was stored and no job was touched)."""
        messages = [outgoing(m) for m in effects.messages]
        if (effects.changes or messages) and not await self._changes.apply(
            effects.changes, messages, _polls(effects), now=now
        ):
            return False
        self._jobs(effects)
        if messages:
            self._notify()
        return True

    def _jobs(self, effects: Effects) -> None:
        """After the commit: the scheduler follows what was stored."""
        for window_id in effects.cancel_window_jobs:
            self.scheduler.cancel_window(window_id)
        for window_id, node_id in effects.cancel_node_reminders:
            self.scheduler.cancel_reminders(window_id, node_id)
        for job_id in effects.cancel:
            self.scheduler.cancel(job_id)
        for job in effects.schedule:
            self.scheduler.at(job)


def _polls(effects: Effects) -> list[NewPoll]:
    return [
        NewPoll(
            message_key=m.key.text(), window_id=m.window_id, node_id=m.node_id, room_id=m.room_id
        )
        for m in effects.messages
        if isinstance(m, PollStart)
    ]
