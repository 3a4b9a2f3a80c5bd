"""Admission by a vote of the nodes: what node rooms read."""

from __future__ import annotations

from datetime import datetime

from actionbot.core.decisions import Vote
from actionbot.core.nodes import Node
from actionbot.render import words
from actionbot.render.admission import details
from actionbot.render.reply import Reply, bold, code, error_reply, reply
from actionbot.render.voice import Voice


def asks_to_vote(voice: Voice, request: Node, deadline: datetime, prefix: str) -> Reply:
    return reply(
        voice._("A room asks to join the network: {node}", node=details(voice, request)),
        voice._(
            "The nodes decide, as for windows. Your node's vote: {command} — by {when}.",
            command=code(f"{prefix}node vote {request.id} yes|stand-aside|no|block"),
            when=voice.moment(deadline),
        ),
    )


def recorded(voice: Voice, request: Node, choice: Vote, *, admitted: bool) -> Reply:
    lines: list = [
        voice._(
            "Recorded: this node votes {vote} on admitting {name}.",
            vote=words.vote(voice, str(choice)),
            name=bold(request.name),
        )
    ]
    if admitted:
        lines.append(voice._("Every node agreed: {name} is admitted.", name=bold(request.name)))
    return reply(*lines)


def not_by_vote(voice: Voice) -> Reply:
    return error_reply(voice._("In this network the coordinators admit new nodes, not a vote."))
