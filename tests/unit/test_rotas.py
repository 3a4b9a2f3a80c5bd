"""Rotas through the command layer: hand-overs, power changes in order, nobody named in the
database."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from actionbot.core.outbox import LEAVE_ROOM, SET_POWER
from actionbot.flows.rota_steps import RoomState
from tests.unit.harness import make_harness

NOW = datetime(2027, 3, 8, 16, 0, tzinfo=UTC)
COORD = "!coord:example.org"
KYIV = "!kyiv:example.org"


@pytest.fixture
async def net(tmp_path: Path):
    harness = await make_harness(tmp_path, NOW, bot={"coordination_room": COORD})
    await harness.run("!node register Kyiv tz=UTC", room=KYIV)
    harness.rooms[KYIV] = RoomState(
        members=("@ana:x", "@ben:x", "@cho:x"),
        levels={"@ana:x": 0, "@ben:x": 0, "@cho:x": 100},
        creators=frozenset({"@cho:x"}),
        me="@bot:example.org",
    )
    yield harness
    await harness.db.close()


def _levels(net, *, ana: int, ben: int) -> None:
    net.rooms[KYIV] = RoomState(
        members=("@ana:x", "@ben:x", "@cho:x"),
        levels={"@ana:x": ana, "@ben:x": ben, "@cho:x": 100},
        creators=frozenset({"@cho:x"}),
        me="@bot:example.org",
    )


async def _power(net) -> list[tuple[str, int]]:
    return [
        (row.content["user"], row.content["level"])
        for row in await net.outbox.all()
        if row.event_type == SET_POWER and row.status == "pending"  # sent rows are erased
    ]


async def test_a_rota_hands_over_with_power_and_gives_it_back(net, tmp_path) -> None:
    made = await net.run("!rotation set security @ana:x @ben:x @cho:x every 7d power=50", room=KYIV)
    assert made.recorded and "saved" in made.reply.plain(), made.reply.plain()
    bodies = [str(r.content.get("body")) for r in await net.outbox.all() if r.room_id == KYIV]
    assert any("@ana:x starts" in b for b in bodies)
    assert await _power(net) == [("@ana:x", 50)]
    audit = [str(r.content.get("body")) for r in await net.outbox.all() if r.room_id == COORD]
    assert any("Node Kyiv set a rota for security: 3 people" in b for b in audit)
    assert not any("@ana" in b for b in audit)  # the record names the node, not people

    _levels(net, ana=50, ben=0)  # as the homeserver now has them
    await net.run("!rotation skip security", room=KYIV)
    assert await _power(net) == [("@ana:x", 50), ("@ana:x", 0), ("@ben:x", 50)]
    listing = (await net.run("!rotation", room=KYIV)).reply.plain()
    assert "security: @ben:x until" in listing and "then @cho:x" in listing

    # @cho:x is the room's creator: never changed.
    _levels(net, ana=0, ben=50)
    await net.run("!rotation skip security", room=KYIV)
    assert (await _power(net))[-1] == ("@ben:x", 0)
    assert ("@cho:x", 50) not in await _power(net)

    await net.run("!rotation stop security", room=KYIV)
    assert await net.runner.rotations.of_room(KYIV) == []

    # Nobody's Matrix id is in the database in clear (sent outbox rows are erased too).
    with sqlite3.connect(tmp_path / "db.sqlite") as db:
        rows = db.execute("SELECT * FROM rotations").fetchall()
    assert rows == []


async def test_someone_who_left_is_skipped(net) -> None:
    await net.run("!rotation set care @ana:x @ben:x @dan:x every 1d", room=KYIV)
    await net.run("!rotation skip care", room=KYIV)  # ana → ben
    await net.run("!rotation skip care", room=KYIV)  # ben → (dan left) → ana
    listing = (await net.run("!rotation", room=KYIV)).reply.plain()
    assert "care: @ana:x until" in listing


async def test_members_and_strangers_cannot_change_rotas(net) -> None:
    member = await net.run("!rotation set x @ana:x @ben:x every 7d", room=KYIV, power=0)
    assert member.reply.is_error and "moderators" in member.reply.plain()
    stranger = await net.run("!rotation", room="!elsewhere:x")
    assert stranger.reply.is_error
    typo = await net.run("!rotation sett x", room=KYIV)
    assert "does not know “sett”" in typo.reply.plain()
    bad = await net.run("!rotation set x @ana:x every 7d", room=KYIV)
    assert bad.reply.is_error and "Example: `!rotation set" in bad.reply.plain()


async def test_nobody_hands_out_more_power_than_they_have(net) -> None:
    refused = await net.run("!rotation set x @ana:x @ben:x every 7d power=100", room=KYIV, power=50)
    assert refused.reply.is_error and "at most your own power level here (50)" in (
        refused.reply.plain()
    )
    assert await net.runner.rotations.of_room(KYIV) == []


async def _deliver(net, *, members: tuple[str, ...], levels: dict[str, int]) -> None:
    """The sender made every queued power change; the room now looks like this."""
    for row in await net.outbox.all():
        if row.event_type == SET_POWER and row.status == "pending":
            await net.outbox.mark_sent(row.id, event_id="", now=NOW)
    net.rooms[KYIV] = RoomState(
        members=members,
        levels=levels,
        creators=frozenset({"@cho:x"}),
        me="@bot:example.org",
    )


async def test_two_quick_skips_give_every_level_back(net) -> None:
    """The second skip comes before the first one's changes are made: it must read the
    levels as they are about to be, or @ben:x keeps 50 for ever."""
    await net.run("!rotation set security @ana:x @ben:x @cho:x every 7d power=50", room=KYIV)
    await net.run("!rotation skip security", room=KYIV)  # ana → ben
    await net.run("!rotation skip security", room=KYIV)  # ben → cho (a creator: unchanged)
    assert await _power(net) == [("@ana:x", 50), ("@ana:x", 0), ("@ben:x", 50), ("@ben:x", 0)]


async def test_a_holder_who_left_the_room_gets_their_level_back(net) -> None:
    await net.run("!rotation set security @ana:x @ben:x every 7d power=50", room=KYIV)
    # @ana:x leaves the room; the power levels still name her at 50.
    await _deliver(net, members=("@ben:x", "@cho:x"), levels={"@ana:x": 50, "@ben:x": 0})
    await net.run("!rotation skip security", room=KYIV)
    assert await _power(net) == [("@ana:x", 0), ("@ben:x", 50)]


async def test_a_node_that_leaves_ends_its_rotas_before_the_bot_goes(net) -> None:
    await net.run("!rotation set security @ana:x @ben:x every 7d power=50", room=KYIV)
    await _deliver(net, members=("@ana:x", "@ben:x", "@cho:x"), levels={"@ana:x": 50, "@ben:x": 0})
    kyiv = await net.nodes.by_room(KYIV)
    removed = await net.run(f"!node remove {kyiv.id}", room=COORD, sender="@coord:x")
    assert removed.recorded, removed.reply.plain()
    assert await net.runner.rotations.of_room(KYIV) == []
    rows = [r for r in await net.outbox.all() if r.room_id == KYIV]
    kinds = [(r.event_type, r.content.get("user"), r.content.get("level")) for r in rows]
    restore = kinds.index((SET_POWER, "@ana:x", 0))
    leave = next(i for i, k in enumerate(kinds) if k[0] == LEAVE_ROOM)
    assert restore < leave  # the level goes back while the bot can still change it


async def test_one_person_in_one_powered_rota_per_room(net) -> None:
    await net.run("!rotation set security @ana:x @ben:x every 7d power=50", room=KYIV)
    clash = await net.run("!rotation set care @cho:x @ben:x every 7d power=50", room=KYIV)
    assert clash.reply.is_error and "@ben:x is already in the rota for security" in (
        clash.reply.plain()
    ), clash.reply.plain()
    assert [r.duty for r in await net.runner.rotations.of_room(KYIV)] == ["security"]
    # Without power= it is only a duty; and the same duty may be set anew.
    plain = await net.run("!rotation set care @cho:x @ben:x every 7d", room=KYIV)
    assert not plain.reply.is_error, plain.reply.plain()
    again = await net.run("!rotation set security @ben:x @ana:x every 7d power=50", room=KYIV)
    assert not again.reply.is_error, again.reply.plain()
