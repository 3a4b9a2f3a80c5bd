"""The decision rule and reminder plans/lateness, as tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from actionbot.core.decisions import Rule, Vote, decide, needed_yes
from actionbot.core.reminders import Action, Kind, lateness_action, parse_offsets, plan
from actionbot.render import words
from actionbot.render.catalogs import Catalogs, Voices
from actionbot.render.windows import rule_text

EN = Voices(Catalogs.source_only(), "en").default()

Y, N, A, B = Vote.YES, Vote.NO, Vote.ABSTAIN, Vote.BLOCK


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
        (votes(A, A), 2, Rule(), True, False, "majority-against"),
        ({}, 3, Rule(), True, False, "nobody-voted"),
        # A "no" is disagreement, not a block: with a low quorum one yes is consensus.
        (votes(Y, N, N), 3, Rule(quorum=0.3), True, True, "consensus"),
        (votes(Y, N, N), 3, Rule(), True, False, "majority-against"),
        (votes(Y, A, A), 3, Rule(quorum=0.3), False, True, "consensus"),
        (votes(Y, Y, Y, N), 4, Rule(quorum=0.75), False, True, "consensus"),
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
    tally = decide(votes(Y, N, A, B), nodes=5, rule=Rule(), deadline_passed=True).tally
    assert EN.s(words.tally(EN, tally)) == "1 yes, 1 no, 1 abstain, 1 block (4 of 5 nodes voted)"


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
