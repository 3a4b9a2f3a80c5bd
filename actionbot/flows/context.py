"""What every flow may consult besides its state and event: typed settings, the voices of
the rooms, and the calendar — all built once by the composition root."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from actionbot.config import Config
from actionbot.core.calendar import Calendar
from actionbot.core.decisions import Rule
from actionbot.core.nodes import Node
from actionbot.core.reminders import Offset
from actionbot.core.when import ClockTime
from actionbot.flows.effects import MessageKey, MessageKind, Notice
from actionbot.render.catalogs import Voices
from actionbot.render.reply import Reply
from actionbot.render.voice import Voice


@dataclass(frozen=True, kw_only=True)
class Settings:
    coordination_room: str | None
    prefix: str
    rule: Rule
    offsets: tuple[Offset, ...]
    decision_period: timedelta
    default_duration: timedelta
    default_at: ClockTime
    late_grace: timedelta
    late_after: timedelta
    polls: bool
    request_expiry: timedelta = timedelta(days=7)
    admission: str = "coordinators"
    rsvp_emoji: str = "🙋"
    pin_guidelines: bool = True
    report_grace: timedelta = timedelta(hours=48)

    @classmethod
    def from_config(cls, config: Config) -> Settings:
        return cls(
            coordination_room=config.coordination_room,
            prefix=config.command_prefix,
            rule=Rule(quorum=config.quorum, consensus_only=config.consensus_only),
            offsets=tuple(config.reminder_offsets),
            decision_period=config.decision_period,
            default_duration=config.window_default_duration,
            default_at=config.window_default_time,
            late_grace=config.reminder_late_grace,
            late_after=config.reminder_late_after,
            polls=config.polls,
            request_expiry=config.request_expiry,
            admission=config.admission,
            rsvp_emoji=config.rsvp_emoji,
            pin_guidelines=config.pin_guidelines,
            report_grace=config.report_grace,
        )


@dataclass(frozen=True, kw_only=True)
class FlowContext:
    settings: Settings
    voices: Voices
    calendar: Calendar

    def coordination_voice(self, nodes: Iterable[Node]) -> Voice:
        """The coordination room speaks its node's language if it is one, else the default."""
        room = self.settings.coordination_room
        return self.voices.of(next((n for n in nodes if n.room_id == room), None))

    def to_coordination(
        self,
        key: MessageKey,
        nodes: Sequence[Node],
        render: Callable[[Voice], Reply],
        *,
        skip: str | None = None,
        coalesce: str | None = None,
    ) -> tuple[Notice, ...]:
        """One notice for the coordination room (none if there is none, or it acted);
        ``coalesce``: a newer notice about the same thing replaces it while it waits."""
        room = self.settings.coordination_room
        if not room or room == skip:
            return ()
        reply = render(self.coordination_voice(nodes))
        return (Notice(key=key, room_id=room, reply=reply, coalesce=coalesce),)

    def broadcast(
        self,
        kind: MessageKind,
        window: str,
        nodes: Sequence[Node],
        render: Callable[[Voice, Node | None], Reply],
        *,
        skip: str | None = None,
    ) -> tuple[Notice, ...]:
        """The same news for the coordination room and every node room, each in its own
        language and zone; the room that acted (``skip``) gets its own answer instead."""
        room = self.settings.coordination_room
        here = next((n for n in nodes if n.room_id == room), None)
        out = list(
            self.to_coordination(
                MessageKey(kind=kind, window=window), nodes, lambda v: render(v, here), skip=skip
            )
        )
        for node in self.node_rooms(nodes, skip=skip):
            out.append(
                Notice(
                    key=MessageKey(kind=kind, window=window, node=node.id),
                    room_id=node.room_id,
                    reply=render(self.voices.of(node), node),
                )
            )
        return tuple(out)

    def node_rooms(self, nodes: Sequence[Node], *, skip: str | None = None) -> list[Node]:
        """Node rooms other than the coordination room (it is told separately) and the
        room that acted (it gets its own answer)."""
        return [n for n in nodes if n.room_id not in (skip, self.settings.coordination_room)]
