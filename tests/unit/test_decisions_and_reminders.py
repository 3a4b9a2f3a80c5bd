"""The decision rule and reminder plans/lateness, as tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from actionbot.core.decisions import Rule, Vote, decide, needed_yes, read_vote
from actionbot.core.reminders import Action, Kind, lateness_action, parse_offsets, plan
from actionbot.render import words
from actionbot.render.catalogs import Catalogs, Voices
from actionbot.render.windows import rule_text

EN = Voices(Catalogs.source_only(), "en").default()

Y, S, N, B = Vote.YES, Vote.STAND_ASIDE, Vote.NO, Vote.BLOCK


def votes(*values: Vote) -> dict[str, Vote]:
    return {f"n{i}": v for i, v in enumerate(values)}


@pytest.mark.parametrize(
    ("given", "nodes", "rule", "deadline", "approved", "how"),
    [
        # consensus early only when every node has voted
        (votes(Y, Y, Y), 3, Rule(), False, True, "consensus"),
        (votes(Y, Y), 3, Rule(), False, None, "pending"),
        (votes(Y, Y), 3, Rule(), True, True, "consensus"),  # quorum 2 of 3 at the deadline
        (votes(Y), 3, Rule(), True, True, "majority"),  # short of quorum, majority of voters
        (votes(Y, Y, B), 3, Rule(), False, None, "pending"),  # a block waits for talk
        (votes(Y, Y, B), 3, Rule(), True, True, "majority"),  # 2 yes > 1 block
        (votes(Y, B), 3, Rule(), True, False, "majority-against"),
        (votes(Y, Y, B), 3, Rule(consensus_only=True), True, False, "blocked"),
        (votes(Y), 3, Rule(consensus_only=True), True, False, "no-consensus"),
        (votes(S, S), 2, Rule(), True, False, "majority-against"),
        ({}, 3, Rule(), True, False, "nobody-voted"),
        # A "no" breaks consensus: never "approved by consensus" where a node said no.
        (votes(Y, N), 2, Rule(), False, None, "pending"),  # was "consensus" before issue 7
        (votes(Y, N), 2, Rule(), True, False, "majority-against"),
        (votes(Y, N, N), 3, Rule(quorum=0.3), True, False, "majority-against"),
        (votes(Y, Y, N), 3, Rule(), False, None, "pending"),
        (votes(Y, Y, N), 3, Rule(), True, True, "majority"),
        # Standing aside lets it pass.
        (votes(Y, S, S), 3, Rule(quorum=0.3), False, True, "consensus"),
        (votes(Y, Y, Y, S), 4, Rule(quorum=0.75), False, True, "consensus"),
    ],
)
def test_decision_rule(given, nodes, rule, deadline, approved, how) -> None:
    decision = decide(given, nodes=nodes, rule=rule, deadline_passed=deadline)
    assert (decision.approved, decision.how) == (approved, how)


def test_quorum_rounds_up_and_is_described() -> None:
    assert [needed_yes(Rule(quorum=0.5), n) for n in (0, 1, 2, 3, 4, 5)] == [1, 1, 1, 2, 2, 3]
    assert "at least 2 of 3 nodes say yes" in EN.s(rule_text(EN, Rule(), 3))
    assert "at least 1 of 1 node says yes" in EN.s(rule_text(EN, Rule(), 1))
    assert "rejected at the deadline" in EN.s(rule_text(EN, Rule(consensus_only=True), 1))
    tally = decide(votes(Y, S, N, B), nodes=5, rule=Rule(), deadline_passed=True).tally
    assert (
        EN.s(words.tally(EN, tally)) == "1 yes, 1 stand aside, 1 no, 1 block (4 of 5 nodes voted)"
    )


RULES = [
    Rule(quorum=q, consensus_only=c) for q in (0.0, 0.3, 0.5, 0.75, 1.0) for c in (False, True)
]


@pytest.mark.parametrize("nodes", [1, 2, 3, 4, 5])
def test_the_early_path_never_decides_differently_from_the_deadline(nodes) -> None:
    """Every set of votes of up to five nodes (each: no vote or one of the four), under every
    rule: what ends a vote early is exactly what the deadline would decide, and "consensus"
    never stands where a node said no or block."""
    for choices in product([None, *Vote], repeat=nodes):
        given = {f"n{i}": v for i, v in enumerate(choices) if v is not None}
        for rule in RULES:
            early = decide(given, nodes=nodes, rule=rule, deadline_passed=False)
            late = decide(given, nodes=nodes, rule=rule, deadline_passed=True)
            if early.approved is not None:
                assert (early.approved, early.how) == (late.approved, late.how), (given, rule)
            for decision in (early, late):
                if decision.how == "consensus":
                    assert Vote.NO not in given.values() and Vote.BLOCK not in given.values()


@pytest.mark.parametrize(
    ("typed", "vote"),
    [
        ("yes", Y),
        ("YES", Y),
        ("stand-aside", S),
        ("abstain", S),  # the old name, and what older polls send
        ("Block", B),
        ("maybe", None),
    ],
)
def test_votes_as_typed(typed, vote) -> None:
    assert read_vote(typed) == vote


START = datetime(2027, 3, 8, 16, 0, tzinfo=UTC)


def test_offsets_parse_and_plan_skips_the_past() -> None:
    offsets = parse_offsets(["7d", "1d", "1h", "start", "end"])
    assert not isinstance(offsets, str)
    assert (
        parse_offsets(["soon"]) == "'soon' is not a reminder offset (use e.g. 7d, 1h, start, end)"
    )
    assert parse_offsets(["1h", "1h"]) == "reminder offsets must not repeat"
    now = START - timedelta(days=2)  # the 7-day reminder is already past
    planned = plan(
        window_id="w",
        starts={"a": START, "b": START + timedelta(hours=3)},
        duration=timedelta(hours=1),
        offsets=offsets,
        now=now,
    )
    assert [(r.node_id, r.offset, r.due) for r in planned if r.node_id == "a"] == [
        ("a", "1d", START - timedelta(days=1)),
        ("a", "1h", START - timedelta(hours=1)),
        ("a", "start", START),
        ("a", "end", START + timedelta(hours=1)),
    ]
    assert len(planned) == 8
    assert planned == sorted(planned, key=lambda r: r.due)


@pytest.mark.parametrize(
    ("kind", "late", "action"),
    [
        (Kind.BEFORE, timedelta(seconds=30), Action.SEND),
        (Kind.BEFORE, timedelta(minutes=10), Action.LATE),
        (Kind.BEFORE, timedelta(hours=2), Action.SKIP),
        (Kind.START, timedelta(hours=2), Action.LATE),  # window still running: always sent
        (Kind.START, timedelta(hours=4), Action.SKIP),  # window over
        (Kind.END, timedelta(hours=2), Action.SKIP),
    ],
)
def test_lateness(kind, late, action) -> None:
    due = START
    end = START + timedelta(hours=3)
    assert (
        lateness_action(
            kind=kind, due=due, now=due + late, grace=timedelta(hours=1), window_end=end
        )
        is action
    )
