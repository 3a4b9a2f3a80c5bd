"""``!window move``: a moved window is a new window that needs a new decision."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.harness import make_harness

NOW = datetime(2027, 3, 8, 16, 0, tzinfo=UTC)
COORD = "!coord:example.org"
KYIV, LIMA = "!kyiv:example.org", "!lima:example.org"


@pytest.fixture
async def net(tmp_path: Path):
    harness = await make_harness(
        tmp_path, NOW, bot={"coordination_room": COORD, "coordinators": ["@coord:x"]}
    )
    await harness.run("!node register Kyiv tz=Europe/Kyiv", room=KYIV, sender="@alice:x")
    await harness.run("!node register Lima tz=America/Lima", room=LIMA, sender="@bob:x")
    yield harness
    await harness.db.close()


async def _approved(net) -> str:
    await net.run("!window propose 2027-03-20 18:00 UTC; Vigil", room=KYIV, sender="@alice:x")
    (window,) = await net.windows.in_states(["proposed"])
    for room in (KYIV, LIMA):
        await net.run(f"!vote {window.id} yes", room=room)
    assert (await net.windows.get(window.id)).state == "approved"
    return window.id


async def test_moving_an_approved_window_starts_the_decision_again(net) -> None:
    old_id = await _approved(net)
    assert await net.windows.planned_reminders()
    moved = await net.run(
        f"!window move {old_id} 2027-03-27 18:00 UTC", room=KYIV, sender="@alice:x"
    )
    assert moved.recorded and not moved.reply.is_error, moved.reply.plain()
    old = await net.windows.get(old_id)
    assert (old.state, old.decision) == ("cancelled", "moved")
    (new,) = await net.windows.in_states(["proposed"])
    assert new.id != old_id and new.title == "Vigil"
    assert new.start == datetime(2027, 3, 27, 18, 0, tzinfo=UTC)
    assert f"is now window `{new.id}`" in moved.reply.plain()
    assert await net.windows.votes(new.id) == {}  # votes start over
    assert not [r for r in await net.windows.planned_reminders() if r.window_id == old_id]
    rows = {row.key: row for row in await net.outbox.all()}
    # Lima and the coordination room are told once; Kyiv got the reply instead.
    told = {row.room_id for key, row in rows.items() if key.startswith(f"moved:{old_id}")}
    assert told == {LIMA, COORD}
    # A new poll in every node room.
    polls = {row.room_id for key, row in rows.items() if key.startswith(f"poll:{new.id}")}
    assert polls == {KYIV, LIMA}


async def test_a_new_title_may_come_with_the_move(net) -> None:
    old_id = await _approved(net)
    await net.run(f"!window move {old_id} next full moon; Lights", room=KYIV, sender="@alice:x")
    (new,) = await net.windows.in_states(["proposed"])
    assert new.title == "Lights"


async def test_only_the_proposer_or_coordinators_move(net) -> None:
    old_id = await _approved(net)
    refused = await net.run(f"!window move {old_id} next full moon", room=LIMA, sender="@bob:x")
    assert refused.reply.is_error and "proposer or a coordinator" in refused.reply.plain()
    by_coordinator = await net.run(
        f"!window move {old_id} next full moon", room=COORD, sender="@coord:x"
    )
    assert not by_coordinator.reply.is_error, by_coordinator.reply.plain()
    again = await net.run(f"!window move {old_id} next new moon", room=KYIV, sender="@alice:x")
    assert again.reply.is_error  # the old window has already moved


async def test_a_bad_time_gets_a_sendable_example(net) -> None:
    old_id = await _approved(net)
    bad = await net.run(f"!window move {old_id} someday", room=KYIV, sender="@alice:x")
    assert bad.reply.is_error and "Example: `!window propose" in bad.reply.plain()
    assert (await net.windows.get(old_id)).state == "approved"
