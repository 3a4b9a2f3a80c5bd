"""Review of issue 10 (reliability): the reminder horizon and commands after an outage.
Each test failed on the code before its fix."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from actionbot.core.keys import JobId, JobKind
from actionbot.flows.effects import Job
from tests.unit.harness import command_handler, make_harness, text_event
from tests.unit.test_coordination import approve_all, env, propose  # noqa: F401


async def test_a_failed_horizon_pass_is_not_the_last(env) -> None:  # noqa: F811
    """One failed load (a locked database) scheduled no further pass: no reminder beyond
    the horizon would ever get a timer until a restart."""
    coordinator, scheduler, clock, _outbox, nodes = env
    window = await propose(coordinator, nodes, "2027-03-10 18:00 UTC for 1h; Far")
    await approve_all(coordinator, nodes, window)
    scheduler.horizon = timedelta(hours=2)
    scheduler.jobs.clear()
    await coordinator.rebuild()
    real = coordinator.windows.planned_reminders
    calls = {"n": 0}

    async def flaky(before=None):
        calls["n"] += 1
        if calls["n"] == 1:
            raise sqlite3.OperationalError("database is locked")
        return await real(before=before)

    coordinator.windows.planned_reminders = flaky  # type: ignore[method-assign]
    clock.now += timedelta(hours=1)
    with pytest.raises(sqlite3.OperationalError):  # the real scheduler logs it
        await scheduler.run("horizon")
    at, _job = scheduler.jobs["horizon"]
    assert at == clock.now + timedelta(minutes=1)  # tried again soon
    clock.now = at
    await scheduler.run("horizon")
    assert scheduler.jobs["horizon"][0] == clock.now + timedelta(hours=1)


async def test_a_zone_change_during_a_horizon_pass_keeps_the_new_time(env) -> None:  # noqa: F811
    """The pass read planned rows without the runner's lock; a node that changed zone
    meanwhile got the stale timer back, and the stale reminder settled the new row: sent
    at the old time, the new one lost."""
    coordinator, scheduler, clock, outbox, nodes = env
    window = await propose(coordinator, nodes, "2027-03-10 18:00 local for 1h; Wave")
    await approve_all(coordinator, nodes, window)
    scheduler.horizon = timedelta(hours=2)
    clock.now = datetime(2027, 3, 10, 14, 30, tzinfo=UTC)  # Kyiv 16:30; "1h" due 15:00 UTC
    real = coordinator.windows.planned_reminders
    kyiv = await nodes.by_room("!kyiv1:x")
    stale = [r for r in await real() if r.node_id == kyiv.id and r.offset == "1h"]

    # The stale read, as if it had been in flight while the node moved to New York.
    await coordinator.register(replace(kyiv, timezone="America/New_York"))
    coordinator.windows.planned_reminders = lambda before=None: _const(stale)  # type: ignore
    await coordinator.run_job(Job(id=JobId(kind=JobKind.HORIZON), at=clock.now))
    coordinator.windows.planned_reminders = real  # type: ignore[method-assign]
    key = f"reminder:{window.id}:{kyiv.id}:1h"
    at, _job = scheduler.jobs[key]
    clock.now = at + timedelta(seconds=5)
    await scheduler.run(key)  # the stale timer fires: it must not settle the new row
    left = [r for r in await real() if r.node_id == kyiv.id and r.offset == "1h"]
    assert [r.due for r in left] == [datetime(2027, 3, 10, 22, 0, tzinfo=UTC)]
    assert not [r for r in await outbox.all() if r.key.startswith(key)]


async def _const(value):
    return value


async def test_a_vote_after_an_outage_backlog_is_counted(tmp_path) -> None:
    """Fifteen commands a minute apart during an outage arrive in one sync: they were
    charged as a burst and the vote after them was refused (and never taken, while the
    answer said it would be). A vote is not paced per person (only per room). Charging
    at sending times instead let a hostile server space its stamps out (second review)."""
    now = datetime(2027, 3, 8, 16, 0, tzinfo=UTC)
    net = await make_harness(tmp_path, now)
    for n in range(2):
        await net.run(f"!node register Node {n} tz=UTC", room=f"!n{n}:x")
    await net.run("!window propose 2027-03-20 18:00 UTC; Vigil", room="!n0:x")
    (window,) = await net.windows.in_states(["proposed"])

    handler = command_handler(net)
    bodies = ["!windows"] * 15 + [f"!vote {window.id} no"]
    for n, body in enumerate(bodies):
        await handler.handle(text_event("!n1:x", f"$b{n}", body, now - timedelta(minutes=15 - n)))
    votes = await net.windows.votes(window.id)
    await net.db.close()
    assert votes


async def test_an_answer_is_not_sent_after_no_one_waits_for_it(tmp_path) -> None:
    """Review: answers had no limit of their own and were retried through an outage for
    24 hours (a listing with stale countdowns, hours later): now as long as a command is
    acted on, ``max_command_age``. But the answer to something done (a proposal) still
    goes later: dropped, the person proposed again (second review)."""
    now = datetime(2027, 3, 8, 16, 0, tzinfo=UTC)
    net = await make_harness(tmp_path, now)
    await net.run("!node register Kyiv tz=UTC", room="!n0:x")

    handler = command_handler(net)
    for n, body in enumerate(["!windows", "!window propose 2027-03-20 18:00 UTC; Vigil"]):
        await handler.handle(text_event("!n0:x", f"$c{n}", body, now))
    listing, proposed = [r for r in await net.outbox.all() if r.key.startswith("reply:$c")]
    await net.db.close()
    assert listing.useful_until == now + net.config.max_command_age
    assert proposed.useful_until is None  # the default lifetime (24 h)


async def test_a_failed_reminder_batch_is_tried_again_soon(env) -> None:  # noqa: F811
    """A batch that fails (a locked database) is rolled back whole and its timers are
    spent: it waited for the next horizon pass, an hour away. Now 15 s."""
    coordinator, scheduler, clock, outbox, nodes = env
    window = await propose(coordinator, nodes, "2027-03-10 18:00 UTC for 1h; Soon")
    await approve_all(coordinator, nodes, window)
    key = next(k for k in scheduler.jobs if k.startswith(f"reminder:{window.id}:"))
    at, _job = scheduler.jobs[key]
    real = coordinator.applier.apply_each
    calls = {"n": 0}

    async def flaky(each, *, now):
        calls["n"] += 1
        if calls["n"] == 1:
            raise sqlite3.OperationalError("database is locked")
        return await real(each, now=now)

    coordinator.applier.apply_each = flaky  # type: ignore[method-assign]
    clock.now = at
    await scheduler.run(key)
    again, _job = scheduler.jobs[key]
    assert again == at + timedelta(seconds=15)
    clock.now = again
    await scheduler.run(key)
    assert [r for r in await outbox.all() if r.key.startswith(key)]


async def test_the_scheduler_looks_at_the_wall_clock_every_minute() -> None:
    """APScheduler waits on the loop's monotonic clock, which stands still while the
    machine sleeps; a heartbeat makes it re-read the wall clock so overdue jobs run within
    a minute of waking rather than late by the time slept."""
    from actionbot.scheduler import HEARTBEAT, HEARTBEAT_ID, Scheduler

    scheduler = Scheduler()

    async def run(job) -> None:
        return None

    scheduler.start(run)
    try:
        beat = scheduler._scheduler.get_job(HEARTBEAT_ID)
        assert beat is not None and beat.trigger.interval == HEARTBEAT
        assert scheduler.job_ids() == []  # not one of the bot's jobs
    finally:
        scheduler.shutdown()


async def test_one_reminder_that_cannot_be_sent_does_not_hold_back_its_batch(
    env,  # noqa: F811
    monkeypatch,
) -> None:
    """Second review: a reminder that always fails (a broken translation) made its whole
    batch fail every 15 s for good. After a failure they go one by one."""
    import asyncio

    from actionbot.flows import remind_steps

    coordinator, scheduler, clock, outbox, nodes = env
    bad = await propose(coordinator, nodes, "2027-03-10 18:00 UTC for 1h; Bad")
    await approve_all(coordinator, nodes, bad)
    good = await propose(coordinator, nodes, "2027-03-10 18:00 UTC for 1h; Good")
    await approve_all(coordinator, nodes, good)
    real = remind_steps.remind.remind

    def render(ctx, *, item, **kw):
        if item.window_id == bad.id:
            raise KeyError("a broken translation")
        return real(ctx, item=item, **kw)

    monkeypatch.setattr(remind_steps.remind, "remind", render)
    good_key = next(k for k in scheduler.jobs if k.startswith(f"reminder:{good.id}:"))
    at = scheduler.jobs[good_key][0]
    bad_key = next(
        k
        for k, (when, _) in scheduler.jobs.items()
        if k.startswith(f"reminder:{bad.id}:") and when == at
    )
    for _ in range(3):
        keys = [k for k in (bad_key, good_key) if k in scheduler.jobs]
        if not keys:
            break
        clock.now = max(clock.now, *(scheduler.jobs[k][0] for k in keys))
        await asyncio.gather(*(scheduler.run(k) for k in keys))
    assert [r for r in await outbox.all() if r.key.startswith(good_key)]
    assert bad_key not in scheduler.jobs  # left to the next horizon pass, not a loop
