"""Action windows: the record, its life cycle and per-node start times.

Life cycle (the only transitions; the store refuses any other):

    proposed ──decided yes──> approved ──its last node's end passed──> done
        │                         │
        ├──decided no──> rejected └──cancelled──> cancelled
        └──cancelled──> cancelled

A window is plain data (``to_json``) so that, later, instances on other homeservers can
share it through the coordination room.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from actionbot.core.nodes import Node
from actionbot.core.notes import Note
from actionbot.core.timing import Timing


class State(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    DONE = "done"


# Allowed transitions: from → set of to.
TRANSITIONS: dict[State, frozenset[State]] = {
    State.PROPOSED: frozenset({State.APPROVED, State.REJECTED, State.CANCELLED}),
    State.APPROVED: frozenset({State.DONE, State.CANCELLED}),
    State.REJECTED: frozenset(),
    State.CANCELLED: frozenset(),
    State.DONE: frozenset(),
}


@dataclass(frozen=True, kw_only=True)
class Window:
    id: str
    title: str
    mode: str  # "global" | "local"
    start: datetime | None  # global windows
    local_time: time | None  # local windows ...
    local_date: date | None  # ... on this date, or
    anchor: datetime | None  # ... on this instant's date in each node's zone
    duration: timedelta
    state: State
    proposer_node: str
    gesture: str | None
    recurrence: str | None
    when: dict[str, Any]  # the anchor as JSON, to compute the next occurrence
    label: str
    notes: tuple[Note, ...]
    created_at: datetime
    deadline: datetime
    decided_at: datetime | None = None
    decision: str | None = None
    series: str | None = None  # id of the first window of a recurring series
    gesture_rev: str | None = None  # the version of the gesture when it was proposed

    @property
    def timing(self) -> Timing:
        return Timing(
            mode=self.mode,
            start=self.start,
            local_time=self.local_time,
            local_date=self.local_date,
            anchor=self.anchor,
            label=self.label,
            notes=self.notes,
        )

    def node_start(self, node: Node) -> tuple[datetime, Note | None]:
        return self.timing.node_start(node.timezone)

    def starts(self, nodes: Iterable[Node]) -> dict[str, datetime]:
        """Each node's start; computed once per zone (a thousand nodes share a few dozen)."""
        timing = self.timing
        by_zone: dict[str, datetime] = {}
        out = {}
        for node in nodes:
            start = by_zone.get(node.timezone)
            if start is None:
                start = by_zone[node.timezone] = timing.node_start(node.timezone)[0]
            out[node.id] = start
        return out

    def _local_starts(self, nodes: Iterable[Node]) -> list[datetime]:
        # With no nodes yet, a local window is placed in UTC so it still has an end.
        starts = list(self.starts(nodes).values())
        return starts or [self.timing.node_start("UTC")[0]]

    def first_start(self, nodes: Iterable[Node]) -> datetime | None:
        if self.mode == "global":
            return self.start
        return min(self._local_starts(nodes))

    def last_end(self, nodes: Iterable[Node]) -> datetime | None:
        if self.mode == "global":
            return self.start + self.duration if self.start else None
        return max(self._local_starts(nodes)) + self.duration

    def with_state(self, state: State, **changes: Any) -> Window:
        if state not in TRANSITIONS[self.state]:
            raise ValueError(f"window {self.id}: {self.state} → {state} is not allowed")
        return replace(self, state=state, **changes)

    def to_json(self, nodes: Iterable[Node] = (), *, per_node: bool = True) -> dict[str, Any]:
        """Plain JSON; ``per_node``: with each node's start (a thousand entries at scale)."""

        def iso(value: Any) -> Any:
            return value.isoformat() if value is not None else None

        return {
            "id": self.id,
            "title": self.title,
            "mode": self.mode,
            "state": str(self.state),
            "start_utc": iso(self.start),
            "local_time": iso(self.local_time),
            "local_date": iso(self.local_date),
            "anchor_utc": iso(self.anchor),
            "duration_s": int(self.duration.total_seconds()),
            **(
                {"node_starts_utc": {k: v.isoformat() for k, v in self.starts(nodes).items()}}
                if per_node
                else {}
            ),
            "proposer_node": self.proposer_node,
            "gesture": self.gesture,
            "gesture_rev": self.gesture_rev,
            "recurrence": self.recurrence,
            "when": self.when,
            "label": self.label,
            "notes": [note.to_json() for note in self.notes],
            "created_at": iso(self.created_at),
            "deadline": iso(self.deadline),
            "decided_at": iso(self.decided_at),
            "decision": self.decision,
            "series": self.series,
        }
