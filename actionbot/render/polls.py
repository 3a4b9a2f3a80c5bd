"""The words of a window's poll; :mod:`actionbot.matrix.content` builds the event."""

from __future__ import annotations

from dataclasses import dataclass

from actionbot.core.decisions import Vote
from actionbot.core.windows import Window
from actionbot.render.voice import Voice


@dataclass(frozen=True, kw_only=True)
class PollText:
    question: str
    answers: tuple[tuple[str, str], ...]  # (answer id = the vote, label)
    fallback: str  # for clients that cannot show polls


def poll(voice: Voice, window: Window, prefix: str) -> PollText:
    question = voice.s(
        voice._("Window {id}: {title} — does your node agree?", id=window.id, title=window.title)
    )
    answers = (
        (str(Vote.YES), voice.s(voice._("Yes"))),
        (str(Vote.STAND_ASIDE), voice.s(voice._("Stand aside (I disagree, but won't stop it)"))),
        (str(Vote.NO), voice.s(voice._("No"))),
        (str(Vote.BLOCK), voice.s(voice._("Block (a serious objection)"))),
    )
    fallback = voice.s(
        voice._(
            "{question} Answer the poll or send {command}",
            question=question,
            command=f"{prefix}vote {window.id} yes|stand-aside|no|block",
        )
    )
    return PollText(question=question, answers=answers, fallback=fallback)


def poll_closed(voice: Voice, approved: bool) -> str:
    if approved:
        return voice.s(voice._("The vote has ended: the window is approved."))
    return voice.s(voice._("The vote has ended: the window is rejected."))
