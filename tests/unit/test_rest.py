"""Decompression: after a window each node is invited to rest at its own evening (or not,
if it said off); ``!rest`` lists what is coming; ``!node settings`` changes the defaults."""

from __future__ import annotations

from datetime import timedelta

import pytest

from actionbot.core.keys import JobId, JobKind
from actionbot.core.rest import RestPlan, parse_rest
from actionbot.flows.effects import Job
from tests.unit.test_reports import DURING, KYIV, LIMA, _at, _window, net  # noqa: F401


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2d 19:00", (2, "19:00")),
        ("0d 7:30", (0, "07:30")),
        ("off", None),
        ("15d 19:00", "15d 19:00"),
        ("tomorrow", "tomorrow"),
        ("2d 25:00", "2d 25:00"),
    ],
)
def test_rest_plans(text, expected) -> None:
    plan = parse_rest(text)
    if isinstance(plan, RestPlan):
        assert (plan.days, f"{plan.at:%H:%M}") == expected
    else:
        assert plan == expected


async def test_after_a_window_each_node_is_invited_at_its_own_evening(net) -> None:  # noqa: F811
    quiet = await net.run("!node settings rest=off", room=LIMA)
    assert "rest after a window: `off`" in quiet.reply.plain(), quiet.reply.plain()
    bad = await net.run("!node settings rest=someday", room=KYIV)
    assert bad.reply.is_error and "rest=2d 19:00" in bad.reply.plain()
    member = await net.run("!node settings blur=on", room=KYIV, power=0)
    assert member.reply.is_error
    window_id = await _window(net)
    window = await net.windows.get(window_id)
    _at(net, window.start + timedelta(hours=2))
    await net.runner.run_job(Job(id=JobId(kind=JobKind.END, window=window_id), at=DURING))
    invitations = [r for r in await net.outbox.all() if r.key.startswith(f"rest:{window_id}")]
    assert [r.room_id for r in invitations] == [KYIV]  # Lima said off
    body = invitations[0].content["body"]
    assert "10 березня 2027" in body and "19:00 (Europe/Kyiv)" in body  # two days on, 19:00 local
    listed = (await net.run("!rest", room=KYIV)).reply.plain()
    assert "10 березня 2027" in listed and "Vigil" in listed
    assert "No decompression" in (await net.run("!rest", room=LIMA)).reply.plain()
