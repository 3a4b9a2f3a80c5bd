"""The runner (flows + applier + store) with a fake scheduler and a settable clock: no
Matrix, real SQLite."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from actionbot.calendars import shipped_calendar
from actionbot.config import Config, parse_config
from actionbot.core.decisions import Vote
from actionbot.core.nodes import Node
from actionbot.core.proposals import parse_proposal
from actionbot.core.timing import Timing
from actionbot.core.windows import State
from actionbot.flows.applier import Applier
from actionbot.flows.context import FlowContext, Settings
from actionbot.flows.effects import Job
from actionbot.flows.rota_steps import RoomState
from actionbot.flows.runner import Runner
from actionbot.gestures import Library, shipped_gestures
from actionbot.render.catalogs import Catalogs, Voices
from actionbot.render.languages import normalise_language
from actionbot.store import Database, NodeStore, OutboxStore, WindowStore
from actionbot.store.changes import ChangeStore
from actionbot.store.gestures import GestureStore
from actionbot.store.rotations import RotationStore

T0 = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
COORD = "!coord:x"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class FakeScheduler:
    """Holds jobs by their text id (for the tests to name them); runs them on demand."""

    def __init__(self) -> None:
        self.jobs: dict[str, tuple[datetime, Job]] = {}
        self.runner: Runner | None = None
        self.horizon = timedelta(days=3650)  # every reminder, unless a test says otherwise

    def at(self, job: Job) -> None:
        self.jobs[job.id.text()] = (job.at, job)

    def cancel(self, job_id) -> None:
        self.jobs.pop(job_id.text(), None)

    def cancel_window(self, window_id: str) -> None:
        for key in [k for k, (_, j) in self.jobs.items() if j.id.window == window_id]:
            del self.jobs[key]

    def cancel_reminders(self, window_id: str, node_id: str) -> None:
        for key in [
            k
            for k, (_, j) in self.jobs.items()
            if j.reminder is not None and j.id.window == window_id and j.id.node == node_id
        ]:
            del self.jobs[key]

    def job_ids(self) -> list[str]:
        return sorted(self.jobs)

    async def run(self, job_id: str) -> None:
        _, job = self.jobs.pop(job_id)
        assert self.runner is not None
        await self.runner.run_job(job)


@pytest.fixture
async def env(tmp_path: Path):
    config = parse_config(
        {
            "matrix": {"homeserver": "https://h.x", "user_id": "@bot:x", "password": "pw12"},
            "bot": {"coordination_room": COORD},
            "windows": {"reminders": ["1h", "start", "end"], "late_grace": "30m"},
            "decisions": {"period": "1d"},
        },
        env={},
        base_dir=tmp_path,
    )
    assert isinstance(config, Config)
    db = await Database.open(tmp_path / "db.sqlite", now=T0)
    nodes, windows, outbox = NodeStore(db), WindowStore(db), OutboxStore(db)
    for node_id, zone in (("kyiv1", "Europe/Kyiv"), ("lima1", "America/Lima")):
        await nodes.register(
            Node(
                id=node_id,
                room_id=f"!{node_id}:x",
                name=node_id.title(),
                timezone=zone,
                language="en",
                homeserver="x",
                registered_at=T0,
            )
        )

    async def read_room(room_id: str) -> RoomState:
        return RoomState(members=(), levels={}, creators=frozenset(), me="@bot:x")

    clock, scheduler = Clock(), FakeScheduler()
    coordinator = Runner(
        ctx=FlowContext(
            settings=Settings.from_config(config),
            voices=Voices(Catalogs.source_only(), "en"),
            calendar=shipped_calendar(),
        ),
        windows=windows,
        nodes=nodes,
        rotations=RotationStore(db),
        gestures=Library(shipped_gestures(), GestureStore(db, normalise_language)),
        read_room=read_room,
        applier=Applier(changes=ChangeStore(db), scheduler=scheduler, notify=lambda: None),  # type: ignore[arg-type]
        clock=clock,
        salt=b"salt",
    )
    scheduler.runner = coordinator
    yield coordinator, scheduler, clock, outbox, nodes
    await db.close()


async def approve_all(coordinator: Runner, nodes: NodeStore, window) -> None:
    for room in ("!kyiv1:x", "!lima1:x"):
        await coordinator.vote(
            window=window,
            node=await nodes.by_room(room),
            choice=Vote.YES,
            via="command",
            event_id=f"${window.id}{room}",
        )


async def propose(coordinator: Runner, nodes: NodeStore, text: str):
    proposal = parse_proposal(text)
    node = await nodes.by_room("!kyiv1:x")
    timing = coordinator.resolve(proposal, node)
    assert isinstance(timing, Timing), timing
    return await coordinator.propose(
        proposal=proposal,
        timing=timing,
        node=node,
        sender="@alice:x",
        event_id=f"$p{secrets.token_hex(4)}",
    )


async def test_proposal_to_reminders_to_end(env) -> None:
    coordinator, scheduler, clock, outbox, nodes = env
    window = await propose(coordinator, nodes, "2027-03-05 18:00 UTC for 1h; Vigil")
    assert window.deadline == T0 + timedelta(days=1)
    keys = [r.key for r in await outbox.all()]
    assert "proposed:" + window.id in keys
    assert {k for k in keys if k.startswith("poll:")} == {
        f"poll:{window.id}:kyiv1",
        f"poll:{window.id}:lima1",
    }
    assert f"deadline:{window.id}" in scheduler.jobs

    kyiv, lima = await nodes.by_room("!kyiv1:x"), await nodes.by_room("!lima1:x")
    await coordinator.vote(window=window, node=kyiv, choice=Vote.YES, via="command", event_id="$v1")
    result = await coordinator.vote(
        window=window, node=lima, choice=Vote.YES, via="poll", event_id="$v2"
    )
    assert result.window.state is State.APPROVED and result.window.decision == "consensus"
    assert (await coordinator.windows.get(window.id)).state is State.APPROVED
    assert f"deadline:{window.id}" not in scheduler.jobs
    reminder_jobs = [j for j in scheduler.jobs if j.startswith("reminder:")]
    assert len(reminder_jobs) == 6 and f"end:{window.id}" in scheduler.jobs
    closed = await coordinator.vote(
        window=window, node=kyiv, choice=Vote.NO, via="command", event_id="$v3"
    )
    assert closed.closed and closed.window.state is State.APPROVED

    # On time, late (within grace) and too late (skipped, reported to coordinators).
    clock.now = datetime(2027, 3, 5, 17, 0, 10, tzinfo=UTC)
    await scheduler.run(f"reminder:{window.id}:kyiv1:1h")
    clock.now = datetime(2027, 3, 5, 17, 20, tzinfo=UTC)
    await scheduler.run(f"reminder:{window.id}:lima1:1h")
    clock.now = datetime(2027, 3, 5, 20, 0, tzinfo=UTC)
    await scheduler.run(f"reminder:{window.id}:kyiv1:start")
    rows = {
        r.key.rsplit(":", 1)[0] if r.key.startswith("reminder:") else r.key: r
        for r in await outbox.all()
    }
    assert "(sent late)" not in rows[f"reminder:{window.id}:kyiv1:1h"].content["body"]
    assert "(sent late)" in rows[f"reminder:{window.id}:lima1:1h"].content["body"]
    assert f"reminder:{window.id}:kyiv1:start" not in rows
    skipped = rows[f"skipped:{window.id}:kyiv1:start"]
    assert skipped.room_id == COORD and "Skipped: the reminder" in skipped.content["body"]
    assert "@alice" not in skipped.content["body"]

    await coordinator.end_window(window.id)
    assert (await coordinator.windows.get(window.id)).state is State.DONE
    await coordinator.end_window(window.id)  # idempotent


async def test_deadline_majority_and_rejection(env) -> None:
    coordinator, scheduler, clock, outbox, nodes = env
    window = await propose(coordinator, nodes, "2027-03-05 18:00 UTC; Vigil")
    kyiv = await nodes.by_room("!kyiv1:x")
    await coordinator.vote(
        window=window, node=kyiv, choice=Vote.BLOCK, via="command", event_id="$b"
    )
    clock.now = window.deadline
    await scheduler.run(f"deadline:{window.id}")
    stored = await coordinator.windows.get(window.id)
    assert stored.state is State.REJECTED and stored.decision == "majority-against"
    decided = [r for r in await outbox.all() if r.key == f"decided:{window.id}"]
    assert "By node: Kyiv1: block · Lima1: —" in decided[0].content["body"]
    assert not any(j.startswith("reminder:") for j in scheduler.jobs)


async def test_yearly_series_continues_from_the_anchor(env) -> None:
    coordinator, scheduler, clock, _outbox, nodes = env
    window = await propose(
        coordinator, nodes, "anniversary womens-day at 18:00 local for 1h every year; Strike"
    )
    assert window.mode == "local" and window.series == window.id
    await approve_all(coordinator, nodes, window)
    clock.now = datetime(2027, 3, 9, 12, 0, tzinfo=UTC)
    await scheduler.run(f"end:{window.id}")
    following = [w for w in await coordinator.windows.all() if w.id != window.id]
    assert len(following) == 1
    nxt = following[0]
    assert nxt.state is State.APPROVED and nxt.series == window.id
    assert str(nxt.local_date) == "2028-03-08"
    assert any(j.startswith(f"reminder:{nxt.id}:") for j in scheduler.jobs)
    await coordinator.end_window(window.id)  # a second run creates no duplicate
    assert len(await coordinator.windows.all()) == 2


async def test_rebuild_recreates_every_job(env) -> None:
    coordinator, scheduler, _clock, _outbox, nodes = env
    proposed = await propose(coordinator, nodes, "2027-03-05 18:00 UTC; A")
    approved = await propose(coordinator, nodes, "2027-03-06 18:00 UTC; B")
    await approve_all(coordinator, nodes, approved)
    before = scheduler.job_ids()
    scheduler.jobs.clear()
    assert await coordinator.rebuild() == len(before) + 1
    assert [j for j in scheduler.job_ids() if j != "horizon"] == before
    assert f"deadline:{proposed.id}" in before


async def test_only_reminders_within_the_horizon_get_timers(env) -> None:
    """Start-up loads the reminders due within the horizon; the horizon job, every half
    horizon, loads the next ones from the database (so none is missed, none is held in
    memory weeks ahead)."""
    coordinator, scheduler, clock, _outbox, nodes = env
    window = await propose(coordinator, nodes, "2027-03-10 18:00 UTC; Far")
    await approve_all(coordinator, nodes, window)
    scheduler.horizon = timedelta(hours=2)
    scheduler.jobs.clear()
    await coordinator.rebuild()
    assert not [j for j in scheduler.job_ids() if j.startswith("reminder:")]
    assert scheduler.jobs["horizon"][0] == clock.now + timedelta(hours=1)

    clock.now = datetime(2027, 3, 10, 16, 30, tzinfo=UTC)  # 1 h before the "1h" reminders
    await scheduler.run("horizon")
    reminders = [j for j in scheduler.job_ids() if j.startswith("reminder:")]
    # 17:00 and 18:00 are within two hours; the end at 19:00 is not yet.
    assert reminders == sorted(
        f"reminder:{window.id}:{n}:{o}" for n in ("kyiv1", "lima1") for o in ("1h", "start")
    )
    assert scheduler.jobs["horizon"][0] == clock.now + timedelta(hours=1)


def test_the_scheduler_leaves_far_reminders_to_the_database() -> None:
    from actionbot.core.keys import JobId, JobKind
    from actionbot.scheduler import Scheduler

    scheduler = Scheduler(lambda: T0, horizon=timedelta(hours=2))
    near = JobId(kind=JobKind.REMINDER, window="w", node="n", offset="1h")
    far = JobId(kind=JobKind.REMINDER, window="w", node="n", offset="start")
    deadline = JobId(kind=JobKind.DEADLINE, window="w")
    scheduler.at(Job(id=near, at=T0 + timedelta(hours=1)))
    scheduler.at(Job(id=far, at=T0 + timedelta(hours=3)))
    scheduler.at(Job(id=deadline, at=T0 + timedelta(days=30)))
    assert scheduler.job_ids() == sorted([near, deadline], key=lambda j: j.text())


async def test_cancel_tells_every_node_and_drops_jobs(env) -> None:
    coordinator, scheduler, _clock, outbox, nodes = env
    window = await propose(coordinator, nodes, "2027-03-05 18:00 UTC; A")
    assert coordinator.person_hash("@alice:x") != coordinator.person_hash("@bob:x")
    kyiv = await nodes.by_room("!kyiv1:x")
    assert await coordinator.cancel(window, by=kyiv, acting_room="!kyiv1:x")
    assert not [j for j in scheduler.jobs if window.id in j]
    told = {r.room_id for r in await outbox.all() if r.key.startswith("cancelled:")}
    assert told == {COORD, "!lima1:x"}  # the room that cancelled gets its own reply


async def test_lunar_series_moves_to_the_next_phase_only_once(env) -> None:
    """A local wave ending before the phase instant must not find the same phase again
    (which looped forever creating windows)."""
    coordinator, scheduler, clock, _outbox, nodes = env
    window = await propose(
        coordinator, nodes, "next full moon at 00:05 local for 10m every full moon; Moon"
    )
    await approve_all(coordinator, nodes, window)
    stored = await coordinator.windows.get(window.id)
    clock.now = stored.last_end(await nodes.all()) + timedelta(minutes=1)
    await scheduler.run(f"end:{window.id}")
    series = sorted(await coordinator.windows.all(), key=lambda w: w.created_at)
    assert len(series) == 2
    assert series[1].anchor - series[0].anchor > timedelta(days=25)
    assert scheduler.jobs[f"end:{series[1].id}"][0] > clock.now


async def test_series_catches_up_after_long_downtime(env) -> None:
    coordinator, scheduler, clock, _outbox, nodes = env
    window = await propose(coordinator, nodes, "next new moon for 1h every new moon; Dark")
    await approve_all(coordinator, nodes, window)
    clock.now = window.start + timedelta(days=100)  # three new moons missed
    await scheduler.run(f"end:{window.id}")
    following = [w for w in await coordinator.windows.all() if w.id != window.id]
    assert len(following) == 1 and following[0].start > clock.now
    assert following[0].start - clock.now < timedelta(days=30)


async def test_deadline_leaves_time_for_start_reminders(env) -> None:
    coordinator, _scheduler, _clock, _outbox, nodes = env
    window = await propose(coordinator, nodes, "2027-03-01 14:00 UTC; Soon")
    assert window.deadline == T0 + timedelta(hours=1)  # half-way to the start


async def test_node_moving_zone_gets_its_reminders_replanned(env) -> None:
    coordinator, scheduler, _clock, _outbox, nodes = env
    window = await propose(coordinator, nodes, "2027-03-10 18:00 local for 1h; Wave")
    await approve_all(coordinator, nodes, window)
    kyiv = await nodes.by_room("!kyiv1:x")
    moved = Node(**{**kyiv.__dict__, "timezone": "America/Mexico_City"})
    await coordinator.register(moved)
    due = scheduler.jobs[f"reminder:{window.id}:kyiv1:start"][0]
    assert due == datetime(2027, 3, 11, 0, 0, tzinfo=UTC)  # 18:00 in Mexico City
    assert scheduler.jobs[f"end:{window.id}"][0] == datetime(2027, 3, 11, 1, 0, tzinfo=UTC)
    planned = [
        r
        for r in await coordinator.windows.planned_reminders()
        if r.node_id == "kyiv1" and r.offset == "start"
    ]
    assert [r.due for r in planned] == [due]


async def test_replayed_proposal_creates_no_second_window(env) -> None:
    coordinator, _scheduler, _clock, outbox, nodes = env
    proposal = parse_proposal("2027-03-05 18:00 UTC; Once")
    node = await nodes.by_room("!kyiv1:x")
    timing = coordinator.resolve(proposal, node)
    first = await coordinator.propose(
        proposal=proposal, timing=timing, node=node, sender="@a:x", event_id="$same"
    )
    again = await coordinator.propose(
        proposal=proposal, timing=timing, node=node, sender="@a:x", event_id="$same"
    )
    assert again.id == first.id and len(await coordinator.windows.all()) == 1
    assert len([r for r in await outbox.all() if r.key.startswith("poll:")]) == 2


async def test_unsent_polls_are_dropped_when_the_vote_ends_first(env) -> None:
    coordinator, _scheduler, _clock, outbox, nodes = env
    window = await propose(coordinator, nodes, "2027-03-05 18:00 UTC; Quick")
    await approve_all(coordinator, nodes, window)  # polls still pending in the outbox
    polls = [r for r in await outbox.all() if r.key.startswith("poll:")]
    assert {str(r.status) for r in polls} == {"skipped"}


async def test_moving_zone_after_a_reminder_plans_it_again_for_the_new_time(env) -> None:
    coordinator, scheduler, clock, outbox, nodes = env
    window = await propose(coordinator, nodes, "2027-03-10 18:00 local for 1h; Wave")
    await approve_all(coordinator, nodes, window)
    clock.now = datetime(2027, 3, 10, 15, 0, 5, tzinfo=UTC)  # Kyiv 17:00: 1h reminder
    await scheduler.run(f"reminder:{window.id}:kyiv1:1h")
    kyiv = await nodes.by_room("!kyiv1:x")
    moved = Node(**{**kyiv.__dict__, "timezone": "America/New_York"})
    await coordinator.register(moved)
    clock.now = datetime(2027, 3, 10, 22, 0, 5, tzinfo=UTC)  # New York 17:00 EST
    await scheduler.run(f"reminder:{window.id}:kyiv1:1h")
    sent = [r for r in await outbox.all() if r.key.startswith(f"reminder:{window.id}:kyiv1:1h")]
    assert len(sent) == 2 and sent[0].key != sent[1].key


async def test_reminders_due_together_settle_in_one_batch_and_a_replay_alone_is_dropped(
    env,
) -> None:
    """A thousand nodes' "starts now" share one transaction; each reminder keeps its own
    savepoint, so one already settled (a replay) does not undo the others."""
    coordinator, scheduler, clock, outbox, nodes = env
    window = await propose(coordinator, nodes, "2027-03-05 18:00 UTC; Together")
    await approve_all(coordinator, nodes, window)
    starts = {k: j for k, (_, j) in scheduler.jobs.items() if k.endswith(":start")}
    assert len(starts) == 2
    clock.now = datetime(2027, 3, 5, 18, 0, tzinfo=UTC)
    first = sorted(starts)[0]
    await coordinator.run_job(starts[first])  # fired once already: the replay is dropped
    await asyncio.gather(*(coordinator.run_job(job) for job in starts.values()))
    sent = [
        r
        for r in await outbox.all()
        if r.key.startswith(f"reminder:{window.id}:") and ":start:" in r.key
    ]
    assert sorted(r.room_id for r in sent) == ["!kyiv1:x", "!lima1:x"]  # once each
