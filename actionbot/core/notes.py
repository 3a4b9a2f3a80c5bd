"""Notes: facts about a window's time that people should read (a DST shift, a 29 February
in a common year, a wave already past somewhere).

A note is a kind and its values, not a sentence, so each room reads it in its own
language; it is plain JSON so it can be stored and shared with other instances.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, kw_only=True)
class Note:
    kind: str  # "dst-overlap" | "dst-gap" | "leap-day" | "passed-for" | "text" (older records)
    values: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "values": dict(self.values)}

    @classmethod
    def from_json(cls, data: object) -> Note:
        if isinstance(data, dict):
            values = data.get("values") or {}
            return cls(
                kind=str(data.get("kind", "text")), values={k: str(v) for k, v in values.items()}
            )
        return cls(kind="text", values={"text": str(data)})  # a sentence from an older version
