"""Deciding on a proposal: "consensus whenever possible, majority voting when not".

Each admitted node has one voice (its latest vote counts): ``yes``; ``stand-aside`` (I
disagree, but I will not stop it); ``no``; ``block`` (a serious objection: stop it). Rules,
in order:

| when                            | condition                                        | result              |
|---------------------------------|--------------------------------------------------|---------------------|
| any time                        | every node voted, no no, no block, yes ≥ quorum  | approved, consensus |
| before the deadline             | otherwise                                        | not decided yet     |
| at the deadline                 | no no, no block, yes ≥ quorum                    | approved, consensus |
| at the deadline, consensus-only | otherwise                                        | rejected            |
| at the deadline                 | yes > no + block among voting nodes              | approved, majority  |
| at the deadline                 | otherwise (incl. nobody voted)                   | rejected            |

``quorum`` is a fraction of admitted nodes, rounded up, at least one. Before the deadline
only consensus with every node's voice ends the vote early, so the early path can never
decide what the deadline would not (a test checks every set of votes); people may change
their votes until then. "Consensus" is never said where a node said no.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Vote(StrEnum):
    YES = "yes"
    STAND_ASIDE = "stand-aside"
    NO = "no"
    BLOCK = "block"


# What people (and older polls) may type for a vote.
ALIASES = {
    "abstain": Vote.STAND_ASIDE,
    "standaside": Vote.STAND_ASIDE,
    "stand_aside": Vote.STAND_ASIDE,
}


def read_vote(word: str) -> Vote | None:
    """A typed vote (any case; ``abstain`` is the old name of ``stand-aside``), or None."""
    lowered = word.strip().lower()
    try:
        return Vote(lowered)
    except ValueError:
        return ALIASES.get(lowered)


@dataclass(frozen=True, kw_only=True)
class Rule:
    quorum: float = 0.5
    consensus_only: bool = False


@dataclass(frozen=True, kw_only=True)
class Tally:
    yes: int
    stand_aside: int
    no: int
    block: int
    nodes: int

    @property
    def voted(self) -> int:
        return self.yes + self.stand_aside + self.no + self.block


class How(StrEnum):
    """How a decision came about (stored, and worded by the render layer)."""

    CONSENSUS = "consensus"
    MAJORITY = "majority"
    PENDING = "pending"
    BLOCKED = "blocked"
    NO_CONSENSUS = "no-consensus"
    MAJORITY_AGAINST = "majority-against"
    NOBODY_VOTED = "nobody-voted"


@dataclass(frozen=True, kw_only=True)
class Decision:
    approved: bool | None  # None: not decided yet
    how: How
    tally: Tally


def tally(votes: Mapping[str, Vote], nodes: int) -> Tally:
    values = list(votes.values())
    return Tally(
        yes=values.count(Vote.YES),
        stand_aside=values.count(Vote.STAND_ASIDE),
        no=values.count(Vote.NO),
        block=values.count(Vote.BLOCK),
        nodes=nodes,
    )


def needed_yes(rule: Rule, nodes: int) -> int:
    return max(1, math.ceil(rule.quorum * nodes))


def decide(votes: Mapping[str, Vote], *, nodes: int, rule: Rule, deadline_passed: bool) -> Decision:
    counts = tally(votes, nodes)
    consensus = counts.no == 0 and counts.block == 0 and counts.yes >= needed_yes(rule, nodes)
    if consensus and (deadline_passed or counts.voted >= nodes):
        return Decision(approved=True, how=How.CONSENSUS, tally=counts)
    if not deadline_passed:
        return Decision(approved=None, how=How.PENDING, tally=counts)
    if rule.consensus_only:
        why = How.BLOCKED if counts.block else How.NO_CONSENSUS
        return Decision(approved=False, how=why, tally=counts)
    if counts.yes > counts.no + counts.block:
        return Decision(approved=True, how=How.MAJORITY, tally=counts)
    return Decision(
        approved=False, how=How.MAJORITY_AGAINST if counts.voted else How.NOBODY_VOTED, tally=counts
    )
