"""``network.admission: vote``: the admitted nodes decide on a room that asks to join, under
the same rule as windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from actionbot.core.keys import JobId, JobKind
from actionbot.flows.effects import Job
from tests.unit.harness import make_harness

NOW = datetime(2027, 3, 8, 16, 0, tzinfo=UTC)
COORD, KYIV, NEW = "!coord:x", "!kyiv:x", "!new:x"
LIMA = COORD  # the second voter


@pytest.fixture
async def net(tmp_path: Path):
    """A network that admits by vote, bootstrapped as a real one would be: the coordination
    room is a node at once; Kyiv asks and the coordination node alone admits it."""
    harness = await make_harness(
        tmp_path, NOW, bot={"coordination_room": COORD}, network={"admission": "vote"}
    )
    await harness.run("!node register Coordination tz=UTC", room=COORD)
    await harness.run("!node register Kyiv tz=UTC", room=KYIV)
    kyiv = await harness.nodes.by_room(KYIV)
    admitted = await harness.run(f"!node vote {kyiv.id} yes", room=COORD)
    assert "is admitted" in admitted.reply.plain(), admitted.reply.plain()
    yield harness
    await harness.db.close()


async def _asked(net) -> str:
    answer = await net.run("!node register Newcomers tz=UTC", room=NEW)
    assert "Request sent" in answer.reply.plain()
    request = await net.nodes.by_room(NEW)
    bodies = {
        row.room_id: str(row.content.get("body"))
        for row in await net.outbox.all()
        if row.key.startswith(f"admission:{request.id}")
    }
    assert set(bodies) == {KYIV, LIMA}  # every node room is asked to vote
    assert f"!node vote {request.id} yes" in bodies[KYIV]
    return request.id


async def test_consensus_of_every_node_admits_at_once(net) -> None:
    request_id = await _asked(net)
    first = await net.run(f"!node vote {request_id} yes", room=KYIV)
    assert "Recorded" in first.reply.plain() and "is admitted" not in first.reply.plain()
    assert not (await net.nodes.by_room(NEW)).admitted
    second = await net.run(f"!node vote {request_id} yes", room=LIMA)
    assert "is admitted" in second.reply.plain()
    assert (await net.nodes.by_room(NEW)).admitted


async def test_a_no_waits_for_the_deadline_which_decides_by_majority(net) -> None:
    request_id = await _asked(net)
    await net.run(f"!node vote {request_id} yes", room=KYIV)
    await net.run(f"!node vote {request_id} no", room=LIMA)
    assert not (await net.nodes.by_room(NEW)).admitted  # no consensus: not early
    net.runner.clock = lambda: NOW + timedelta(days=2)
    await net.runner.run_job(Job(id=JobId(kind=JobKind.ADMISSION, node=request_id), at=NOW))
    assert await net.nodes.by_room(NEW) is None  # 1 yes is not more than 1 no: refused


async def test_outsiders_and_requests_cannot_vote(net) -> None:
    request_id = await _asked(net)
    refused = await net.run(f"!node vote {request_id} yes", room=NEW)
    assert "not a node yet" in refused.reply.plain()
    stranger = await net.run(f"!node vote {request_id} yes", room="!s:x")
    assert "not a node yet" in stranger.reply.plain()
    assert await net.nodes.admission_votes(request_id) == {}


async def test_a_node_that_leaves_takes_its_admission_vote_with_it(net) -> None:
    """Kyiv votes yes and leaves: at the deadline nobody admitted has said yes, so the
    request is refused (before, Kyiv's vote alone made a majority)."""
    request_id = await _asked(net)
    await net.run(f"!node vote {request_id} yes", room=KYIV)
    assert (await net.run("!node leave", room=KYIV)).recorded
    assert await net.nodes.admission_votes(request_id) == {}
    net.runner.clock = lambda: NOW + timedelta(days=2)
    await net.runner.run_job(Job(id=JobId(kind=JobKind.ADMISSION, node=request_id), at=NOW))
    assert await net.nodes.by_room(NEW) is None
