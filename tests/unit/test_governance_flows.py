"""Admission votes and rota hand-overs as pure flows: (state, event) → effects, without
SQLite, Matrix or a clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from actionbot.core.changes import EndRotation, RegisterNode, SaveRotation, SetAdmissionVote
from actionbot.core.decisions import Vote
from actionbot.core.nodes import Node, Standing
from actionbot.core.rotation import Rotation
from actionbot.flows import admission_vote, rotation
from actionbot.flows.effects import SetPower
from actionbot.flows.rotation import RoomPeople
from tests.unit.test_flows import CTX, KYIV, LIMA, OSLO

T0 = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
REQUEST = Node(
    id="new01",
    room_id="!new:x",
    name="Newcomers",
    timezone="UTC",
    language="en",
    homeserver="x",
    registered_at=T0,
    standing=Standing.REQUESTED,
    requested_at=T0,
)
Y, S, N = Vote.YES, Vote.STAND_ASIDE, Vote.NO


@pytest.mark.parametrize(
    ("before", "voter", "choice", "admitted"),
    [
        ({}, KYIV, Y, False),  # one of three
        ({"kyiv1": Y, "lima1": Y}, OSLO, Y, True),  # every node agrees: at once
        ({"kyiv1": Y, "lima1": S}, OSLO, Y, True),  # standing aside lets it pass
        ({"kyiv1": Y, "lima1": N}, OSLO, Y, False),  # a no waits for the deadline
    ],
)
def test_admission_vote(before, voter, choice, admitted) -> None:
    effects, done = admission_vote.vote(
        CTX,
        request=REQUEST,
        voter=voter,
        choice=choice,
        votes=before,
        nodes=[KYIV, LIMA, OSLO],
        approved=[],
        now=T0,
    )
    assert done is admitted
    assert effects.changes[0] == SetAdmissionVote(
        node_id=REQUEST.id, voter_node_id=voter.id, vote=choice
    )
    registered = [c for c in effects.changes if isinstance(c, RegisterNode)]
    assert bool(registered) is admitted
    if admitted:
        assert registered[0].node.standing is Standing.ADMITTED
        assert any(m.room_id == REQUEST.room_id for m in effects.messages)  # welcomed


def test_votes_of_nodes_no_longer_admitted_do_not_count() -> None:
    """A node that left (its row not yet deleted, or read before it left) has no say: the
    departed "gone1"'s yes neither completes a consensus nor makes a majority."""
    _, done = admission_vote.vote(
        CTX,
        request=REQUEST,
        voter=KYIV,
        choice=Y,
        votes={"gone1": Y},
        nodes=[KYIV, LIMA],
        approved=[],
        now=T0,
    )
    assert not done  # Lima has not voted: no consensus yet
    effects = admission_vote.at_deadline(
        CTX,
        request=REQUEST,
        votes={"gone1": Y, "lima1": N},
        nodes=[KYIV, LIMA],
        approved=[],
        now=T0 + timedelta(days=1),
    )
    assert not [c for c in effects.changes if isinstance(c, RegisterNode)]


def test_the_deadline_refuses_without_a_majority() -> None:
    effects = admission_vote.at_deadline(
        CTX,
        request=REQUEST,
        votes={"kyiv1": Y, "lima1": N},
        nodes=[KYIV, LIMA],
        approved=[],
        now=T0 + timedelta(days=1),
    )
    assert not [c for c in effects.changes if isinstance(c, RegisterNode)]
    assert any(m.room_id == REQUEST.room_id for m in effects.messages)  # told, then left


ROTA = Rotation(
    id="r1abc",
    room_id="!kyiv1:x",
    duty="door",
    members=("ha", "hb", "hc"),
    cadence="7d",
    power=50,
    position=0,
    next_at=T0,
    prior={"ha": 0},
)
PEOPLE = RoomPeople(
    present={"ha": "@a:x", "hb": "@b:x"},  # hc has left the room
    levels={"@a:x": 50, "@b:x": 0},
    creators=frozenset(),
    me="@bot:x",
)


def test_a_handover_restores_then_raises_and_skips_who_left() -> None:
    effects = rotation.handover(CTX, rota=ROTA, people=PEOPLE, node=KYIV, nodes=[KYIV], now=T0)
    powers = [(m.user_id, m.level) for m in effects.messages if isinstance(m, SetPower)]
    assert powers == [("@a:x", 0), ("@b:x", 50)]
    (saved,) = [c.rotation for c in effects.changes if isinstance(c, SaveRotation)]
    assert saved.holder == "hb" and saved.prior == {"hb": 0}
    assert saved.next_at == T0 + timedelta(days=7)
    # The next hand-over skips hc (gone) and comes back to ha.
    again = rotation.handover(
        CTX,
        rota=saved,
        people=RoomPeople(
            present=PEOPLE.present,
            levels={"@a:x": 0, "@b:x": 50},
            creators=frozenset(),
            me="@bot:x",
        ),
        node=KYIV,
        nodes=[KYIV],
        now=T0 + timedelta(days=7),
    )
    (back,) = [c.rotation for c in again.changes if isinstance(c, SaveRotation)]
    assert back.holder == "ha"


def test_levels_unknown_change_nobody() -> None:
    blind = RoomPeople(
        present=PEOPLE.present, levels={}, creators=frozenset(), me="@bot:x", known=False
    )
    effects = rotation.handover(CTX, rota=ROTA, people=blind, node=KYIV, nodes=[KYIV], now=T0)
    assert not [m for m in effects.messages if isinstance(m, SetPower)]


def test_stop_gives_the_level_back_and_ends_the_rota() -> None:
    effects = rotation.stop(CTX, rota=ROTA, people=PEOPLE, node=KYIV, nodes=[KYIV], now=T0)
    assert [(m.user_id, m.level) for m in effects.messages if isinstance(m, SetPower)] == [
        ("@a:x", 0)
    ]
    assert EndRotation(rotation_id=ROTA.id) in effects.changes
