"""Reports: what a node sends back from a window — photos (cleaned) and a few words.

| rule                | decision                                                        |
|---------------------|-----------------------------------------------------------------|
| which windows       | approved or done, started in this node, ended at most ``grace`` ago |
| one open window     | a photo is a report for it                                      |
| several open        | the sender picks with ``!report <id>`` (caption or reply)       |
| none open           | a photo is just a photo: nothing is downloaded or kept          |
| consent             | ``network`` (coordination room only) unless ``public`` is asked |
|                     | for, or the node's default is public; ``private`` = network     |
| blur                | the node's default, or ``blur`` in the caption / command        |

The sender is kept only as the keyed hash (to let them withdraw), never as a Matrix id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from actionbot.core.nodes import Node
from actionbot.core.windows import State, Window

CONSENTS = ("network", "public")
CONSENT_WORDS = {"public": "public", "network": "network", "private": "network"}


@dataclass(frozen=True, kw_only=True)
class Report:
    id: str
    window_id: str
    node_id: str
    kind: str  # "photo" | "text"
    created_at: datetime
    caption: str
    consent: str
    sender_hash: str
    source_event: str
    sha256: str | None = None
    size: int | None = None
    width: int | None = None
    height: int | None = None
    faces: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "window": self.window_id,
            "node": self.node_id,
            "kind": self.kind,
            "created_at": self.created_at.isoformat(),
            "caption": self.caption,
            "consent": self.consent,
            "sha256": self.sha256,
            "size": self.size,
            "width": self.width,
            "height": self.height,
            "faces_blurred": self.faces,
        }


@dataclass(frozen=True, kw_only=True)
class NodeSettings:
    blur: bool = False
    consent: str = "network"
    rest: str = "2d 19:00"  # the decompression gathering: days after, local time; "off"


@dataclass(frozen=True, kw_only=True)
class ReportWords:
    """What a caption or ``!report`` says besides free text."""

    window_id: str | None
    blur: bool
    consent: str | None
    text: str


def open_windows(
    windows: Iterable[Window], node: Node, now: datetime, grace: timedelta
) -> list[Window]:
    """Windows this node may report on now: started here, ended at most ``grace`` ago."""
    found = []
    for window in windows:
        if window.state not in (State.APPROVED, State.DONE):
            continue
        start = window.node_start(node)[0]
        if start <= now <= start + window.duration + grace:
            found.append(window)
    return found


def _bare(word: str) -> str:
    """A word as a keyword: lower case, without the punctuation around it (``Blur!``)."""
    return word.lower().strip(".,;:!?()[]{}\"'«»“”„")


def read_words(words: Sequence[str], *, is_id) -> ReportWords:
    """``[<window-id>] [blur] [public|network|private] [text…]`` in any order up to the
    text: the first word that is none of these starts the text. ``blur`` counts anywhere,
    even inside the text (``… please blur``): blurring too much is the safe mistake."""
    window_id: str | None = None
    consent: str | None = None
    rest = list(words)
    while rest:
        word = _bare(rest[0])
        if window_id is None and is_id(word):
            window_id = word
        elif word == "blur":
            pass
        elif word in CONSENT_WORDS:
            consent = CONSENT_WORDS[word]
        else:
            break
        rest.pop(0)
    blur = any(_bare(word) == "blur" for word in words)
    return ReportWords(window_id=window_id, blur=blur, consent=consent, text=" ".join(rest))
