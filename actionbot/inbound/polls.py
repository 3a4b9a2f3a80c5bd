"""Answers to the bot's polls: a node's vote, under the same rules as ``!vote``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from actionbot.config import Config
from actionbot.core.changes import MarkHandled
from actionbot.core.decisions import read_vote
from actionbot.core.keys import MessageKey, MessageKind
from actionbot.flows.applier import outgoing
from actionbot.flows.decide import VoteResult
from actionbot.flows.effects import Effects, Notice, Response
from actionbot.flows.runner import Runner
from actionbot.matrix import events
from actionbot.matrix.connection import Connection
from actionbot.render import system
from actionbot.render import window_views as views
from actionbot.render.catalogs import Voices
from actionbot.render.reply import Reply
from actionbot.store.events import EventLog
from actionbot.store.nodes import NodeStore
from actionbot.store.windows import WindowStore

log = logging.getLogger(__name__)


class PollHandler:
    def __init__(
        self,
        *,
        config: Config,
        connection: Connection,
        runner: Runner,
        windows: WindowStore,
        nodes: NodeStore,
        voices: Voices,
        handled: EventLog,
        notify: Callable[[], None],
        clock: Callable[[], datetime],
    ) -> None:
        self._config = config
        self._connection = connection
        self._runner = runner
        self._windows = windows
        self._nodes = nodes
        self._voices = voices
        self._handled = handled
        self._notify = notify
        self._clock = clock

    async def handle(self, answer: events.PollAnswer) -> None:
        if await self._handled.is_handled(answer.event_id):
            return
        poll = await self._windows.poll_by_event(answer.poll_event_id)
        if poll is None or poll.room_id != answer.room_id:
            return  # someone else's poll (relations across rooms are refused anyway)
        node = await self._nodes.by_id(poll.node_id)
        window = await self._windows.get(poll.window_id)
        voice = self._voices.of(node)
        problem: Reply | None = None
        # Older polls offered "abstain": it reads as stand-aside.
        choice = read_vote(answer.answers[0]) if answer.answers else None
        why = "closed"
        if node is None or not node.admitted or window is None or choice is None:
            problem, why = system.poll_answer_not_counted(voice), "invalid"
        elif self._config.voters == "moderators" and answer.sender not in self._config.coordinators:
            level = await self._connection.power_level(answer.room_id, answer.sender)
            if level < self._config.register_min_power_level:
                problem, why = system.poll_answer_moderators_only(voice), "moderators"
        person = self._runner.person_hash(answer.sender)

        def problem_notice(reply: Reply) -> Notice:
            # Each problem is said once per person and poll, however often they answer (a
            # client can send a hundred answers): the bot's replies must not become the
            # noise in a room. Votes themselves are never limited.
            return Notice(
                key=MessageKey(
                    kind=MessageKind.NOT_COUNTED,
                    event=answer.poll_event_id,
                    session=f"{why}-{person[:16]}",
                ),
                room_id=answer.room_id,
                reply=reply,
                in_reply_to=answer.event_id,
                mention=answer.sender,
            )

        def answered(result: VoteResult) -> Effects:
            # The handled mark (and the "voting closed" notice) go in the vote's own
            # transaction: a replayed answer cannot count twice.
            closed = views.voting_closed(voice, result.window) if result.closed else None
            return Effects(
                changes=(MarkHandled(event_id=answer.event_id, room_id=answer.room_id),),
                messages=(problem_notice(closed),) if closed else (),
            )

        response = Response(answered)
        if problem is None and node is not None and window is not None and choice is not None:
            result = await self._runner.vote(
                window=window,
                node=node,
                choice=choice,
                via="poll",
                event_id=answer.event_id,
                response=response,
            )
            if result.closed:
                problem = views.voting_closed(voice, result.window)
        if not response.applied:
            messages = [outgoing(problem_notice(problem))] if problem is not None else []
            await self._handled.record_handled(
                event_id=answer.event_id,
                room_id=answer.room_id,
                now=self._clock(),
                messages=messages,
            )
        log.info(
            "poll answer handled", extra={"room_id": answer.room_id, "counted": problem is None}
        )
        self._notify()
