"""Guidelines and pins through an outage around a window's end or cancellation: nothing
is sent for a window that is over, and nothing stays pinned (review of issue 8)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from actionbot.core.outbox import PIN, UNPIN, OutgoingMessage, Status
from actionbot.matrix.connection import SendFailed, Sent
from actionbot.matrix.rooms import UNREADABLE
from actionbot.matrix.sender import OutboxSender
from tests.unit.test_sender import report, settle, setup  # noqa: F401 - fixture

ROOM = "!r:h.org"


class Room:
    """A homeserver room: the first ``fails`` sends time out; pins kept as a list."""

    def __init__(self, fails: int, pin_outage: int = 0) -> None:
        self.fails, self.pin_outage = fails, pin_outage
        self.pinned: list[str] = []
        self.log: list[str] = []

    async def send(self, *, room_id, event_type, content, txn_id):
        if self.fails:
            self.fails -= 1
            return SendFailed(reason="network: timed out", transient=True)
        self.log.append("send")
        return Sent(event_id="$guideline")

    async def set_pinned(self, room_id, event_id, *, pin):
        if self.pin_outage:
            self.pin_outage -= 1
            return UNREADABLE
        if pin and event_id not in self.pinned:
            self.pinned.append(event_id)
        if not pin and event_id in self.pinned:
            self.pinned.remove(event_id)
        self.log.append("pin" if pin else "unpin")
        return None


async def _run(sender, outbox, clock, *, until_idle: bool = True) -> None:
    for _ in range(300):
        await settle(sender)
        due = await outbox.next_due_at()
        if due is None and until_idle:
            return
        clock.now = max(clock.now + timedelta(milliseconds=1), due or clock.now)


async def _queue_guideline(outbox, clock) -> None:
    await outbox.enqueue(
        OutgoingMessage(key="guideline:w1:n1", room_id=ROOM, content={"body": "g"}), now=clock()
    )
    await outbox.enqueue(
        OutgoingMessage(
            key="pin:w1:n1", room_id=ROOM, event_type=PIN, content={"target": "guideline:w1:n1"}
        ),
        now=clock(),
    )


async def _window_over(outbox, clock) -> None:
    """What ``distribute.unpin`` queues: the waiting rows dropped, an unpin after the pin."""
    for key in ("guideline:w1:n1", "pin:w1:n1"):
        await outbox.mark_skipped(key, reason="the window is over for this node", now=clock())
    await outbox.enqueue(
        OutgoingMessage(
            key="unpin:w1:n1",
            room_id=ROOM,
            event_type=UNPIN,
            content={"target": "guideline:w1:n1", "after": "pin:w1:n1"},
        ),
        now=clock(),
    )


@pytest.mark.parametrize("fails", [1, 2, 3, 5])
@pytest.mark.parametrize("cancel_after_s", [0.5, 1.5, 2.5, 4.5, 8.5])
async def test_a_window_over_during_an_outage_leaves_nothing_sent_or_pinned(
    setup,  # noqa: F811
    fails: int,
    cancel_after_s: float,
) -> None:
    config, outbox, clock = setup
    room = Room(fails=fails)
    sender = OutboxSender(
        outbox=outbox, connection=room, config=config, clock=clock, failure_report=report
    )
    await _queue_guideline(outbox, clock)
    over_at = clock.now + timedelta(seconds=cancel_after_s)
    sent_before = None
    for _ in range(300):
        if sent_before is None and clock.now >= over_at:
            sent_before = list(room.log)
            await _window_over(outbox, clock)
        await settle(sender)
        due = await outbox.next_due_at()
        if due is None and sent_before is not None:
            break
        clock.now = max(clock.now + timedelta(milliseconds=1), due or clock.now)
    assert room.pinned == [], room.log
    if "send" not in (sent_before or []):
        assert "send" not in room.log  # never sent after the window was over
    assert (await outbox.by_key("unpin:w1:n1")).status in (Status.SENT, Status.SKIPPED)


async def test_an_outage_does_not_use_up_a_pin_s_attempts(setup) -> None:  # noqa: F811
    """The server's state unreadable (an outage) is retried like a send, not counted."""
    config, outbox, clock = setup
    room = Room(fails=0, pin_outage=config.send_max_attempts + 3)
    sender = OutboxSender(
        outbox=outbox, connection=room, config=config, clock=clock, failure_report=report
    )
    await _queue_guideline(outbox, clock)
    await _run(sender, outbox, clock)
    assert room.pinned == ["$guideline"]
    assert (await outbox.by_key("pin:w1:n1")).status is Status.SENT
