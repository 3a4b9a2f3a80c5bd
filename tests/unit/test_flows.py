"""The flows as tables of (state, event) → effects: no SQLite, no Matrix, no clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from actionbot.calendars import shipped_calendar
from actionbot.core.changes import CreateWindow, SettleReminder, SetVote, SkipMessage, Transition
from actionbot.core.decisions import Rule, Vote
from actionbot.core.keys import JobKind, MessageKind
from actionbot.core.nodes import Node
from actionbot.core.polls import PollRef
from actionbot.core.proposals import Proposal, parse_proposal
from actionbot.core.reminders import DEFAULT_OFFSETS, Kind, PlannedReminder
from actionbot.core.timing import Timing, resolve
from actionbot.core.when import ClockTime
from actionbot.core.windows import State, Window
from actionbot.flows import decide, remind, series
from actionbot.flows.context import FlowContext, Settings
from actionbot.flows.effects import Effects, Notice, PollEnd, PollStart
from actionbot.render.catalogs import Catalogs, Voices

T0 = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
COORD = "!coord:x"
Y, N, B = Vote.YES, Vote.NO, Vote.BLOCK


def node(node_id: str, zone: str, language: str = "en") -> Node:
    return Node(
        id=node_id,
        room_id=f"!{node_id}:x",
        name=node_id.title(),
        timezone=zone,
        language=language,
        homeserver="x",
        registered_at=T0,
    )


KYIV, LIMA, OSLO = (
    node("kyiv1", "Europe/Kyiv", "uk"),
    node("lima1", "America/Lima", "es"),
    node("oslo1", "Europe/Oslo"),
)
NODES = [KYIV, LIMA, OSLO]
CTX = FlowContext(
    settings=Settings(
        coordination_room=COORD,
        prefix="!",
        rule=Rule(),
        offsets=DEFAULT_OFFSETS,
        decision_period=timedelta(days=1),
        default_duration=timedelta(hours=1),
        default_at=ClockTime(hour=12, minute=0, zone="local"),
        late_grace=timedelta(hours=1),
        late_after=timedelta(minutes=1),
        polls=True,
    ),
    voices=Voices(Catalogs.load(), "en"),
    calendar=shipped_calendar(),
)


def window(text: str = "2027-03-05 18:00 UTC; Vigil", **changes) -> Window:
    proposal = parse_proposal(text)
    assert isinstance(proposal, Proposal)
    timing = resolve(
        proposal.when,
        now=T0,
        proposer_zone="UTC",
        calendar=CTX.calendar,
        default_at=CTX.settings.default_at,
    )
    assert isinstance(timing, Timing)
    made = decide.new_window(
        CTX, window_id="w1abc", proposal=proposal, timing=timing, proposer=KYIV, nodes=NODES, now=T0
    )
    return Window(**{**made.__dict__, **changes})


def rooms(effects: Effects, kind: MessageKind) -> list[str]:
    return sorted(m.room_id for m in effects.messages if m.key.kind is kind)


def test_propose_announces_elsewhere_polls_everywhere_and_schedules_the_deadline() -> None:
    w = window()
    effects = decide.propose(
        CTX, window=w, proposer=KYIV, nodes=NODES, proposer_hash="h", event_id="$p", now=T0
    )
    assert rooms(effects, MessageKind.PROPOSED) == [COORD, LIMA.room_id, OSLO.room_id]
    assert rooms(effects, MessageKind.POLL) == sorted(n.room_id for n in NODES)
    assert [type(c) for c in effects.changes] == [CreateWindow]
    assert [(j.id.kind, j.at) for j in effects.schedule] == [(JobKind.DEADLINE, w.deadline)]
    # Each room reads the proposal in its language and zone.
    lima = next(m for m in effects.messages if m.room_id == LIMA.room_id and isinstance(m, Notice))
    assert "viernes, 5 de marzo de 2027, 13:00 (America/Lima)" in lima.reply.plain()
    assert "proposes" not in lima.reply.plain()  # Spanish words too
    poll = next(
        m for m in effects.messages if m.room_id == KYIV.room_id and isinstance(m, PollStart)
    )
    assert poll.text.answers[0][0] == "yes" and poll.text.answers[0][1] != "Yes"  # Ukrainian


@pytest.mark.parametrize(
    ("before", "node_", "choice", "via", "decided", "coordination_told", "acting_room_skipped"),
    [
        ({}, KYIV, Y, "command", None, True, False),
        ({KYIV.id: Y}, KYIV, Y, "command", None, False, False),  # same vote again: no news
        ({KYIV.id: Y, LIMA.id: Y}, OSLO, Y, "command", True, True, True),
        ({KYIV.id: Y, LIMA.id: Y}, OSLO, Y, "poll", True, True, False),
        ({KYIV.id: Y, LIMA.id: B}, OSLO, Y, "command", None, True, False),  # a block waits
    ],
)
def test_vote_table(
    before, node_, choice, via, decided, coordination_told, acting_room_skipped
) -> None:
    w = window()
    result = decide.vote(
        CTX,
        window=w,
        nodes=NODES,
        votes=before,
        polls=[],
        node=node_,
        choice=choice,
        via=via,
        event_id="$v",
        now=T0,
    )
    assert result.effects.changes[0] == SetVote(
        window_id=w.id, node_id=node_.id, vote=choice, via=via
    )
    assert (COORD in rooms(result.effects, MessageKind.VOTE)) is coordination_told
    assert (result.decision.approved if result.decision else None) == decided
    # A vote that decides is news at once; one that does not waits for a change of mind.
    for notice in (m for m in result.effects.messages if m.key.kind is MessageKind.VOTE):
        expected = None if decided else f"vote:{w.id}:{node_.id}"
        assert notice.coalesce == expected
    if decided:
        told = rooms(result.effects, MessageKind.DECIDED)
        assert (node_.room_id not in told) is acting_room_skipped
        assert result.window.state is State.APPROVED
        assert any(j.id.kind is JobKind.END for j in result.effects.schedule)


def test_a_vote_on_a_decided_window_changes_nothing() -> None:
    w = window(state=State.APPROVED)
    result = decide.vote(
        CTX,
        window=w,
        nodes=NODES,
        votes={},
        polls=[],
        node=KYIV,
        choice=N,
        via="command",
        event_id="$v",
        now=T0,
    )
    assert result.closed and result.effects == Effects()


def test_deadline_closes_sent_polls_and_drops_unsent_ones() -> None:
    w = window()
    polls = [
        PollRef(window_id=w.id, node_id=KYIV.id, room_id=KYIV.room_id, event_id="$poll"),
        PollRef(window_id=w.id, node_id=LIMA.id, room_id=LIMA.room_id, event_id=None),
    ]
    effects = decide.deadline(
        CTX, window=w, nodes=NODES, votes={KYIV.id: B}, polls=polls, now=w.deadline
    )
    ends = [m for m in effects.messages if isinstance(m, PollEnd)]
    assert [e.room_id for e in ends] == [KYIV.room_id] and ends[0].poll_event_id == "$poll"
    assert [c.key.node for c in effects.changes if isinstance(c, SkipMessage)] == [LIMA.id]
    (change,) = [c for c in effects.changes if isinstance(c, Transition)]
    assert change.to is State.REJECTED and change.decision == "majority-against"
    assert not effects.schedule and [j.kind for j in effects.cancel] == [JobKind.DEADLINE]


def test_cancel_tells_the_others_and_drops_every_job() -> None:
    w = window(state=State.APPROVED)
    effects = decide.cancel(CTX, window=w, nodes=NODES, by=LIMA, acting_room=LIMA.room_id)
    assert rooms(effects, MessageKind.CANCELLED) == [COORD, KYIV.room_id, OSLO.room_id]
    assert effects.cancel_window_jobs == (w.id,)
    assert (
        decide.cancel(
            CTX, window=window(state=State.REJECTED), nodes=NODES, by=None, acting_room=COORD
        )
        == Effects()
    )


START = datetime(2027, 3, 5, 18, 0, tzinfo=UTC)


def item(kind: Kind = Kind.BEFORE, offset: str = "1h", due: datetime = START - timedelta(hours=1)):
    return PlannedReminder(window_id="w1abc", node_id=OSLO.id, offset=offset, kind=kind, due=due)


@pytest.mark.parametrize(
    ("late", "status", "in_node", "in_coordination", "marked"),
    [
        (timedelta(0), "fired", True, False, False),
        (timedelta(minutes=20), "fired", True, False, True),
        (timedelta(hours=2), "skipped", False, True, False),
    ],
)
def test_reminder_table(late, status, in_node, in_coordination, marked) -> None:
    w = window(state=State.APPROVED)
    reminder = item()
    effects = remind.remind(
        CTX, item=reminder, window=w, node=OSLO, nodes=NODES, now=reminder.due + late
    )
    (change,) = effects.changes
    assert isinstance(change, SettleReminder) and change.status == status
    assert (OSLO.room_id in rooms(effects, MessageKind.REMINDER)) is in_node
    assert (COORD in rooms(effects, MessageKind.SKIPPED)) is in_coordination
    if in_node:
        body = effects.messages[0].reply.plain()
        assert (
            body.startswith("⏰ Reminder: Vigil starts in")
            and body.endswith("(sent late)") is marked
        )


def test_reminder_for_a_cancelled_window_is_cancelled_silently() -> None:
    effects = remind.remind(
        CTX, item=item(), window=window(state=State.CANCELLED), node=OSLO, nodes=NODES, now=START
    )
    assert effects.messages == () and effects.changes[0].status == "cancelled"


def test_a_waves_start_reminder_does_not_say_together() -> None:
    wave = window("2027-03-05 18:00 local; Wave", state=State.APPROVED)
    glob = window(state=State.APPROVED)
    en = Node(**{**OSLO.__dict__})
    start = item(Kind.START, "start", wave.node_start(en)[0])
    wave_text = remind.remind(CTX, item=start, window=wave, node=en, nodes=NODES, now=start.due)
    glob_text = remind.remind(
        CTX, item=item(Kind.START, "start", START), window=glob, node=en, nodes=NODES, now=START
    )
    assert "together with every node" not in wave_text.messages[0].reply.plain()
    assert "together with every node" in glob_text.messages[0].reply.plain()


def test_series_end_creates_the_next_occurrence_with_its_jobs() -> None:
    w = window("anniversary womens-day at 18:00 local every year; Strike", state=State.APPROVED)
    now = datetime(2027, 3, 9, 12, 0, tzinfo=UTC)
    effects = series.end(CTX, window=w, nodes=NODES, proposer_hash="h", next_id="w2def", now=now)
    (create,) = effects.changes
    assert isinstance(create, CreateWindow) and create.finish == w
    assert create.window.id == "w2def" and str(create.window.local_date) == "2028-03-08"
    assert create.window.decision == "series" and create.window.series == w.series
    assert {j.id.window for j in effects.schedule} == {"w2def"}
    plain = window(state=State.APPROVED)
    done = series.end(CTX, window=plain, nodes=NODES, proposer_hash="h", next_id="x", now=now)
    assert [c.to for c in done.changes] == [State.DONE] and done.messages == ()


def test_node_change_replans_its_reminders_and_moves_the_end() -> None:
    wave = window("2027-03-10 18:00 local; Wave", state=State.APPROVED)
    moved = Node(**{**KYIV.__dict__, "timezone": "America/Mexico_City"})
    effects = remind.node_changed(
        CTX, node=moved, nodes=[moved, LIMA, OSLO], approved=[wave], now=T0
    )
    assert effects.cancel_node_reminders == ((wave.id, KYIV.id),)
    start = next(j for j in effects.schedule if j.id.offset == "start")
    assert start.at == datetime(2027, 3, 11, 0, 0, tzinfo=UTC)
    end = next(j for j in effects.schedule if j.id.kind is JobKind.END)
    assert end.at == datetime(2027, 3, 11, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "start", "expected"),
    [
        # Half-way to the start is 12:00:40; a whole minute (12:01) still lies before it.
        (datetime(2027, 3, 1, 11, 59, 50, tzinfo=UTC), "2027-03-01T12:01:30Z", "12:01:00"),
        # Half-way is 12:00:10 and 12:01 is past the start: kept to the second, never
        # rounded down to 12:00:00, which would close the vote as it opens.
        (datetime(2027, 3, 1, 11, 59, 58, tzinfo=UTC), "2027-03-01T12:00:22Z", "12:00:10"),
        # Already on a whole minute.
        (datetime(2027, 3, 1, 11, 0, tzinfo=UTC), "2027-03-01T13:00:00Z", "12:00:00"),
    ],
)
def test_deadline_rounds_up_to_a_minute_never_down(now, start, expected) -> None:
    proposal = parse_proposal(f"{start} for 1m; Vigil")
    assert isinstance(proposal, Proposal)
    timing = resolve(
        proposal.when,
        now=now,
        proposer_zone="UTC",
        calendar=CTX.calendar,
        default_at=CTX.settings.default_at,
    )
    assert isinstance(timing, Timing)
    ctx = replace(CTX, settings=replace(CTX.settings, offsets=()))
    made = decide.new_window(
        ctx,
        window_id="w1abc",
        proposal=proposal,
        timing=timing,
        proposer=KYIV,
        nodes=NODES,
        now=now,
    )
    assert made.deadline > now
    assert f"{made.deadline:%H:%M:%S}" == expected
