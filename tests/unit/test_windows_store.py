"""Window records: life cycle, atomic transitions with plans and messages, votes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from actionbot.core.decisions import Vote
from actionbot.core.nodes import Node
from actionbot.core.outbox import OutgoingMessage
from actionbot.core.reminders import Kind, PlannedReminder
from actionbot.core.windows import State, Window
from actionbot.store import Database, OutboxStore, WindowStore

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def make_window(**changes) -> Window:
    base = dict(
        id="w1abc",
        title="Vigil",
        mode="global",
        start=NOW + timedelta(days=7),
        local_time=None,
        local_date=None,
        anchor=None,
        duration=timedelta(hours=1),
        state=State.PROPOSED,
        proposer_node="n1",
        gesture=None,
        recurrence=None,
        when={"kind": "instant", "instant": (NOW + timedelta(days=7)).isoformat()},
        label="x",
        notes=("a note",),
        created_at=NOW,
        deadline=NOW + timedelta(days=1),
    )
    base.update(changes)
    return Window(**base)


def node(node_id: str, zone: str) -> Node:
    return Node(
        id=node_id,
        room_id=f"!{node_id}:x",
        name=node_id,
        timezone=zone,
        language="en",
        homeserver="x",
        registered_at=NOW,
    )


@pytest.fixture
async def store(tmp_path: Path):
    db = await Database.open(tmp_path / "db.sqlite", now=NOW)
    yield WindowStore(db), OutboxStore(db)
    await db.close()


def test_life_cycle_table_is_enforced() -> None:
    window = make_window()
    assert window.with_state(State.APPROVED).state is State.APPROVED
    with pytest.raises(ValueError):
        window.with_state(State.DONE)
    with pytest.raises(ValueError):
        make_window(state=State.REJECTED).with_state(State.APPROVED)


def test_local_window_starts_per_node_and_json() -> None:
    window = make_window(
        mode="local",
        start=None,
        local_time=time(20, 0),
        local_date=(NOW + timedelta(days=7)).date(),
    )
    nodes = [node("kyiv", "Europe/Kyiv"), node("lima", "America/Lima")]
    starts = window.starts(nodes)
    assert starts["kyiv"] < starts["lima"]
    assert window.first_start(nodes) == starts["kyiv"]
    assert window.last_end(nodes) == starts["lima"] + timedelta(hours=1)
    data = window.to_json(nodes)
    assert data["mode"] == "local" and data["local_time"] == "20:00:00"
    assert set(data["node_starts_utc"]) == {"kyiv", "lima"}
    assert data["state"] == "proposed" and "proposer_hash" not in data


async def test_create_get_and_atomic_transition(store) -> None:
    windows, outbox = store
    window = make_window()
    await windows.create(window, proposer_hash="h", now=NOW)
    assert await windows.get(window.id) == window
    assert await windows.proposer_hash(window.id) == "h"

    reminder = PlannedReminder(
        window_id=window.id, node_id="n1", offset="start", kind=Kind.START, due=window.start
    )
    note = OutgoingMessage(key="decided:w1abc", room_id="!c:x", content={"body": "ok"})
    assert await windows.transition(
        window, State.APPROVED, now=NOW, decision="consensus", messages=[note], plan=[reminder]
    )
    # A second decision on the stale record changes nothing and enqueues nothing.
    assert not await windows.transition(
        window,
        State.REJECTED,
        now=NOW,
        decision="x",
        messages=[OutgoingMessage(key="other", room_id="!c:x", content={})],
    )
    stored = await windows.get(window.id)
    assert stored.state is State.APPROVED and stored.decision == "consensus"
    assert [r.key for r in await outbox.all()] == ["decided:w1abc"]
    assert await windows.planned_reminders() == [reminder]


async def test_reminder_settles_once_and_cancel_stops_the_rest(store) -> None:
    windows, outbox = store
    window = make_window(state=State.APPROVED)
    await windows.create(window, proposer_hash="h", now=NOW)
    items = [
        PlannedReminder(window_id=window.id, node_id="n1", offset=o, kind=k, due=window.start)
        for o, k in (("1h", Kind.BEFORE), ("start", Kind.START))
    ]
    await windows.add_plan(items, now=NOW)
    await windows.add_plan(items, now=NOW)  # idempotent
    message = OutgoingMessage(key="reminder:x", room_id="!n1:x", content={})
    assert await windows.settle_reminder(items[0], status="fired", now=NOW, messages=[message])
    assert not await windows.settle_reminder(items[0], status="fired", now=NOW, messages=[message])
    assert await windows.transition(window, State.CANCELLED, now=NOW, cancel_reminders=True)
    statuses = [(r.offset, status) for r, status, _ in await windows.reminders_of(window.id)]
    assert sorted(statuses) == [("1h", "fired"), ("start", "cancelled")]
    assert len(await outbox.all()) == 1


async def test_one_voice_per_node(store) -> None:
    windows, _ = store
    await windows.create(make_window(), proposer_hash="h", now=NOW)
    await windows.set_vote("w1abc", "n1", Vote.NO, via="command", now=NOW)
    await windows.set_vote("w1abc", "n1", Vote.YES, via="poll", now=NOW)
    await windows.set_vote("w1abc", "n2", Vote.BLOCK, via="command", now=NOW)
    assert await windows.votes("w1abc") == {"n1": Vote.YES, "n2": Vote.BLOCK}
