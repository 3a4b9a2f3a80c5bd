"""Shared vocabulary: moon phases, votes, window states and modes, decisions, notes.

The domain keeps short English codes (``full moon``, ``stand-aside``, ``majority-against``);
these functions give each its words in the room's language. A code this version does not
know (an older record) is shown as it is rather than hidden.
"""

from __future__ import annotations

from datetime import date

from actionbot.core.decisions import How, Tally, Vote
from actionbot.core.notes import Note
from actionbot.render.reply import Line, Span
from actionbot.render.voice import Voice


def N_(message: str) -> str:
    """Mark a message for the catalogs without translating it yet."""
    return message


PHASES = {
    "full moon": N_("full moon"),
    "new moon": N_("new moon"),
    "first quarter": N_("first quarter"),
    "last quarter": N_("last quarter"),
}
PHASE_SYMBOLS = {"full moon": "🌕", "new moon": "🌑", "first quarter": "🌓", "last quarter": "🌗"}
VOTES = {
    # Translators: vote names, shown after "votes" and in tallies; people still type
    # yes/stand-aside/no/block. "stand aside": I disagree, but I will not stop it.
    Vote.YES: N_("yes"),
    Vote.STAND_ASIDE: N_("stand aside"),
    Vote.NO: N_("no"),
    Vote.BLOCK: N_("block"),
}
STATES = {
    # Translators: window states, shown after "the window is".
    "proposed": N_("proposed"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "cancelled": N_("cancelled"),
    "moved": N_("moved to another time, as a new window"),
    "done": N_("done"),
}
HOW = {
    # Translators: how a window was decided: completes "Window X is approved …" or "… is rejected (…)".
    How.CONSENSUS: N_("by consensus"),
    How.MAJORITY: N_("by majority"),
    How.PENDING: N_("not decided yet"),
    How.BLOCKED: N_("blocked by a node"),
    How.NO_CONSENSUS: N_("no consensus: too few yes votes"),
    How.MAJORITY_AGAINST: N_("the majority voted against"),
    How.NOBODY_VOTED: N_("nobody voted"),
    "cancelled": N_("cancelled"),
    "series": N_("as the next window of a recurring series"),
}


def _known(voice: Voice, table: dict, code: str) -> str:
    return voice.s(voice._(table[code])) if code in table else code


def phase(voice: Voice, code: str) -> str:
    return _known(voice, PHASES, code)


def vote(voice: Voice, code: str) -> str:
    return _known(voice, VOTES, code)


def state(voice: Voice, code: str) -> str:
    return _known(voice, STATES, str(code))


def how(voice: Voice, code: str | None) -> str:
    """A stored decision (``consensus``, ``series``, …) in words."""
    if code is None:
        return ""
    return _known(voice, HOW, code)


def mode(voice: Voice, code: str) -> str:
    if code == "local":
        return voice.s(voice._("a wave: the same clock time in every node's own zone"))
    return voice.s(voice._("one instant, everywhere at once"))


def tally(voice: Voice, counts: Tally) -> Line:
    return voice.ngettext(
        # Translators: a tally; the plural follows {count}, the number of nodes.
        "{yes} yes, {aside} stand aside, {no} no, {block} block ({voted} of {count} node voted)",
        "{yes} yes, {aside} stand aside, {no} no, {block} block ({voted} of {count} nodes voted)",
        counts.nodes,
        yes=counts.yes,
        aside=counts.stand_aside,
        no=counts.no,
        block=counts.block,
        voted=counts.voted,
    )


def note(voice: Voice, item: Note) -> Line:
    """A DST, leap-day or wave note in the room's language."""
    values = item.values
    if item.kind == "dst-overlap":
        return voice._(
            "{clock} happens twice on {date} in {zone} (clocks go back): using the first "
            "({offset})",
            clock=values.get("clock", ""),
            date=_day(voice, values.get("day", "")),
            zone=values.get("zone", ""),
            offset=values.get("offset", ""),
        )
    if item.kind == "dst-gap":
        return voice._(
            "{clock} does not exist on {date} in {zone} (clocks jump forward): using {shown}",
            clock=values.get("clock", ""),
            date=_day(voice, values.get("day", "")),
            zone=values.get("zone", ""),
            shown=values.get("shown", ""),
        )
    if item.kind == "leap-day":
        return voice._("{year} has no 29 February: using 28 February", year=values.get("year", ""))
    if item.kind == "passed-for":
        return voice._("already passed for: {nodes}", nodes=values.get("nodes", ""))
    return (Span(values.get("text", "")),)


def _day(voice: Voice, iso: str) -> str:
    try:
        return voice.day(date.fromisoformat(iso))
    except ValueError:
        return iso
