"""A command's reply is stored in the transaction of the flow it answers: a crash after the
decision can no longer lose the reply that tells the acting room, and a replayed event
(sync batch replayed after a restart) changes nothing and answers nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from actionbot.store.events import EventLog
from tests.unit.harness import make_harness

NOW = datetime(2027, 3, 8, 16, 0, tzinfo=UTC)
COORD = "!coord:example.org"
KYIV, LIMA = "!kyiv:example.org", "!lima:example.org"


@pytest.fixture
async def harness(tmp_path: Path):
    harness = await make_harness(tmp_path, NOW, bot={"coordination_room": COORD})
    for room, name in ((KYIV, "Kyiv"), (LIMA, "Lima")):
        await harness.run(f"!node register {name} tz=UTC", room=room)
    yield harness
    await harness.db.close()


async def _window(harness) -> str:
    outcome = await harness.run("!window propose 2027-03-20 18:00 UTC; Vigil", room=KYIV)
    assert outcome.recorded
    (window,) = await harness.windows.in_states(["proposed"])
    return window.id


async def _stored(harness, event: str) -> tuple[bool, list[str]]:
    handled = await EventLog(harness.db).is_handled(event)
    keys = [row.key for row in await harness.outbox.all() if row.key.endswith(event)]
    return handled, keys


async def test_deciding_vote_reply_is_stored_with_the_decision(harness) -> None:
    window_id = await _window(harness)
    await harness.run(f"!vote {window_id} yes", room=KYIV, event="$kyiv-vote")
    outcome = await harness.run(f"!vote {window_id} yes", room=LIMA, event="$lima-vote")
    assert outcome.recorded
    assert "approved" in outcome.reply.plain()
    # Before the command handler does anything more, the decision, the handled mark and
    # the reply are all already in the database.
    assert (await harness.windows.get(window_id)).state == "approved"
    handled, keys = await _stored(harness, "$lima-vote")
    assert handled and "reply:$lima-vote" in keys


async def test_replayed_vote_changes_nothing_and_answers_nothing(harness) -> None:
    window_id = await _window(harness)
    await harness.run(f"!vote {window_id} no", room=KYIV, event="$v1")
    before = len(await harness.outbox.all())
    replay = await harness.run(f"!vote {window_id} no", room=KYIV, event="$v1")
    assert not replay.recorded  # the caller's own record then finds the event handled
    assert len(await harness.outbox.all()) == before


async def test_cancel_reply_is_stored_with_the_cancellation(harness) -> None:
    window_id = await _window(harness)
    outcome = await harness.run(f"!window cancel {window_id}", room=KYIV, event="$cancel")
    assert outcome.recorded
    assert (await harness.windows.get(window_id)).state == "cancelled"
    handled, keys = await _stored(harness, "$cancel")
    assert handled and keys == ["reply:$cancel"]


async def test_register_stores_node_reply_and_news_together(harness) -> None:
    outcome = await harness.run("!node register Oslo tz=Europe/Oslo", room="!oslo:x", event="$r")
    assert outcome.recorded
    node = await harness.nodes.by_room("!oslo:x")
    assert node is not None and node.timezone == "Europe/Oslo"
    handled, keys = await _stored(harness, "$r")
    assert handled and sorted(keys) == ["announce:$r", "reply:$r"]


async def test_replayed_register_does_not_change_the_node(harness) -> None:
    await harness.run("!node register Oslo tz=Europe/Oslo", room="!oslo:x", event="$r1")
    # The same event again (say, with a different body, as a forged replay would carry):
    # the handled mark fails, so the whole change is rolled back.
    await harness.run("!node register Oslo tz=America/Lima", room="!oslo:x", event="$r1")
    node = await harness.nodes.by_room("!oslo:x")
    assert node is not None and node.timezone == "Europe/Oslo"
