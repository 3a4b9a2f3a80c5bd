"""Event content the bot sends: always ``m.notice`` (bots must not trigger other bots),
with an HTML body and a plain-text fallback, replying to the command when there is one.

No reply fallback (quoted text) is included: it was removed from the spec (MSC2781) and
would copy the command's text into the bot's message.
"""

from __future__ import annotations

from typing import Any

from actionbot.render.reply import Reply


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
