"""Recognising commands and finding their table entry."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actionbot.commands.parse import Invocation, parse_invocation, strip_reply_fallback
from actionbot.commands.registry import Group, Match, NoMatch, find


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("!help", ("help",)),
        ("  !help   node  register ", ("help", "node", "register")),
        (
            "!node register Kyiv Collective tz=Europe/Kyiv",
            ("node", "register", "Kyiv", "Collective", "tz=Europe/Kyiv"),
        ),
        ("> <@a:b> earlier text\n> more\n\n!nodes", ("nodes",)),
        ("!Help", ("Help",)),
    ],
)
def test_commands_are_recognised(body, words) -> None:
    assert parse_invocation(body, "!") == Invocation(words=words)


@pytest.mark.parametrize(
    "body",
    [
        "hello",
        "! help",
        "!!",
        "!",
        "!5",
        "see !help",
        "",
        "!ikQqCHhqspYyb6TfHn:example.org is our room",
        "!abc123:matrix.org",
        "!room_id:x",
    ],
)
def test_chat_is_not_a_command(body) -> None:
    assert parse_invocation(body, "!") is None


def test_other_prefix() -> None:
    assert parse_invocation("ab:help", "ab:") == Invocation(words=("help",))
    assert parse_invocation("!help", "ab:") is None


def test_only_the_first_line_is_the_command() -> None:
    body = "!window propose next full moon; Lights\n!vote abcde yes"
    assert parse_invocation(body, "!") == Invocation(
        words=("window", "propose", "next", "full", "moon;", "Lights")
    )


def test_overlong_command_is_flagged() -> None:
    result = parse_invocation("!help " + "x" * 3000, "!")
    assert result == Invocation(words=("help",), too_long=True)


def test_strip_reply_fallback_keeps_plain_bodies() -> None:
    assert strip_reply_fallback("!help\n> not a quote") == "!help\n> not a quote"


@given(st.text())
def test_parser_never_raises(body: str) -> None:
    result = parse_invocation(body, "!")
    assert result is None or isinstance(result, Invocation)


async def _noop(*_args):  # pragma: no cover - never awaited here
    raise AssertionError


def _table():
    from actionbot.commands.registry import CommandSpec

    def spec(*path: str) -> CommandSpec:
        return CommandSpec(path=path, handler=_noop)

    return (
        spec("help"),
        spec("node", "register"),
        spec("node"),
        spec("nodes"),
        spec("window", "propose"),
        spec("window", "show"),
    )


@pytest.mark.parametrize(
    ("words", "path", "args"),
    [
        (("node", "register", "A", "b"), ("node", "register"), ("A", "b")),
        (("NODE", "Register", "A"), ("node", "register"), ("A",)),
        (("node",), ("node",), ()),
        (("node", "frob"), ("node",), ("frob",)),
        (("nodes",), ("nodes",), ()),
    ],
)
def test_longest_path_wins(words, path, args) -> None:
    found = find(_table(), words)
    assert isinstance(found, Match)
    assert (found.spec.path, found.args) == (path, args)


def test_unknown_word_gets_suggestions_and_is_kept_as_typed() -> None:
    found = find(_table(), ("NodeZ",))
    assert isinstance(found, NoMatch)
    assert found.word == "NodeZ" and "nodes" in found.suggestions


@pytest.mark.parametrize(
    ("words", "typed"), [(("window",), ""), (("Window", "propse", "x"), "propse")]
)
def test_a_group_word_alone_or_with_a_typo_is_a_group(words, typed) -> None:
    found = find(_table(), words)
    assert isinstance(found, Group)
    assert found.typed == typed
    assert found.paths == (("window", "propose"), ("window", "show"))
