"""The outbox worker against a fake connection: 429 pauses, retries, give-up, no doubles."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from actionbot.config import Config, parse_config
from actionbot.core.outbox import LEAVE_ROOM, OutgoingMessage, Status
from actionbot.matrix.connection import RateLimited, SendFailed, Sent
from actionbot.matrix.sender import OutboxSender
from actionbot.render.catalogs import Catalogs, Voices
from actionbot.render.system import delivery_failed
from actionbot.store import Database, OutboxStore

EN = Voices(Catalogs.source_only(), "en").default()


async def report(room_id: str, attempts: int, key: str, reason: str):
    return delivery_failed(EN, attempts, key, reason, "Kyiv" if room_id == "!kyiv:x" else None)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2027, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class FakeConnection:
    """Answers each send with the next scripted result; records the txn ids it saw."""

    def __init__(self, script: list) -> None:
        self.script = script
        self.calls: list[tuple[str, str]] = []
        self.sent_contents: list[dict] = []

    async def send(self, *, room_id, event_type, content, txn_id):
        self.calls.append((room_id, txn_id))
        self.sent_contents.append(content)
        await asyncio.sleep(0)
        return self.script.pop(0) if self.script else Sent(event_id=f"$ev{len(self.calls)}")


class Hanging(FakeConnection):
    """Every send waits until ``release`` is set (a homeserver that does not answer)."""

    def __init__(self) -> None:
        super().__init__([])
        self.release = asyncio.Event()

    async def send(self, **kw):
        await self.release.wait()
        return await super().send(**kw)


@pytest.fixture
async def setup(tmp_path: Path):
    config = parse_config(
        {
            "matrix": {"homeserver": "https://h.org", "user_id": "@b:h.org", "password": "pw12"},
            "sending": {"max_attempts": 3, "retry_base": "10s", "retry_cap": "1m"},
            "network": {"admission": "open"},
        },
        env={},
        base_dir=tmp_path,
    )
    assert isinstance(config, Config)
    db = await Database.open(tmp_path / "db.sqlite")
    yield config, OutboxStore(db), Clock()
    await db.close()


async def enqueue(outbox, clock, *keys, room="!r:h.org"):
    for key in keys:
        await outbox.enqueue(
            OutgoingMessage(key=key, room_id=room, content={"body": key}), now=clock()
        )


async def settle(sender: OutboxSender) -> None:
    await sender.pump()
    await asyncio.gather(*list(sender._tasks))


async def test_sends_each_row_once_in_order(setup) -> None:
    config, outbox, clock = setup
    conn = FakeConnection([])
    sender = OutboxSender(
        outbox=outbox, connection=conn, config=config, clock=clock, failure_report=report
    )
    await enqueue(outbox, clock, "a", "b", "c")
    for _ in range(3):  # one in flight per room: three pumps for three rows
        await settle(sender)
    rows = await outbox.all()
    assert [r.status for r in rows] == [Status.SENT] * 3
    assert [r.txn_id for r in rows] == [txn for _, txn in conn.calls]
    await settle(sender)
    assert len(conn.calls) == 3  # nothing is sent twice


async def test_rate_limit_pauses_everything_without_counting_an_attempt(setup) -> None:
    config, outbox, clock = setup
    conn = FakeConnection([RateLimited(retry_after=timedelta(seconds=5))])
    sender = OutboxSender(
        outbox=outbox, connection=conn, config=config, clock=clock, failure_report=report
    )
    await enqueue(outbox, clock, "a")
    await settle(sender)
    # Another room's message waits too: rate limits are per account, not per room.
    await enqueue(outbox, clock, "b", room="!other:h.org")
    wait = await sender.pump()
    assert len(conn.calls) == 1
    assert timedelta(0) < wait <= timedelta(seconds=5)
    row = await outbox.by_key("a")
    assert row.status is Status.PENDING and row.attempts == 0 and "429" in row.last_error
    clock.now += timedelta(seconds=5)
    await settle(sender)
    await settle(sender)
    assert {r.status for r in await outbox.all()} == {Status.SENT}
    # The retry reused the transaction id, so the server would deduplicate it.
    a_txn = (await outbox.by_key("a")).txn_id
    assert [t for _, t in conn.calls].count(a_txn) == 2


async def test_failures_back_off_then_give_up_and_are_recorded(setup) -> None:
    config, outbox, clock = setup
    failure = SendFailed(reason="network: ClientConnectorError")
    conn = FakeConnection([failure, failure, failure])
    sender = OutboxSender(
        outbox=outbox, connection=conn, config=config, clock=clock, failure_report=report
    )
    await enqueue(outbox, clock, "a")
    await settle(sender)
    row = await outbox.by_key("a")
    assert row.status is Status.PENDING and row.next_attempt_at == clock.now + timedelta(seconds=10)
    clock.now += timedelta(seconds=10)
    await settle(sender)
    row = await outbox.by_key("a")
    assert row.next_attempt_at == clock.now + timedelta(seconds=20)  # doubled
    clock.now += timedelta(seconds=20)
    await settle(sender)
    row = await outbox.by_key("a")
    assert row.status is Status.FAILED and row.attempts == 3 and "network" in row.last_error


async def test_permanent_failure_is_not_retried(setup) -> None:
    config, outbox, clock = setup
    conn = FakeConnection([SendFailed(reason="M_FORBIDDEN: not in room", permanent=True)])
    sender = OutboxSender(
        outbox=outbox, connection=conn, config=config, clock=clock, failure_report=report
    )
    await enqueue(outbox, clock, "a")
    await settle(sender)
    assert (await outbox.by_key("a")).status is Status.FAILED
    assert len(conn.calls) == 1


async def test_flush_delivers_what_is_due(setup) -> None:
    config, outbox, clock = setup
    conn = FakeConnection([])
    sender = OutboxSender(
        outbox=outbox, connection=conn, config=config, clock=clock, failure_report=report
    )
    await enqueue(outbox, clock, "a", "b")
    assert await sender.flush(grace=timedelta(seconds=5)) is True
    assert {r.status for r in await outbox.all()} == {Status.SENT}


async def test_a_failure_is_reported_to_coordinators_naming_the_node(setup) -> None:
    config, outbox, clock = setup
    config = replace(config, coordination_room="!coord:x")
    conn = FakeConnection([SendFailed(reason="M_FORBIDDEN: not in room", permanent=True)])
    sender = OutboxSender(
        outbox=outbox, connection=conn, config=config, clock=clock, failure_report=report
    )
    await enqueue(outbox, clock, "a", room="!kyiv:x")
    await settle(sender)
    failed = await outbox.by_key("failed:a")
    assert failed is not None and failed.room_id == "!coord:x"
    assert "A message for node Kyiv could not be delivered after 1 attempt" in str(failed.content)


async def test_the_bot_leaves_a_room_only_after_its_earlier_messages(setup) -> None:
    config, outbox, clock = setup
    conn = FakeConnection([SendFailed(reason="network: timeout")])
    left: list[str] = []

    async def leave(room_id: str) -> None:
        left.append(room_id)

    conn.leave = leave
    sender = OutboxSender(
        outbox=outbox, connection=conn, config=config, clock=clock, failure_report=report
    )
    await enqueue(outbox, clock, "why", room="!gone:x")
    await outbox.enqueue(
        OutgoingMessage(key="leave", room_id="!gone:x", event_type=LEAVE_ROOM, content={}),
        now=clock(),
    )
    await settle(sender)  # the notice fails once and waits for its retry
    await settle(sender)
    assert left == []  # not before the room has heard why
    clock.now += timedelta(seconds=10)
    await settle(sender)  # the notice goes out
    clock.now += timedelta(seconds=10)
    await settle(sender)
    assert left == ["!gone:x"]
    assert (await outbox.by_key("leave")).status is Status.SENT


async def test_a_sent_message_leaves_no_copy_of_its_content(setup) -> None:
    config, outbox, clock = setup
    sender = OutboxSender(
        outbox=outbox,
        connection=FakeConnection([]),
        config=config,
        clock=clock,
        failure_report=report,
    )
    await enqueue(outbox, clock, "said")
    await settle(sender)
    row = await outbox.by_key("said")
    assert row.status is Status.SENT and row.event_id and row.content == {}


async def test_an_outage_is_outlasted_and_the_message_says_it_is_late(setup) -> None:
    """Five minutes without the server, across a "starts now": ten transient failures (more
    than max_attempts=3) use up nothing; the message goes once, in its late version."""
    config, outbox, clock = setup
    down = SendFailed(reason="network: ClientConnectorError", transient=True)
    conn = FakeConnection([down] * 10)
    sender = OutboxSender(
        outbox=outbox, connection=conn, config=config, clock=clock, failure_report=report
    )
    await outbox.enqueue(
        OutgoingMessage(
            key="reminder:start",
            room_id="!r:h.org",
            content={"body": "Now: it starts"},
            useful_until=clock.now + timedelta(hours=1),
            late_at=clock.now + timedelta(minutes=1),
            late_content={"body": "Now: it starts (sent late)"},
        ),
        now=clock(),
    )
    started = clock.now
    while conn.script:
        await settle(sender)
        row = await outbox.by_key("reminder:start")
        assert row.status is Status.PENDING and row.attempts == 0
        clock.now = max(clock.now, row.next_attempt_at)
    assert clock.now - started >= timedelta(minutes=1)
    await settle(sender)
    row = await outbox.by_key("reminder:start")
    assert row.status is Status.SENT and len(conn.calls) == 11
    assert conn.sent_contents[-1] == {"body": "Now: it starts (sent late)"}
    assert len({txn for _, txn in conn.calls}) == 1  # one transaction id: one event at most


async def test_past_its_usefulness_a_message_is_skipped_and_reported(setup) -> None:
    config, outbox, clock = setup
    config = replace(config, coordination_room="!coord:h.org")
    down = SendFailed(reason="network: timed out", transient=True)
    conn = FakeConnection([down] * 50)
    sender = OutboxSender(
        outbox=outbox, connection=conn, config=config, clock=clock, failure_report=report
    )
    await outbox.enqueue(
        OutgoingMessage(
            key="reminder:soon",
            room_id="!kyiv:x",
            content={"body": "in 10 minutes"},
            useful_until=clock.now + timedelta(minutes=3),
        ),
        now=clock(),
    )
    for _ in range(20):
        await settle(sender)
        row = await outbox.by_key("reminder:soon")
        if row.status is not Status.PENDING:
            break
        clock.now = row.next_attempt_at + timedelta(seconds=1)
    assert row.status is Status.SKIPPED and "too late" in row.last_error
    told = await outbox.by_key("failed:reminder:soon")
    assert told is not None and told.room_id == "!coord:h.org"


async def test_an_outage_at_many_nodes_is_told_once_a_minute_in_plain_words(setup) -> None:
    """Review: every reminder an outage made useless gave its own notice ("could not be
    delivered after 0 attempts … check that the bot is still in that room"): wrong advice,
    and 1,000 notices at 1,000 nodes. Now one notice a minute says what happened."""
    from actionbot.render.system import not_delivered_in_time

    config, outbox, clock = setup
    config = replace(config, coordination_room="!coord:h.org")
    conn = FakeConnection([])

    async def late(room_id: str):
        return not_delivered_in_time(EN, "Kyiv" if room_id == "!r0:x" else None)

    sender = OutboxSender(
        outbox=outbox,
        connection=conn,
        config=config,
        clock=clock,
        failure_report=report,
        late_report=late,
    )
    for n in range(30):
        await outbox.enqueue(
            OutgoingMessage(
                key=f"reminder:w:n{n}",
                room_id=f"!r{n}:x",
                content={"body": "starts now"},
                useful_until=clock.now + timedelta(minutes=1),
            ),
            now=clock(),
        )
    clock.now += timedelta(minutes=2)  # the server came back after the window's use
    for _ in range(20):  # a few rows per pump (one per free slot)
        await settle(sender)
    rows = await outbox.all()
    assert sum(r.status is Status.SKIPPED for r in rows) == 30
    assert len([r for r in rows if r.room_id == "!coord:h.org"]) == 1
    assert [room for room, _ in conn.calls] == ["!coord:h.org"]  # nothing late went out
    (told,) = conn.sent_contents
    assert "could not be reached" in told["body"]
    assert "Kyiv" in told["body"] and "attempt" not in told["body"]


async def test_a_long_send_does_not_make_the_pump_poll(setup) -> None:
    """Review: with a send hanging in one room (an outage's 60 s timeout) and another row
    waiting behind it, the pump asked to look again every 50 ms for the whole outage. The
    end of that send wakes the pump; until then there is nothing to look at."""
    config, outbox, clock = setup
    conn = Hanging()
    release = conn.release
    sender = OutboxSender(
        outbox=outbox, connection=conn, config=config, clock=clock, failure_report=report
    )
    await enqueue(outbox, clock, "a", "b")  # one room: b waits for a
    assert await sender.pump() >= timedelta(seconds=1)
    release.set()
    await asyncio.gather(*list(sender._tasks))
    await settle(sender)
    assert [r.status for r in await outbox.all()] == [Status.SENT, Status.SENT]


async def test_after_stop_no_send_touches_the_database(setup) -> None:
    """Bench: at shutdown a send the pump started after ``stop`` failed on the closed
    connection and then wrote to the closed database ("no active connection"). Stopping
    starts nothing new, and an interrupted send is over when ``stop`` returns."""
    config, outbox, clock = setup
    conn = Hanging()
    sender = OutboxSender(
        outbox=outbox, connection=conn, config=config, clock=clock, failure_report=report
    )
    await enqueue(outbox, clock, "a")
    await enqueue(outbox, clock, "b", room="!other:h.org")
    await sender.pump()
    (first,) = [t for t in sender._tasks][:1]
    await sender.stop(grace=timedelta(milliseconds=10))
    assert first.done() and not sender._tasks
    await sender.pump()  # e.g. the run loop, one last time
    assert not sender._tasks
    assert {r.status for r in await outbox.all()} == {Status.PENDING}  # kept for next start
