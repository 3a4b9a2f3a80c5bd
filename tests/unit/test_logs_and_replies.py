"""Redaction in the log pipeline; reply rendering and notice content."""

from __future__ import annotations

import io
import json
import logging

import pytest

from actionbot.logs import REDACTED, JsonFormatter, RedactingFilter, TextFormatter
from actionbot.matrix.content import notice_content
from actionbot.render.reply import bold, code, error_reply, reply


def _format(record_kwargs: dict, secrets=("hunter2-pass",), fmt=None) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(fmt or TextFormatter())
    handler.addFilter(RedactingFilter(secrets))
    logger = logging.getLogger(f"test.redact.{id(stream)}")
    logger.propagate = False
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.info(*record_kwargs["args"], extra=record_kwargs.get("extra"))
    return stream.getvalue()


@pytest.mark.parametrize(
    "args",
    [
        ("password is %s", "hunter2-pass"),
        ("token syt_YWxpY2U_abcdefghijklmnop_123456 used",),
        ("in extra",),
    ],
)
def test_secrets_and_token_shapes_are_redacted(args) -> None:
    out = _format({"args": args, "extra": {"detail": "hunter2-pass syt_x_abcdefghij_k"}})
    assert "hunter2-pass" not in out and "syt_YWxpY2U" not in out and "abcdefghij" not in out
    assert REDACTED in out


def test_json_format_carries_fields() -> None:
    out = _format({"args": ("joined room",), "extra": {"room_id": "!r:x"}}, fmt=JsonFormatter())
    data = json.loads(out)
    assert data["msg"] == "joined room" and data["room_id"] == "!r:x" and data["level"] == "INFO"


def test_reply_renders_html_escaped_and_plain() -> None:
    message = reply(["Node ", bold("<Kyiv & co>"), " registered: ", code("!node")], "second")
    assert message.plain() == "Node <Kyiv & co> registered: `!node`\nsecond"
    assert message.html() == (
        "Node <b>&lt;Kyiv &amp; co&gt;</b> registered: <code>!node</code><br>\nsecond"
    )
    assert error_reply("bad").plain().startswith("⚠️ bad")


def test_notice_content_replies_and_mentions() -> None:
    content = notice_content(reply("hi"), in_reply_to="$cmd", mention="@a:x")
    assert content == {
        "msgtype": "m.notice",
        "body": "hi",
        "format": "org.matrix.custom.html",
        "formatted_body": "hi",
        "m.mentions": {"user_ids": ["@a:x"]},
        "m.relates_to": {"m.in_reply_to": {"event_id": "$cmd"}},
    }
    assert notice_content(reply("x"))["m.mentions"] == {}


def test_a_typed_backtick_cannot_close_code_early_in_plain_text() -> None:
    assert reply(["x ", code("a`b"), " ", code("ok")]).plain() == "x `` a`b `` `ok`"
    assert reply([code("``")]).plain() == "``` `` ```"


def test_a_library_quoting_an_event_is_cut_short() -> None:
    """nio logs invalid events with their content: the body and the people go."""
    import io
    import logging

    from actionbot.logs import setup_logging

    stream = io.StringIO()
    setup_logging(level="WARNING", fmt="text", stream=stream)
    logging.getLogger("nio.events.misc").warning(
        "Error validating event: {'body': 'meet at the square at 6', 'sender': '@ana:example.org'}"
        " is not of type 'string'\\nFailed validating"
    )
    logged = stream.getvalue()
    assert "Error validating event" in logged
    assert "square" not in logged and "@ana" not in logged


def test_a_quoted_value_from_an_event_is_withheld_too() -> None:
    """Review: jsonschema quotes a bad value ("'SECRET joined' is not one of …"), so a
    member could write 200 chosen characters into the operator's logs."""
    from actionbot.logs import withhold

    for line in (
        "Error validating event: 'Ana is at the square' is not one of ['join', 'leave']",
        "Error validating event: \"Ana is at the square\" is not a 'user_id'",
    ):
        kept = withhold(line)
        assert "Error validating event" in kept and "square" not in kept, kept
