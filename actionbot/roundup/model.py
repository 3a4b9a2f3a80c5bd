"""The roundup as plain data (JSON-serialisable), built from the stores — the templates
and the exporter read only this. Nodes are named by their node names; people never."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from actionbot.core.nodes import Node
from actionbot.core.reports import Report
from actionbot.core.windows import Window
from actionbot.core.zones import zone_info


@dataclass(frozen=True, kw_only=True)
class NodePart:
    node_id: str
    name: str
    zone: str
    utc_offset_h: float  # at the window's start there: places the node on the world strip
    start_utc: str
    end_utc: str
    start_local: str  # "2027-03-08 18:00" in the node's zone
    rsvps: int
    adaptation: str | None
    reports: int
    captions: list[str] = field(default_factory=list)
    photos: list[str] = field(default_factory=list)  # sha256 of photos shown


@dataclass(frozen=True, kw_only=True)
class Roundup:
    window_id: str
    title: str
    mode: str
    gesture: str | None
    duration_min: int
    first_start_utc: str
    last_end_utc: str
    nodes: list[NodePart]
    photos: int
    texts: list[dict[str, str]]  # {"node": name, "text": …}
    public_only: bool

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def keeping_photos(self, available: set[str]) -> Roundup:
        """The same roundup without the photos whose files are gone (purged, or a
        restored backup, which leaves photos out)."""
        parts = [replace(p, photos=[s for s in p.photos if s in available]) for p in self.nodes]
        return replace(self, nodes=parts, photos=sum(len(p.photos) for p in parts))


def build(
    *,
    window: Window,
    nodes: Sequence[Node],
    reports: Sequence[Report],
    rsvps: Mapping[str, int],
    adaptations: Mapping[str, str],
    public_only: bool,
    max_photos: int,
) -> Roundup:
    """Every node that was to take part (admitted when it ran), in order of local start."""
    shown = [r for r in reports if r.consent == "public" or not public_only]
    parts = []
    budget = max_photos
    for node in sorted(nodes, key=lambda n: (window.node_start(n)[0], n.name)):
        start = window.node_start(node)[0]
        end = start + window.duration
        mine = [r for r in shown if r.node_id == node.id]
        photos = [r.sha256 for r in mine if r.kind == "photo" and r.sha256]
        taken, budget = photos[: max(0, budget)], max(0, budget - len(photos))
        local = start.astimezone(_zone(node.timezone))
        offset = local.utcoffset()
        parts.append(
            NodePart(
                node_id=node.id,
                name=node.name,
                zone=node.timezone,
                utc_offset_h=offset.total_seconds() / 3600 if offset else 0.0,
                start_utc=start.isoformat(),
                end_utc=end.isoformat(),
                start_local=f"{local:%Y-%m-%d %H:%M}",
                rsvps=rsvps.get(node.id, 0),
                adaptation=adaptations.get(node.id),
                reports=len(mine),
                # Photos' captions here; text reports are listed once, under the words.
                captions=[r.caption for r in mine if r.caption and r.kind == "photo"][:10],
                photos=taken,
            )
        )
    starts = [datetime.fromisoformat(p.start_utc) for p in parts] or [window.first_start([])]
    ends = [datetime.fromisoformat(p.end_utc) for p in parts] or [starts[0] + window.duration]
    texts = [
        {"node": next((n.name for n in nodes if n.id == r.node_id), "?"), "text": r.caption}
        for r in shown
        if r.kind == "text"
    ]
    return Roundup(
        window_id=window.id,
        title=window.title,
        mode=window.mode,
        gesture=window.gesture,
        duration_min=int(window.duration.total_seconds() // 60),
        first_start_utc=min(starts).isoformat(),
        last_end_utc=max(ends).isoformat(),
        nodes=parts,
        photos=sum(len(p.photos) for p in parts),
        texts=texts,
        public_only=public_only,
    )


def _zone(name: str):
    return zone_info(name)
