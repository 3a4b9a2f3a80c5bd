"""Storage: migrations, nodes, outbox and the handled-event log on a real SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from actionbot.core.nodes import Node
from actionbot.core.outbox import COALESCE_HOLD, OutgoingMessage, Status
from actionbot.store import Database, EventLog, NameTaken, NodeStore, OutboxStore
from actionbot.store.db import from_db_time, to_db_time
from actionbot.store.migrations import MIGRATIONS, Migration

NOW = datetime(2027, 3, 8, 16, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path):
    database = await Database.open(tmp_path / "bot.db", now=NOW)
    yield database
    await database.close()


async def test_fresh_database_is_at_latest_version_in_wal_mode(db, tmp_path) -> None:
    assert await db.schema_version() == MIGRATIONS[-1].version
    row = await db.fetchone("PRAGMA journal_mode")
    assert row[0] == "wal"
    assert (tmp_path / "bot.db").stat().st_mode & 0o077 == 0  # owner-only


async def test_migrations_apply_once_and_in_order(tmp_path) -> None:
    path = tmp_path / "m.db"
    first = await Database.open(path, migrations=MIGRATIONS[:1], now=NOW)
    await first.close()
    extra = Migration(
        version=MIGRATIONS[-1].version + 1,
        description="test table",
        statements=("CREATE TABLE extra (x INTEGER)",),
    )
    second = await Database.open(path, migrations=(*MIGRATIONS, extra), now=NOW)
    assert await second.schema_version() == extra.version
    applied = await second.migrate((*MIGRATIONS, extra), now=NOW)
    assert applied == []  # idempotent
    await second.close()
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT version, description FROM schema_version").fetchall()
    assert rows[-1] == (extra.version, "test table")


async def test_failed_migration_rolls_back_entirely(tmp_path) -> None:
    bad = Migration(
        version=MIGRATIONS[-1].version + 1,
        description="broken",
        statements=("CREATE TABLE half (x INTEGER)", "THIS IS NOT SQL"),
    )
    with pytest.raises(sqlite3.OperationalError):
        await Database.open(tmp_path / "b.db", migrations=(*MIGRATIONS, bad), now=NOW)
    with sqlite3.connect(tmp_path / "b.db") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        version = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
    assert "half" not in tables
    assert version == MIGRATIONS[-1].version


async def test_newer_database_is_refused(tmp_path) -> None:
    future = Migration(version=999, description="future", statements=())
    newer = await Database.open(tmp_path / "f.db", migrations=(*MIGRATIONS, future), now=NOW)
    await newer.close()
    with pytest.raises(RuntimeError, match="newer than this actionbot"):
        await Database.open(tmp_path / "f.db", now=NOW)


def test_time_round_trip_and_naive_refused() -> None:
    assert from_db_time(to_db_time(NOW)) == NOW
    with pytest.raises(ValueError):
        to_db_time(datetime(2027, 1, 1))


def _node(room: str, name: str, node_id: str = "abcde") -> Node:
    return Node(
        id=node_id,
        room_id=room,
        name=name,
        timezone="Europe/Kyiv",
        language="uk",
        homeserver="example.org",
        registered_at=NOW,
    )


async def test_node_register_update_and_unique_names(db) -> None:
    nodes = NodeStore(db)
    stored = await nodes.register(_node("!a:x", "Kyiv"))
    assert stored == _node("!a:x", "Kyiv")
    updated = await nodes.register(_node("!a:x", "Kyiv Collective", node_id="zzzzz"))
    assert isinstance(updated, Node) and updated.id == "abcde"  # id kept on update
    assert await nodes.register(_node("!b:x", "KYIV collective", "bbbbb")) == NameTaken(
        name="KYIV collective"
    )
    await nodes.register(_node("!c:x", "Athens", "ccccc"))
    assert [n.name for n in await nodes.all()] == ["Athens", "Kyiv Collective"]
    assert (await nodes.by_room("!c:x")).to_json()["registered_at"] == NOW.isoformat()


async def test_outbox_keys_are_unique_and_states_advance(db) -> None:
    outbox = OutboxStore(db)
    message = OutgoingMessage(key="reply:$1", room_id="!a:x", content={"body": "hi"})
    assert await outbox.enqueue(message, now=NOW)
    assert not await outbox.enqueue(message, now=NOW)  # same key: ignored
    (row,) = await outbox.due(now=NOW)
    assert row.status is Status.PENDING and row.txn_id.startswith("ab")

    later = NOW + timedelta(seconds=30)
    await outbox.mark_retry(row.id, error="boom", next_attempt_at=later, now=NOW)
    assert await outbox.due(now=NOW) == []
    assert await outbox.next_due_at() == later
    (row,) = await outbox.due(now=later)
    assert row.attempts == 1 and row.last_error == "boom"

    await outbox.mark_sent(row.id, event_id="$ev", now=later)
    await outbox.mark_failed(row.id, error="late", now=later)  # no effect: not pending
    stored = await outbox.by_key("reply:$1")
    assert stored.status is Status.SENT and stored.event_id == "$ev" and stored.attempts == 2
    assert (await outbox.status_counts())["sent"] == 1


async def test_repeated_news_is_coalesced_while_it_waits(db) -> None:
    """Ten renames in ten seconds make two notices: the first at once, then one with the
    last details after the hold (each newer repeat replaces the waiting one, which is
    skipped and emptied, its key kept)."""
    outbox = OutboxStore(db)

    def news(n: int, room: str = "!coord:x", about: str = "node:k") -> OutgoingMessage:
        return OutgoingMessage(
            key=f"announce:${n}", room_id=room, content={"body": f"v{n}"}, coalesce=about
        )

    for n in range(10):
        assert await outbox.enqueue(news(n), now=NOW + timedelta(seconds=n))
        if n == 0:  # the first goes at once (the sender takes it)
            (first,) = await outbox.due(now=NOW)
            await outbox.mark_sent(first.id, event_id="$0", now=NOW)
    assert await outbox.enqueue(news(10, about="node:other"), now=NOW)
    assert await outbox.enqueue(news(11, room="!elsewhere:x"), now=NOW)
    assert not await outbox.enqueue(news(3), now=NOW + timedelta(seconds=20))  # a replay

    async def due_bodies(at: datetime) -> list[str]:  # every due row, not each room's first
        rows = await outbox.all()
        return sorted(
            r.content["body"]
            for r in rows
            if r.status is Status.PENDING and r.next_attempt_at <= at
        )

    at_once = await due_bodies(NOW + timedelta(seconds=9))
    assert at_once == ["v10", "v11"]  # others, at once
    later = await due_bodies(NOW + timedelta(seconds=9) + COALESCE_HOLD)
    assert later == ["v10", "v11", "v9"]  # then the last
    older = await outbox.by_key("announce:$3")
    assert older.status is Status.SKIPPED and older.content == {}

    # Long after, news is news again: it goes at once.
    quiet = NOW + timedelta(minutes=5)
    assert await outbox.enqueue(news(12), now=quiet)
    assert "v12" in await due_bodies(quiet)


async def test_a_backlog_in_one_room_does_not_hide_other_rooms(db) -> None:
    """Review: with 150 replies queued in one flooded room, a reminder for another room
    was not even read (the 100 oldest rows were all the flooded room's). ``due`` gives
    the oldest due row of each room, skipping rooms with a send in flight."""
    outbox = OutboxStore(db)
    for n in range(150):
        await outbox.enqueue(
            OutgoingMessage(key=f"reply:{n}", room_id="!flooded:x", content={"body": n}),
            now=NOW + timedelta(microseconds=n),
        )
    await outbox.enqueue(
        OutgoingMessage(key="reminder:w:n", room_id="!quiet:x", content={"body": "start"}),
        now=NOW + timedelta(seconds=1),
    )
    first = await outbox.due(now=NOW + timedelta(seconds=2), limit=16)
    assert [(r.room_id, r.key) for r in first] == [
        ("!flooded:x", "reply:0"),  # the flooded room's oldest only, in order
        ("!quiet:x", "reminder:w:n"),
    ]
    busy = await outbox.due(now=NOW + timedelta(seconds=2), skip_rooms={"!flooded:x"})
    assert [r.key for r in busy] == ["reminder:w:n"]
    assert await outbox.due(now=NOW + timedelta(seconds=2), limit=0) == []


async def test_handled_event_is_recorded_once_with_its_messages(db) -> None:
    log = EventLog(db)
    messages = [
        OutgoingMessage(key="reply:$e", room_id="!a:x", content={"body": "x"}),
        OutgoingMessage(key="announce:$e", room_id="!c:x", content={"body": "y"}),
    ]
    assert not await log.is_handled("$e")
    assert await log.record_handled(event_id="$e", room_id="!a:x", now=NOW, messages=messages)
    assert await log.is_handled("$e")
    assert not await log.record_handled(event_id="$e", room_id="!a:x", now=NOW, messages=messages)
    assert len(await OutboxStore(db).all()) == 2


async def test_hint_is_given_once_per_session(db) -> None:
    log = EventLog(db)
    hint = OutgoingMessage(key="hint:!a:s1", room_id="!a:x", content={})
    assert await log.record_hint(room_id="!a:x", session_id="s1", now=NOW, message=hint)
    assert not await log.record_hint(room_id="!a:x", session_id="s1", now=NOW, message=hint)


async def test_cancelled_transaction_leaves_the_connection_usable(db) -> None:
    """A task cancelled at any await inside a transaction (as at shutdown) must not leave
    the shared connection inside an open transaction."""
    import asyncio

    outbox = OutboxStore(db)
    for step in range(6):
        task = asyncio.ensure_future(
            outbox.enqueue(OutgoingMessage(key=f"c{step}", room_id="!a:x", content={}), now=NOW)
        )
        for _ in range(step):
            await asyncio.sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert await outbox.enqueue(
            OutgoingMessage(key=f"ok{step}", room_id="!a:x", content={}), now=NOW
        )
    keys = {r.key for r in await outbox.all()}
    assert {f"ok{step}" for step in range(6)} <= keys


async def test_abstain_votes_become_stand_aside(tmp_path) -> None:
    """Migration 5 on a database from before issue 7: stored votes keep their meaning."""
    path = tmp_path / "old.db"
    old = await Database.open(path, migrations=MIGRATIONS[:4], now=NOW)
    await old.close()
    with sqlite3.connect(path) as conn:
        conn.execute(
            """INSERT INTO windows (id, title, mode, duration_s, state, proposer_node,
                   proposer_hash, when_json, label, notes_json, created_at, deadline_at)
               VALUES ('w1abc', 't', 'global', 60, 'proposed', 'n1', 'h', '{}', '', '[]',
                       't', 't')"""
        )
        conn.executemany(
            "INSERT INTO votes (window_id, node_id, vote, via, updated_at) VALUES (?, ?, ?, ?, ?)",
            [("w1abc", "n1", "abstain", "poll", "t"), ("w1abc", "n2", "block", "command", "t")],
        )
    new = await Database.open(path, now=NOW)
    rows = await new.fetchall("SELECT node_id, vote FROM votes ORDER BY node_id")
    assert [(r["node_id"], r["vote"]) for r in rows] == [("n1", "stand-aside"), ("n2", "block")]
    await new.close()


async def test_nodes_from_before_admission_stay_admitted(tmp_path) -> None:
    path = tmp_path / "old.db"
    old = await Database.open(path, migrations=MIGRATIONS[:5], now=NOW)
    await old.close()
    with sqlite3.connect(path) as conn:
        conn.execute(
            """INSERT INTO nodes (id, room_id, name, name_key, timezone, language, homeserver,
                   registered_at) VALUES ('k1abc', '!k:x', 'Kyiv', 'kyiv', 'Europe/Kyiv', 'uk',
                   'x', '2026-01-01T00:00:00.000000Z')"""
        )
    new = await Database.open(path, now=NOW)
    (node,) = await NodeStore(new).all()
    assert node.admitted and node.requested_at is None
    await new.close()


async def test_a_lock_held_by_another_process_is_waited_out(tmp_path) -> None:
    """An operator's sqlite3 shell holding a write lock for longer than one busy_timeout:
    the bot's write waits and then succeeds instead of failing."""
    import sqlite3 as stdlib_sqlite
    import threading
    import time as stdlib_time

    from actionbot.store import Database

    db = await Database.open(tmp_path / "db.sqlite")
    other = stdlib_sqlite.connect(
        tmp_path / "db.sqlite", isolation_level=None, check_same_thread=False
    )
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(6.5, lambda: other.execute("COMMIT"))
    release.start()
    try:
        began = stdlib_time.monotonic()
        await db.execute("INSERT INTO kv (key, value) VALUES ('after', 'the lock')")
        assert stdlib_time.monotonic() - began > 5  # it really waited past one busy_timeout
        row = await db.fetchone("SELECT value FROM kv WHERE key = 'after'")
        assert row["value"] == "the lock"
    finally:  # a failure must not leave a thread holding the test run open
        release.join()
        other.close()
        await db.close()


async def test_held_news_goes_before_later_news(db) -> None:
    """Review: a vote notice held 20 s (a node changing its mind) was read after the
    decision that a later vote made at once. Any later message to the room releases it."""
    outbox = OutboxStore(db)

    def vote(n: int) -> OutgoingMessage:
        return OutgoingMessage(
            key=f"vote:$v{n}", room_id="!coord:x", content={"body": f"v{n}"}, coalesce="vote:w:k"
        )

    assert await outbox.enqueue(vote(0), now=NOW)
    (first,) = await outbox.due(now=NOW)
    await outbox.mark_sent(first.id, event_id="$0", now=NOW)
    assert await outbox.enqueue(vote(1), now=NOW + timedelta(seconds=2))  # held 20 s
    assert await outbox.due(now=NOW + timedelta(seconds=3)) == []
    decided = OutgoingMessage(key="decided:w", room_id="!coord:x", content={"body": "approved"})
    assert await outbox.enqueue(decided, now=NOW + timedelta(seconds=3))
    (next_one,) = await outbox.due(now=NOW + timedelta(seconds=3))
    assert next_one.content["body"] == "v1"  # the held vote first, then the decision


async def test_held_news_goes_before_another_nodes_news_and_keeps_its_back_off(db) -> None:
    """Second review: only a message without ``coalesce`` released held news, so another
    node's vote went before "A changed its vote"; and a release reset a failing row's
    back-off."""
    outbox = OutboxStore(db)

    def news(key: str, group: str) -> OutgoingMessage:
        return OutgoingMessage(key=key, room_id="!coord:x", content={"body": key}, coalesce=group)

    await outbox.enqueue(news("A yes", "vote:w:A"), now=NOW)
    (first,) = await outbox.due(now=NOW)
    await outbox.mark_sent(first.id, event_id="$1", now=NOW)
    await outbox.enqueue(news("A no", "vote:w:A"), now=NOW + timedelta(seconds=2))  # held
    await outbox.enqueue(news("B yes", "vote:w:B"), now=NOW + timedelta(seconds=3))
    (next_row,) = await outbox.due(now=NOW + timedelta(seconds=3))
    assert next_row.key == "A no"
    retry_at = NOW + timedelta(minutes=5)
    await outbox.mark_retry(next_row.id, error="boom", next_attempt_at=retry_at, now=NOW)
    plain = OutgoingMessage(key="decided", room_id="!coord:x", content={"body": "approved"})
    await outbox.enqueue(plain, now=NOW + timedelta(seconds=4))
    assert (await outbox.by_key("A no")).next_attempt_at == retry_at
