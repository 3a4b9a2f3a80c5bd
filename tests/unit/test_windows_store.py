"""Window records: life cycle, changes applied atomically with plans and messages, votes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from actionbot.core.changes import CreateWindow, SettleReminder, SetVote, Transition
from actionbot.core.decisions import Vote
from actionbot.core.nodes import Node
from actionbot.core.notes import Note
from actionbot.core.outbox import OutgoingMessage
from actionbot.core.reminders import Kind, PlannedReminder
from actionbot.core.windows import State, Window
from actionbot.store import Database, OutboxStore, WindowStore
from actionbot.store.changes import ChangeStore

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
        notes=(Note(kind="dst-gap", values={"clock": "02:30"}),),
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
    yield WindowStore(db), OutboxStore(db), ChangeStore(db)
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
    windows, outbox, changes = store
    window = make_window()
    assert await changes.apply([CreateWindow(window=window, proposer_hash="h")], [], now=NOW)
    assert await windows.get(window.id) == window
    assert await windows.proposer_hash(window.id) == "h"

    reminder = PlannedReminder(
        window_id=window.id, node_id="n1", offset="start", kind=Kind.START, due=window.start
    )
    note = OutgoingMessage(key="decided:w1abc", room_id="!c:x", content={"body": "ok"})
    approve = Transition(window=window, to=State.APPROVED, decision="consensus", plan=(reminder,))
    assert await changes.apply([approve], [note], now=NOW)
    # A second decision on the stale record changes nothing and enqueues nothing — not even
    # the vote that came with it.
    reject = Transition(window=window, to=State.REJECTED, decision="x")
    vote = SetVote(window_id=window.id, node_id="n9", vote=Vote.NO, via="command")
    other = OutgoingMessage(key="other", room_id="!c:x", content={})
    assert not await changes.apply([vote, reject], [other], now=NOW)
    assert await windows.votes(window.id) == {}
    stored = await windows.get(window.id)
    assert stored.state is State.APPROVED and stored.decision == "consensus"
    assert [r.key for r in await outbox.all()] == ["decided:w1abc"]
    assert await windows.planned_reminders() == [reminder]


async def test_reminder_settles_once_and_cancel_stops_the_rest(store) -> None:
    windows, outbox, changes = store
    window = make_window(state=State.APPROVED)
    items = tuple(
        PlannedReminder(window_id=window.id, node_id="n1", offset=o, kind=k, due=window.start)
        for o, k in (("1h", Kind.BEFORE), ("start", Kind.START))
    )
    create = CreateWindow(window=window, proposer_hash="h", plan=items + items)  # idempotent
    assert await changes.apply([create], [], now=NOW)
    message = OutgoingMessage(key="reminder:x", room_id="!n1:x", content={})
    fire = SettleReminder(item=items[0], status="fired")
    assert await changes.apply([fire], [message], now=NOW)
    assert not await changes.apply([fire], [message], now=NOW)
    cancel = Transition(window=window, to=State.CANCELLED, cancel_reminders=True)
    assert await changes.apply([cancel], [], now=NOW)
    statuses = [(r.offset, status) for r, status, _ in await windows.reminders_of(window.id)]
    assert sorted(statuses) == [("1h", "fired"), ("start", "cancelled")]
    assert len(await outbox.all()) == 1


async def test_one_voice_per_node(store) -> None:
    windows, _, changes = store
    await changes.apply([CreateWindow(window=make_window(), proposer_hash="h")], [], now=NOW)
    for node_id, vote, via in (
        ("n1", Vote.NO, "command"),
        ("n1", Vote.YES, "poll"),
        ("n2", Vote.BLOCK, "command"),
    ):
        await changes.apply(
            [SetVote(window_id="w1abc", node_id=node_id, vote=vote, via=via)], [], now=NOW
        )
    assert await windows.votes("w1abc") == {"n1": Vote.YES, "n2": Vote.BLOCK}


async def test_start_up_reads_only_windows_that_may_still_end_ahead(store) -> None:
    """A two-year-old window is not read at start (its per-node ends cost a thousand zone
    computations each); one that ended within the margin, or a wave, is."""
    windows, _outbox, changes = store
    kept = [
        make_window(id="recent", start=NOW - timedelta(days=2), state=State.DONE),
        make_window(id="ahead", start=NOW + timedelta(days=2), state=State.APPROVED),
        make_window(
            id="wave",
            mode="local",
            start=None,
            local_time=time(23, 0),
            local_date=(NOW - timedelta(days=2)).date(),
            state=State.DONE,
        ),
    ]
    old = make_window(id="old", start=NOW - timedelta(days=700), state=State.DONE)
    long_one = make_window(
        id="long", start=NOW - timedelta(days=20), duration=timedelta(days=19), state=State.DONE
    )
    for window in [*kept, old, long_one]:
        assert await changes.apply([CreateWindow(window=window, proposer_hash="h")], [], now=NOW)
    found = await windows.ending_after([State.DONE, State.APPROVED], NOW - timedelta(days=1))
    assert sorted(w.id for w in found) == sorted(["recent", "ahead", "wave", "long"])
    assert "old" not in {w.id for w in found}
