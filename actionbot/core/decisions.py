"""Deciding on a proposal: "consensus whenever possible, majority voting when not".

Each registered node has one voice (its latest vote counts). Rules, in order:

| when                            | condition                                   | result              |
|---------------------------------|---------------------------------------------|---------------------|
| any time                        | no block and yes ≥ quorum, all nodes voted  | approved, consensus |
| at the deadline                 | no block and yes ≥ quorum                   | approved, consensus |
| at the deadline, consensus-only | otherwise                                   | rejected            |
| at the deadline                 | yes > no + block among voting nodes         | approved, majority  |
| at the deadline                 | otherwise (incl. nobody voted)              | rejected            |

``quorum`` is a fraction of registered nodes, rounded up, at least one. Before the
deadline only a unanimous-turnout consensus ends the vote early: a block is a call to talk,
and people may change their votes until the deadline.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Vote(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"
    BLOCK = "block"


@dataclass(frozen=True, kw_only=True)
class Rule:
    quorum: float = 0.5
    consensus_only: bool = False


@dataclass(frozen=True, kw_only=True)
class Tally:
    yes: int
    no: int
    abstain: int
    block: int
    nodes: int

    @property
    def voted(self) -> int:
        return self.yes + self.no + self.abstain + self.block


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
        no=values.count(Vote.NO),
        abstain=values.count(Vote.ABSTAIN),
        block=values.count(Vote.BLOCK),
        nodes=nodes,
    )


def needed_yes(rule: Rule, nodes: int) -> int:
    return max(1, math.ceil(rule.quorum * nodes))


def decide(votes: Mapping[str, Vote], *, nodes: int, rule: Rule, deadline_passed: bool) -> Decision:
    counts = tally(votes, nodes)
    consensus = counts.block == 0 and counts.yes >= needed_yes(rule, nodes)
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
