"""Admission: a room that registers only asks to join; coordinators admit or refuse it from
the coordination room; until then it is shown nothing and has no vote."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from actionbot.core.keys import JobId, JobKind
from actionbot.core.outbox import LEAVE_ROOM, OutgoingMessage
from actionbot.flows.effects import Job
from tests.unit.harness import make_harness

NOW = datetime(2027, 3, 8, 16, 0, tzinfo=UTC)
COORD = "!coord:example.org"
KYIV, OUT = "!kyiv:example.org", "!outsider:example.org"
COORDINATOR = "@coord:example.org"


@pytest.fixture
async def net(tmp_path: Path):
    harness = await make_harness(
        tmp_path,
        NOW,
        bot={"coordination_room": COORD, "coordinators": [COORDINATOR]},
        network={"admission": "coordinators"},
    )
    await harness.run("!node register Coordination", room=COORD, sender=COORDINATOR)
    await harness.run("!node register Kyiv tz=Europe/Kyiv lang=uk", room=KYIV)
    kyiv = await harness.nodes.by_room(KYIV)
    await harness.run(f"!node admit {kyiv.id}", room=COORD, sender=COORDINATOR)
    yield harness
    await harness.db.close()


async def _messages_to(harness, room: str) -> list[str]:
    """What the bot sent to ``room`` on its own (not replies to that room's commands)."""
    return [
        str(row.content.get("body"))
        for row in await harness.outbox.all()
        if row.room_id == room and not row.key.startswith("reply:") and row.event_type != LEAVE_ROOM
    ]


async def _leaves(harness, room: str) -> int:
    return sum(
        1
        for row in await harness.outbox.all()
        if row.room_id == room and row.event_type == LEAVE_ROOM
    )


async def test_a_registering_room_only_asks_and_sees_nothing(net) -> None:
    asked = await net.run("!node register Intruders tz=UTC", room=OUT)
    assert "Request sent" in asked.reply.plain()
    (news,) = asked.announcements
    assert news.room_id == COORD
    request = await net.nodes.by_room(OUT)
    assert f"!node admit {request.id}" in news.reply.plain()
    assert "@" not in news.reply.plain()  # names the room, never a person
    assert [n.room_id for n in await net.nodes.all()] == [COORD, KYIV]

    proposed = await net.run("!window propose 2027-03-20 18:00 UTC; Vigil", room=KYIV)
    (window,) = await net.windows.in_states(["proposed"])
    assert not proposed.reply.is_error
    # Nothing about the network reaches the waiting room: no announcement, no poll.
    assert await _messages_to(net, OUT) == []
    for command in ("!windows", "!nodes", f"!window show {window.id}", f"!vote {window.id} block"):
        answer = await net.run(command, room=OUT)
        assert answer.reply.is_error and "waiting for the network's coordinators" in (
            answer.reply.plain()
        ), command
        assert window.id not in answer.reply.plain()
    assert await net.windows.votes(window.id) == {}


async def test_a_room_that_never_asked_learns_nothing(net) -> None:
    await net.run("!window propose 2027-03-20 18:00 UTC; Vigil", room=KYIV)
    (window,) = await net.windows.in_states(["proposed"])
    real = await net.run(f"!window show {window.id}", room="!stranger:x")
    fake = await net.run("!window show zzzzz", room="!stranger:x")
    assert real.reply.plain() == fake.reply.plain()  # not even whether the id exists
    assert "only in the network's rooms" in real.reply.plain()


async def test_only_coordinators_admit_from_the_coordination_room(net) -> None:
    await net.run("!node register Newcomers tz=UTC", room=OUT)
    request = await net.nodes.by_room(OUT)
    from_node = await net.run(f"!node admit {request.id}", room=KYIV, sender=COORDINATOR)
    assert from_node.reply.is_error and "Only coordinators" in from_node.reply.plain()
    member = await net.run(f"!node admit {request.id}", room=COORD, sender="@m:x", power=0)
    assert member.reply.is_error
    assert not (await net.nodes.by_room(OUT)).admitted
    # A moderator of the coordination room is a coordinator.
    moderator = await net.run(f"!node admit {request.id}", room=COORD, sender="@m:x", power=50)
    assert "Admitted" in moderator.reply.plain() and moderator.recorded
    assert (await net.nodes.by_room(OUT)).admitted
    welcome = await _messages_to(net, OUT)
    assert any("Welcome" in body for body in welcome)
    listing = await net.run("!windows", room=OUT)
    assert not listing.reply.is_error


async def test_admitted_node_gets_reminders_for_approved_windows(net) -> None:
    await net.run("!window propose 2027-03-20 18:00 UTC; Vigil", room=KYIV)
    (window,) = await net.windows.in_states(["proposed"])
    for room in (COORD, KYIV):
        await net.run(f"!vote {window.id} yes", room=room, sender=COORDINATOR)
    assert (await net.windows.get(window.id)).state == "approved"
    await net.run("!node register Late tz=UTC", room=OUT)
    request = await net.nodes.by_room(OUT)
    assert not [r for r in await net.windows.planned_reminders() if r.node_id == request.id]
    await net.run(f"!node admit {request.id}", room=COORD, sender=COORDINATOR)
    assert [r for r in await net.windows.planned_reminders() if r.node_id == request.id]


async def test_refusal_deletes_the_request_and_tells_the_room(net) -> None:
    await net.run("!node register Intruders tz=UTC", room=OUT)
    request = await net.nodes.by_room(OUT)
    refused = await net.run(
        f"!node refuse {request.id} we do not know\\u202e you", room=COORD, sender=COORDINATOR
    )
    assert "Refused" in refused.reply.plain()
    assert await net.nodes.by_room(OUT) is None  # nothing about a refused room is kept
    (told,) = await _messages_to(net, OUT)
    assert "did not admit" in told and "we do not know" in told
    assert await _leaves(net, OUT) == 1  # then the bot leaves the room
    again = await net.run(f"!node refuse {request.id}", room=COORD, sender=COORDINATOR)
    assert again.reply.is_error and "No room is waiting" in again.reply.plain()
    # The name is free again.
    retry = await net.run("!node register Intruders tz=UTC", room="!other:x")
    assert "Request sent" in retry.reply.plain()


async def test_pending_requests_are_listed_in_the_coordination_room(net) -> None:
    await net.run("!node register Newcomers tz=UTC", room=OUT)
    listing = (await net.run("!nodes", room=COORD)).reply.plain()
    assert "1 room waiting to be admitted" in listing and "Newcomers" in listing
    in_node = (await net.run("!nodes", room=KYIV)).reply.plain()
    assert "Newcomers" not in in_node


async def test_open_admission_admits_at_once(tmp_path: Path) -> None:
    harness = await make_harness(tmp_path, NOW, network={"admission": "open"})
    answer = await harness.run("!node register Anyone tz=UTC", room=OUT)
    assert "now a node" in answer.reply.plain()
    assert (await harness.nodes.by_room(OUT)).admitted
    await harness.db.close()


async def _approved_and_proposed(net) -> tuple[str, str]:
    """Two windows: one approved (Kyiv and Coordination voted yes), one with Kyiv's vote."""
    await net.run("!window propose 2027-03-20 18:00 UTC; Vigil", room=KYIV)
    (approved,) = await net.windows.in_states(["proposed"])
    for room in (COORD, KYIV):
        await net.run(f"!vote {approved.id} yes", room=room, sender=COORDINATOR)
    await net.run("!window propose 2027-04-20 18:00 UTC; March", room=KYIV)
    (proposed,) = await net.windows.in_states(["proposed"])
    await net.run(f"!vote {proposed.id} block", room=KYIV)
    return approved.id, proposed.id


async def test_a_node_that_leaves_loses_its_undecided_votes_and_reminders(net) -> None:
    approved, proposed = await _approved_and_proposed(net)
    kyiv = await net.nodes.by_room(KYIV)
    assert [r for r in await net.windows.planned_reminders() if r.node_id == kyiv.id]
    before = await _messages_to(net, KYIV)
    member = await net.run("!node leave", room=KYIV, sender="@m:x", power=0)
    assert member.reply.is_error and "moderators" in member.reply.plain()
    left = await net.run("!node leave", room=KYIV)
    assert left.recorded and "has left the network" in left.reply.plain()
    (audit,) = left.announcements
    assert audit.room_id == COORD and "has left the network" in audit.reply.plain()
    assert await net.windows.votes(proposed) == {}  # withdrawn
    assert kyiv.id in await net.windows.votes(approved)  # history stays
    assert not [r for r in await net.windows.planned_reminders() if r.node_id == kyiv.id]
    assert [n.room_id for n in await net.nodes.all()] == [COORD]
    assert await _messages_to(net, KYIV) == before  # one answer: the reply, nothing more
    assert await _leaves(net, KYIV) == 0  # the bot stays; the room may ask again
    again = await net.run("!node register Kyiv tz=Europe/Kyiv", room=KYIV)
    assert "Request sent" in again.reply.plain()


async def test_coordinators_remove_a_node_and_the_bot_leaves_its_room(net) -> None:
    _approved, proposed = await _approved_and_proposed(net)
    kyiv = await net.nodes.by_room(KYIV)
    refused = await net.run(f"!node remove {kyiv.id}", room=KYIV, sender=COORDINATOR)
    assert refused.reply.is_error  # not from a node room
    removed = await net.run(f"!node remove {kyiv.id} taken over", room=COORD, sender=COORDINATOR)
    assert removed.recorded and "Removed" in removed.reply.plain()
    assert "taken over" in removed.reply.plain()
    assert await net.windows.votes(proposed) == {}
    told = await _messages_to(net, KYIV)
    assert any("removed node" in body and "taken over" in body for body in told)
    assert await _leaves(net, KYIV) == 1
    twice = await net.run(f"!node remove {kyiv.id}", room=COORD, sender=COORDINATOR)
    assert twice.reply.is_error and "no node with the id" in twice.reply.plain()
    # A removed room is outside the network: neutral answers.
    outside = await net.run("!windows", room=KYIV)
    assert "only in the network's rooms" in outside.reply.plain()


async def test_coordinators_are_listed_in_the_coordination_room_only(net) -> None:
    listing = (await net.run("!coordinators", room=COORD)).reply.plain()
    assert COORDINATOR in listing and "@mod:example.org" in listing
    elsewhere = await net.run("!coordinators", room=KYIV)
    assert elsewhere.reply.is_error and "@" not in elsewhere.reply.plain()


async def test_a_request_nobody_decides_on_lapses_and_the_bot_leaves(net) -> None:
    await net.run("!node register Forgotten tz=UTC", room=OUT)
    request = await net.nodes.by_room(OUT)
    job = Job(id=JobId(kind=JobKind.EXPIRE, node=request.id), at=NOW + timedelta(days=7))
    assert job.id in set(net.runner.applier.scheduler.job_ids())
    await net.runner.run_job(job)  # too early: nothing happens
    assert await net.nodes.by_room(OUT) is not None
    net.runner.clock = lambda: NOW + timedelta(days=7, seconds=1)
    await net.runner.run_job(job)
    assert await net.nodes.by_room(OUT) is None
    (told,) = await _messages_to(net, OUT)
    assert "lapsed" in told
    assert await _leaves(net, OUT) == 1
    audit = [b for b in await _messages_to(net, COORD) if "lapsed undecided" in b]
    assert len(audit) == 1 and "Forgotten" in audit[0]
    await net.runner.run_job(job)  # a second run changes nothing
    assert await _leaves(net, OUT) == 1


async def test_an_admitted_request_does_not_lapse(net) -> None:
    await net.run("!node register Welcome tz=UTC", room=OUT)
    request = await net.nodes.by_room(OUT)
    await net.run(f"!node admit {request.id}", room=COORD, sender=COORDINATOR)
    job_id = JobId(kind=JobKind.EXPIRE, node=request.id)
    assert job_id not in set(net.runner.applier.scheduler.job_ids())
    net.runner.clock = lambda: NOW + timedelta(days=8)
    await net.runner.run_job(Job(id=job_id, at=NOW))
    assert (await net.nodes.by_room(OUT)).admitted


async def test_a_node_follows_its_upgraded_room_with_its_pending_messages(net) -> None:

    kyiv = await net.nodes.by_room(KYIV)
    await net.outbox.enqueue(
        OutgoingMessage(key="later", room_id=KYIV, content={"body": "later"}), now=NOW
    )
    assert not await net.runner.continue_in("!new:example.org")  # not a successor (yet)
    await net.runner.upgraded(kyiv, "!new:example.org", joined=True)
    assert await net.runner.continue_in("!new:example.org")
    moved = await net.nodes.by_id(kyiv.id)
    assert moved.room_id == "!new:example.org" and moved.admitted
    assert (await net.outbox.by_key("later")).room_id == "!new:example.org"
    assert any("continues in this room" in b for b in await _messages_to(net, "!new:example.org"))
    assert not await net.runner.continue_in("!new:example.org")  # once


async def test_an_upgrade_the_bot_cannot_follow_asks_the_coordination_room(net) -> None:
    kyiv = await net.nodes.by_room(KYIV)
    await net.runner.upgraded(kyiv, "!closed:example.org", joined=False)
    asked = [b for b in await _messages_to(net, COORD) if "invite me there" in b]
    assert len(asked) == 1 and "Kyiv" in asked[0]
    assert (await net.nodes.by_id(kyiv.id)).room_id == KYIV  # until the bot is invited
