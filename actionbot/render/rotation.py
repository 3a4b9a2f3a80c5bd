"""Rotas: what a room and the coordination room read. In the room, people are named by the
Matrix ids they show there; the coordination room's record names the node, never a person."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from actionbot.core.durations import DurationError, parse_duration
from actionbot.core.nodes import Node
from actionbot.core.rotation import MOON_CADENCES, Rotation, RotationError
from actionbot.render import words
from actionbot.render.reply import Line, Reply, bold, code, error_reply, reply
from actionbot.render.voice import Voice

USAGE = "rotation set <duty> @person @person … every <7d|full moon|new moon> [power=50]"


def cadence(voice: Voice, value: str) -> str:
    if value in MOON_CADENCES:
        return words.phase(voice, value)
    period = parse_duration(value)
    return value if isinstance(period, DurationError) else voice.duration(period)


def who(voice: Voice, user: str | None) -> str:
    return user if user else voice.s(voice._("someone who has left the room"))


def people(rota: Rotation, present: Mapping[str, str]) -> list[str | None]:
    return [present.get(member) for member in rota.members]


def started(voice: Voice, rota: Rotation, shown: Sequence[str | None], holder: str | None) -> Reply:
    lines: list = [
        voice._(
            "Rota for {duty}: {holder} starts; then, in turn: {order}.",
            duty=bold(rota.duty),
            holder=who(voice, holder),
            order=", ".join(who(voice, u) for u in shown),
        ),
        voice._(
            "Hand-over every {cadence}; the next one: {when}.",
            cadence=cadence(voice, rota.cadence),
            when=voice.moment(rota.next_at),
        ),
    ]
    if rota.power is not None:
        lines.append(
            voice._(
                "Whoever is on duty gets power level {level} here while it lasts, where the "
                "room lets me (never lowering anyone, never a room creator).",
                level=rota.power,
            )
        )
    return reply(*lines)


def handed_over(voice: Voice, rota: Rotation, previous: str | None, holder: str | None) -> Reply:
    return reply(
        voice._(
            "{duty}: {holder} takes over from {previous}, until {when}. Thank you, and rest!",
            duty=bold(rota.duty),
            holder=who(voice, holder),
            previous=who(voice, previous),
            when=voice.moment(rota.next_at),
        )
    )


def soon(voice: Voice, rota: Rotation, holder: str | None, following: str | None) -> Reply:
    return reply(
        voice._(
            "Tomorrow {duty} passes from {holder} to {following} ({when}).",
            duty=bold(rota.duty),
            holder=who(voice, holder),
            following=who(voice, following),
            when=voice.moment(rota.next_at),
        )
    )


def listing(
    voice: Voice, rotas: Sequence[Rotation], present: Mapping[str, str], prefix: str
) -> Reply:
    if not rotas:
        return reply(
            voice._("No rotas in this room."),
            voice._("Set one with {command}", command=code(prefix + USAGE)),
        )
    lines: list[Line] = []
    for rota in rotas:
        following = rota.members[rota.following()]
        lines.append(
            voice._(
                "• {duty}: {holder} until {when}, then {following} (every {cadence})",
                duty=bold(rota.duty),
                holder=who(voice, present.get(rota.holder)),
                when=voice.moment(rota.next_at),
                following=who(voice, present.get(following)),
                cadence=cadence(voice, rota.cadence),
            )
        )
    return reply(*lines)


def stopped(voice: Voice, rota: Rotation) -> Reply:
    return reply(voice._("The rota for {duty} has ended.", duty=bold(rota.duty)))


def audit_started(voice: Voice, rota: Rotation, node: Node | None) -> Reply:
    return reply(
        voice.ngettext(
            "Node {node} set a rota for {duty}: {count} person, every {cadence}.",
            "Node {node} set a rota for {duty}: {count} people, every {cadence}.",
            len(rota.members),
            node=bold(node.name if node else "?"),
            duty=bold(rota.duty),
            cadence=cadence(voice, rota.cadence),
        )
    )


def audit_handover(voice: Voice, rota: Rotation, node: Node | None) -> Reply:
    return reply(
        voice._(
            "Node {node}: {duty} passed to the next person in its rota.",
            node=bold(node.name if node else "?"),
            duty=bold(rota.duty),
        )
    )


def audit_stopped(voice: Voice, rota: Rotation, node: Node | None) -> Reply:
    return reply(
        voice._(
            "Node {node} ended its rota for {duty}.",
            node=bold(node.name if node else "?"),
            duty=bold(rota.duty),
        )
    )


def set_error(voice: Voice, error: RotationError, prefix: str) -> Reply:
    problems = {
        "duty": voice._("Name the duty first, in one word (letters, digits, - or _)."),
        "people": voice._("Name 2 to 12 people by their Matrix ids, like @name:server."),
        "repeated": voice._("{person} is named twice.", person=error.value),
        "every": voice._("After the people, write “every” and how often the duty passes on."),
        "cadence": voice._(
            "“{word}” is not a duration like 7d, nor full moon or new moon.", word=error.value
        ),
        "too-often": voice._("A hand-over at most every hour, please: duties need time."),
        "power": voice._("power= takes a level from 1 to 100."),
    }
    return error_reply(
        problems[error.reason],
        voice._("Usage: {usage}", usage=code(prefix + USAGE)),
        voice._(
            "Example: {command}",
            command=code(
                f"{prefix}rotation set security @ana:example.org @ben:example.org every 7d"
            ),
        ),
    )


def only_moderators(voice: Voice) -> Reply:
    return error_reply(
        voice._(
            "Only this node room's moderators, or coordinators in the coordination room, can "
            "change rotas."
        )
    )


def not_here(voice: Voice) -> Reply:
    return error_reply(voice._("Rotas work in admitted node rooms and the coordination room."))


def no_such_rota(voice: Voice, duty: str, prefix: str) -> Reply:
    return error_reply(
        voice._("There is no rota for “{duty}” in this room.", duty=duty),
        voice._("The rotas here: {command}", command=code(f"{prefix}rotation")),
    )


def which_duty(voice: Voice, prefix: str, command: str) -> Reply:
    return error_reply(
        voice._("Which duty?"), voice._("Usage: {usage}", usage=code(prefix + command))
    )


def set_done(voice: Voice, rota: Rotation) -> Reply:
    return reply(
        voice.ngettext(
            "Rota for {duty} saved: {count} person, every {cadence}.",
            "Rota for {duty} saved: {count} people, every {cadence}.",
            len(rota.members),
            duty=bold(rota.duty),
            cadence=cadence(voice, rota.cadence),
        )
    )


def skipped(voice: Voice, rota: Rotation) -> Reply:
    return reply(
        voice._(
            "{duty} has passed on now; the next hand-over: {when}.",
            duty=bold(rota.duty),
            when=voice.moment(rota.next_at),
        )
    )


def power_above_own(voice: Voice, own: int) -> Reply:
    return error_reply(
        voice._("A rota can hand out at most your own power level here ({level}).", level=own)
    )


def power_clash(voice: Voice, person: str, duty: str) -> Reply:
    return error_reply(
        voice._(
            "{person} is already in the rota for {duty}, which also changes power levels "
            "here. A person can be in only one rota with power= per room: leave them out, "
            "or set this rota without power=.",
            person=person,
            duty=bold(duty),
        )
    )
