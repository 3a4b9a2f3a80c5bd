"""Rotas as pure flows: start, hand over, remind the day before, stop.

The runner reads the room (who is in it now, their levels, its creators) into
:class:`RoomPeople`; these functions decide the rest. Power changes are outbox rows, so they
happen after the announcement that explains them, exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from actionbot.core.changes import EndRotation, SaveRotation
from actionbot.core.keys import JobId, JobKind, MessageKey, MessageKind
from actionbot.core.nodes import Node
from actionbot.core.rotation import Rotation, next_handover, power_change
from actionbot.flows.context import FlowContext
from actionbot.flows.effects import Effects, Job, Notice, SetPower
from actionbot.render import rotation as text
from actionbot.render.reply import Reply
from actionbot.render.voice import Voice

SOON = timedelta(days=1)


@dataclass(frozen=True, kw_only=True)
class RoomPeople:
    """The room as it is now: present members by their hash, levels, creators, the bot.

    ``listed`` also holds people who left but whom the power levels still name: a holder
    who leaves keeps the level the rota gave them until the rota gives it back."""

    present: Mapping[str, str]  # person hash → user id
    levels: Mapping[str, int]  # user id → current power level (queued changes included)
    creators: frozenset[str]
    me: str
    known: bool = True  # False: the server could not tell the levels; change none
    listed: Mapping[str, str] = field(default_factory=dict)  # person hash → user id


def jobs(rota: Rotation, now: datetime) -> tuple[Job, ...]:
    found = (Job(id=JobId(kind=JobKind.HANDOVER, rota=rota.id), at=rota.next_at),)
    if rota.next_at - SOON > now:
        found += (Job(id=JobId(kind=JobKind.HANDOVER_SOON, rota=rota.id), at=rota.next_at - SOON),)
    return found


def _cancel(rota: Rotation) -> tuple[JobId, ...]:
    return (
        JobId(kind=JobKind.HANDOVER, rota=rota.id),
        JobId(kind=JobKind.HANDOVER_SOON, rota=rota.id),
    )


def _present_from(rota: Rotation, people: RoomPeople, start: int) -> int | None:
    """The first member from ``start`` on (wrapping) who is still in the room."""
    for step in range(len(rota.members)):
        index = (start + step) % len(rota.members)
        if rota.members[index] in people.present:
            return index
    return None


def _power(
    rota: Rotation, people: RoomPeople, member: str, *, raise_it: bool, stamp: int
) -> tuple[Rotation, tuple[SetPower, ...]]:
    """Raise or restore one member's level per :func:`power_change`. Only someone in the
    room is raised; a level the rota gave is given back even to someone who left."""
    user = people.present.get(member)
    if user is None and not raise_it:
        user = people.listed.get(member)
    if rota.power is None or user is None or not people.known:
        return rota, ()
    current = people.levels.get(user, 0)
    before = None if raise_it else rota.prior.get(member)
    if not raise_it and before is None:
        return rota, ()
    level = power_change(
        current=current,
        target=rota.power,
        before=before,
        is_creator=user in people.creators,
        is_self=user == people.me,
    )
    prior = dict(rota.prior)
    if raise_it and level is not None:
        prior[member] = current
    if not raise_it:
        prior.pop(member, None)
    rota = replace(rota, prior=prior)
    if level is None:
        return rota, ()
    key = MessageKey(
        kind=MessageKind.POWER,
        rota=rota.id,
        session=member[:16],
        due=stamp,
        index=int(raise_it),
    )
    return rota, (SetPower(key=key, room_id=rota.room_id, user_id=user, level=level),)


def start(
    ctx: FlowContext,
    *,
    rota: Rotation,
    people: RoomPeople,
    replaced: Rotation | None,
    node: Node | None,
    nodes: Sequence[Node],
    event_id: str,
    now: datetime,
) -> Effects:
    """A new rota (or one replacing the room's rota for the same duty)."""
    effects = Effects()
    if replaced is not None:
        effects = wind_down(ctx, replaced, people, now)
    first = _present_from(rota, people, 0)
    if first is None:
        first = 0
    rota = replace(rota, position=first)
    stamp = int(now.timestamp())
    rota, power = _power(rota, people, rota.holder, raise_it=True, stamp=stamp)
    voice = ctx.voices.of(node)
    shown = text.people(rota, people.present)
    told = Notice(
        key=MessageKey(kind=MessageKind.ROTA, rota=rota.id, event=event_id),
        room_id=rota.room_id,
        reply=text.started(voice, rota, shown, people.present.get(rota.holder)),
        mention=people.present.get(rota.holder),
    )
    audit = _audit(ctx, rota, nodes, lambda v: text.audit_started(v, rota, node), event_id)
    return effects + Effects(
        changes=(SaveRotation(rotation=rota),),
        messages=(told, *power, *audit),
        schedule=jobs(rota, now),
    )


def handover(
    ctx: FlowContext,
    *,
    rota: Rotation,
    people: RoomPeople,
    node: Node | None,
    nodes: Sequence[Node],
    now: datetime,
) -> Effects:
    """Pass the duty to the next member still in the room; the next hand-over follows the
    cadence from now (a skip starts a full turn)."""
    previous = rota.holder
    following = _present_from(rota, people, rota.following())
    if following is None:
        following = rota.following()
    stamp = int(now.timestamp())
    rota, lower = _power(rota, people, previous, raise_it=False, stamp=stamp)
    rota = replace(rota, position=following, next_at=next_handover(rota.cadence, now))
    rota, lift = _power(rota, people, rota.holder, raise_it=True, stamp=stamp)
    voice = ctx.voices.of(node)
    told = Notice(
        key=MessageKey(kind=MessageKind.ROTA, rota=rota.id, due=stamp),
        room_id=rota.room_id,
        reply=text.handed_over(
            voice, rota, people.present.get(previous), people.present.get(rota.holder)
        ),
        mention=people.present.get(rota.holder),
    )
    audit = _audit(ctx, rota, nodes, lambda v: text.audit_handover(v, rota, node), str(stamp))
    return Effects(
        changes=(SaveRotation(rotation=rota),),
        messages=(told, *lower, *lift, *audit),
        schedule=jobs(rota, now),
        cancel=_cancel(rota),
    )


def soon(ctx: FlowContext, *, rota: Rotation, people: RoomPeople, node: Node | None) -> Effects:
    """The day before: the next holder (and the room) are reminded."""
    following = _present_from(rota, people, rota.following())
    if following is None:
        return Effects()
    user = people.present.get(rota.members[following])
    told = Notice(
        key=MessageKey(
            kind=MessageKind.ROTA, rota=rota.id, due=int(rota.next_at.timestamp()), index=0
        ),
        room_id=rota.room_id,
        reply=text.soon(ctx.voices.of(node), rota, people.present.get(rota.holder), user),
        mention=user,
    )
    return Effects(messages=(told,))


def stop(
    ctx: FlowContext,
    *,
    rota: Rotation,
    people: RoomPeople,
    node: Node | None,
    nodes: Sequence[Node],
    now: datetime,
) -> Effects:
    effects = wind_down(ctx, rota, people, now)
    audit = _audit(ctx, rota, nodes, lambda v: text.audit_stopped(v, rota, node), "stop")
    return effects + Effects(messages=audit)


def wind_down(ctx: FlowContext, rota: Rotation, people: RoomPeople, now: datetime) -> Effects:
    """End a rota: the holder gets back the level they had before it. Also run for every
    rota of a node room that leaves the network, before the bot leaves the room."""
    _, lower = _power(rota, people, rota.holder, raise_it=False, stamp=int(now.timestamp()))
    return Effects(
        changes=(EndRotation(rotation_id=rota.id),), messages=lower, cancel=_cancel(rota)
    )


def _audit(
    ctx: FlowContext,
    rota: Rotation,
    nodes: Sequence[Node],
    render: Callable[[Voice], Reply],
    tag: str,
) -> tuple[Notice, ...]:
    """The coordination room's record of role changes: by node name, never by person."""
    if rota.room_id == ctx.settings.coordination_room:
        return ()
    return ctx.to_coordination(
        MessageKey(kind=MessageKind.ROTA, rota=rota.id, room="audit", event=tag), nodes, render
    )
