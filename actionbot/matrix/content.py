"""Event content the bot sends: always ``m.notice`` (bots must not trigger other bots),
with an HTML body and a plain-text fallback, replying to the command when there is one;
native polls (MSC3381, with the stable ``m.poll`` content too) and their end events.

No reply fallback (quoted text) is included: it was removed from the spec (MSC2781) and
would copy the command's text into the bot's message.
"""

from __future__ import annotations

from typing import Any

from actionbot.render.polls import PollText
from actionbot.render.reply import Reply

POLL_START = "org.matrix.msc3381.poll.start"
POLL_END = "org.matrix.msc3381.poll.end"
MESSAGE = "m.room.message"


def notice_content(
    reply: Reply, *, in_reply_to: str | None = None, mention: str | None = None
) -> dict[str, Any]:
    content: dict[str, Any] = {
        "msgtype": "m.notice",
        "body": reply.plain(),
        "format": "org.matrix.custom.html",
        "formatted_body": reply.html(),
        "m.mentions": {"user_ids": [mention]} if mention else {},
    }
    if in_reply_to:
        content["m.relates_to"] = {"m.in_reply_to": {"event_id": in_reply_to}}
    return content


def edit_content(row: dict[str, Any], target: str) -> dict[str, Any]:
    """An ``m.replace`` edit of the bot's own message ``target`` with ``row["new"]``;
    clients without edits show the starred fallback."""
    new = dict(row.get("new") or {})
    new.pop("m.relates_to", None)
    return {
        "msgtype": new.get("msgtype", "m.notice"),
        "body": f"* {new.get('body', '')}",
        "format": "org.matrix.custom.html",
        "formatted_body": f"* {new.get('formatted_body', '')}",
        "m.new_content": new,
        "m.mentions": {},
        "m.relates_to": {"rel_type": "m.replace", "event_id": target},
    }


def thread_content(row: dict[str, Any], root: str) -> dict[str, Any]:
    """``row["content"]`` in the thread under ``root`` (with a reply fallback for clients
    without threads)."""
    content = dict(row.get("content") or {})
    content["m.relates_to"] = {
        "rel_type": "m.thread",
        "event_id": root,
        "is_falling_back": True,
        "m.in_reply_to": {"event_id": root},
    }
    return content


def file_content(content: dict[str, Any], *, in_reply_to: str | None) -> dict[str, Any]:
    """An uploaded file's ``m.file`` content, as a reply to the command that asked for it."""
    if not in_reply_to:
        return dict(content)
    return {**content, "m.relates_to": {"m.in_reply_to": {"event_id": in_reply_to}}}


def poll_start_content(text: PollText) -> dict[str, Any]:
    """A native Matrix poll: the unstable (MSC3381) event most clients render, carrying the
    stable ``m.poll`` content too, plus a text fallback for clients without polls."""
    return {
        POLL_START: {
            "kind": "org.matrix.msc3381.poll.disclosed",
            "max_selections": 1,
            "question": {"org.matrix.msc1767.text": text.question, "body": text.question},
            "answers": [
                {"id": key, "org.matrix.msc1767.text": label} for key, label in text.answers
            ],
        },
        "m.poll": {
            "kind": "m.disclosed",
            "max_selections": 1,
            "question": {"m.text": [{"body": text.question}]},
            "answers": [{"m.id": key, "m.text": [{"body": label}]} for key, label in text.answers],
        },
        "m.mentions": {},  # a title must never ping a room or a person
        "org.matrix.msc1767.text": text.fallback,
        "m.text": [{"body": text.fallback}],
        "body": text.fallback,
    }


def poll_end_content(poll_event_id: str, text: str) -> dict[str, Any]:
    return {
        "m.relates_to": {"rel_type": "m.reference", "event_id": poll_event_id},
        POLL_END: {},
        "m.mentions": {},
        "org.matrix.msc1767.text": text,
        "m.text": [{"body": text}],
        "body": text,
    }
