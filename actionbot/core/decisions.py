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

    def text(self) -> str:
        return (
            f"{self.yes} yes, {self.no} no, {self.abstain} abstain, {self.block} block "
            f"({self.voted} of {self.nodes} nodes voted)"
        )


@dataclass(frozen=True, kw_only=True)
class Decision:
    approved: bool | None  # None: not decided yet
    how: str  # "consensus" | "majority" | "pending" | reason of rejection
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
        return Decision(approved=True, how="consensus", tally=counts)
    if not deadline_passed:
        return Decision(approved=None, how="pending", tally=counts)
    if rule.consensus_only:
        why = "blocked" if counts.block else "no consensus (too few yes votes)"
        return Decision(approved=False, how=why, tally=counts)
    if counts.yes > counts.no + counts.block:
        return Decision(approved=True, how="majority", tally=counts)
    return Decision(
        approved=False, how="majority against" if counts.voted else "nobody voted", tally=counts
    )


def describe_rule(rule: Rule, nodes: int) -> str:
    needed = needed_yes(rule, nodes)
    text = (
        f"Each node has one voice. Approved by consensus when no node blocks and at least "
        f"{needed} of {nodes} node{'s' if nodes != 1 else ''} say yes"
    )
    if rule.consensus_only:
        return text + "; otherwise rejected at the deadline."
    return text + "; otherwise a majority of voting nodes decides at the deadline."
