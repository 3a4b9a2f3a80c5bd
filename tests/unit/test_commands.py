"""Command handlers end to end through the dispatcher, on a real SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from actionbot.commands.context import CommandContext, Services
from actionbot.commands.dispatch import build_commands
from actionbot.commands.node import RegisterRequest, parse_register
from actionbot.config import Config, parse_config
from actionbot.store import Database, NodeStore

NOW = datetime(2027, 3, 8, 16, 0, tzinfo=UTC)
COORD = "!coord:example.org"


@pytest.fixture
async def commands(tmp_path: Path):
    config = parse_config(
        {
            "matrix": {
                "homeserver": "https://h.example.org",
                "user_id": "@bot:example.org",
                "password": "secret-pw",
            },
            "bot": {
                "coordination_room": COORD,
                "coordinators": ["@coord:example.org"],
                "default_timezone": "Europe/Lisbon",
            },
        },
        env={},
        base_dir=tmp_path,
    )
    assert isinstance(config, Config)
    db = await Database.open(tmp_path / "db.sqlite", now=NOW)
    yield build_commands(Services(config=config, nodes=NodeStore(db)))
    await db.close()


def ctx(room="!r1:example.org", sender="@mod:example.org", power=50, event="$e1"):
    async def sender_power() -> int:
        return power

    return CommandContext(
        room_id=room,
        sender=sender,
        event_id=event,
        now=NOW,
        sender_power=sender_power,
        is_coordinator=sender == "@coord:example.org",
        prefix="!",
    )


async def run(commands, body, **kw):
    outcome = await commands.handle(ctx(**kw), body)
    assert outcome is not None
    return outcome


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("Kyiv", "Collective", "tz=Europe/Kyiv", "lang=uk"),
            RegisterRequest(name="Kyiv Collective", timezone="Europe/Kyiv", language="uk"),
        ),
        (
            ("lang=es", "Ciudad", "de", "México", "TZ=America/Mexico_City"),
            RegisterRequest(name="Ciudad de México", timezone="America/Mexico_City", language="es"),
        ),
        (("Athens",), RegisterRequest(name="Athens", timezone=None, language=None)),
    ],
)
def test_parse_register(args, expected) -> None:
    assert parse_register(args) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "needs a name"),
        (("X", "tz=Nowhere/Land"), "not a known time zone"),
        (("X", "lang=klingon"), "not a language code"),
        (("X", "tz="), "needs a value"),
        (("X", "tz=UTC", "tz=UTC"), "given twice"),
        (("colour=red", "X"), "unknown option"),
        (("X", "a=b"), "unknown option `a=`"),
    ],
)
def test_parse_register_errors(args, message) -> None:
    result = parse_register(args)
    assert message in result.message


async def test_help_lists_every_command(commands) -> None:
    outcome = await run(commands, "!help")
    text = outcome.reply.plain()
    for spec in commands.table:
        assert f"!{spec.usage}" in text
    assert "<code>!help [command]</code>" in outcome.reply.html()


async def test_help_for_one_command_and_unknown_topic(commands) -> None:
    text = (await run(commands, "!help node")).reply.plain()
    assert "!node register" in text and "Example: `!node register Kyiv" in text
    missing = await run(commands, "!help frobnicate")
    assert missing.reply.is_error and "There is no command `!frobnicate`" in missing.reply.plain()


async def test_non_commands_get_no_outcome(commands) -> None:
    assert await commands.handle(ctx(), "just chatting") is None


async def test_unknown_command_suggests(commands) -> None:
    outcome = await run(commands, "!hepl")
    assert outcome.reply.is_error
    assert "Did you mean `!help`?" in outcome.reply.plain()


async def test_register_flow_and_announcement(commands) -> None:
    refused = await run(commands, "!node register Kyiv", power=0, sender="@member:example.org")
    assert refused.reply.is_error and "Only room moderators" in refused.reply.plain()

    outcome = await run(commands, "!node register Kyiv Collective tz=Europe/Kyiv lang=uk")
    assert "now a node" in outcome.reply.plain()
    (note,) = outcome.announcements
    assert note.room_id == COORD and note.key == "announce:$e1"
    assert "Kyiv Collective" in note.reply.plain() and "@mod" not in note.reply.plain()

    again = await run(commands, "!node register Kyiv Collective lang=en", event="$e2")
    assert "Updated this node" in again.reply.plain()
    assert "Europe/Kyiv" in again.reply.plain()  # unchanged fields are kept

    by_coordinator = await run(
        commands,
        "!node register Lisboa",
        power=0,
        sender="@coord:example.org",
        room="!r2:example.org",
    )
    assert "Europe/Lisbon" in by_coordinator.reply.plain()  # default zone from config

    listing = (await run(commands, "!nodes")).reply.plain()
    assert "2 nodes in the network" in listing
    assert "@mod" not in listing and "@coord" not in listing


async def test_node_name_markup_is_escaped(commands) -> None:
    outcome = await run(commands, "!node register <b>Evil</b>")
    assert "&lt;b&gt;Evil&lt;/b&gt;" in outcome.reply.html()
    assert "<b>Evil</b>" not in outcome.reply.html().replace("<b>&lt;", "")


async def test_node_in_coordination_room_has_no_self_announcement(commands) -> None:
    outcome = await run(commands, "!node register Coordination", room=COORD)
    assert outcome.announcements == ()
    shown = (await run(commands, "!node", room=COORD)).reply.plain()
    assert "coordination room" in shown


async def test_stray_arguments_are_explained(commands) -> None:
    outcome = await run(commands, "!nodes please")
    assert outcome.reply.is_error and "takes no arguments" in outcome.reply.plain()
    outcome = await run(commands, "!node frob")
    assert outcome.reply.is_error and "!node register" in outcome.reply.plain()


async def test_overlong_command(commands) -> None:
    outcome = await run(commands, "!help " + "x" * 5000)
    assert outcome.reply.is_error


async def test_handler_crash_becomes_an_apology(commands) -> None:
    async def broken(*_args):
        raise RuntimeError("bug")

    spec = next(s for s in commands.table if s.path == ("nodes",))
    object.__setattr__(spec, "handler", broken)
    outcome = await run(commands, "!nodes")
    assert outcome.reply.is_error and "Something went wrong" in outcome.reply.plain()
    assert "bug" not in outcome.reply.plain() and "Traceback" not in outcome.reply.plain()
