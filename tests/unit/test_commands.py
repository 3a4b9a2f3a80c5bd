"""Command handlers end to end through the dispatcher, on a real SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from actionbot.commands.node import RegisterRequest, parse_register
from actionbot.render.catalogs import Catalogs, Voices
from actionbot.render.help import COMMANDS
from tests.unit.harness import make_harness

EN = Voices(Catalogs.source_only(), "en").default()

NOW = datetime(2027, 3, 8, 16, 0, tzinfo=UTC)
COORD = "!coord:example.org"


@pytest.fixture
async def commands(tmp_path: Path):
    harness = await make_harness(
        tmp_path,
        NOW,
        bot={
            "coordination_room": COORD,
            "coordinators": ["@coord:example.org"],
            "default_timezone": "Europe/Lisbon",
        },
        windows={"open_proposals": 100},  # the example tests propose many windows
    )
    yield harness
    await harness.db.close()


async def run(commands, body, **kw):
    return await commands.run(body, **kw)


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
    assert parse_register(EN, args) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "needs a name"),
        (("X", "tz=Nowhere/Land"), "“Nowhere/Land” is not a time zone I know"),
        (("X", "lang=klingon"), "I don't speak “klingon” yet. Languages: en (English), es"),
        (("X", "tz="), "needs a value"),
        (("X", "tz=UTC", "tz=UTC"), "given twice"),
        (("colour=red", "X"), "Unknown option colour="),
        (("X", "a=b"), "Unknown option a="),
        (("Kyiv:", "yes", "·", "Lviv"), "but not “:”"),
    ],
)
def test_parse_register_errors(args, message) -> None:
    result = parse_register(EN, args)
    assert isinstance(result, tuple) and message in EN.s(result)


async def test_help_lists_every_command(commands) -> None:
    outcome = await run(commands, "!help")
    text = outcome.reply.plain()
    for path, help_text in COMMANDS.items():
        assert f"!{help_text.usage}" in text, path
    assert "<code>!help [command]</code>" in outcome.reply.html()


async def test_help_for_one_command_and_unknown_topic(commands) -> None:
    text = (await run(commands, "!help node")).reply.plain()
    assert "!node register" in text and "Example: `!node register Kyiv" in text
    missing = await run(commands, "!help frobnicate")
    assert missing.reply.is_error and "There is no command `!frobnicate`" in missing.reply.plain()


async def test_non_commands_get_no_outcome(commands) -> None:
    assert await commands.commands.handle(await commands.ctx(), "just chatting") is None


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
    assert note.room_id == COORD and note.key.text().startswith("announce:$e")
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
    # Refused (markup characters are not allowed in names), and the echo is escaped.
    assert outcome.reply.is_error
    assert "“&lt;”" in outcome.reply.html()
    assert await commands.nodes.all() == []


async def test_node_in_coordination_room_has_no_self_announcement(commands) -> None:
    outcome = await run(commands, "!node register Coordination", room=COORD)
    assert outcome.announcements == ()
    shown = (await run(commands, "!node", room=COORD)).reply.plain()
    assert "coordination room" in shown


async def test_stray_arguments_are_explained(commands) -> None:
    outcome = await run(commands, "!nodes please", room=COORD)
    assert outcome.reply.is_error and "Choose a page from 1 to" in outcome.reply.plain()
    outcome = await run(commands, "!node frob")
    assert outcome.reply.is_error and "!node register" in outcome.reply.plain()


async def test_overlong_command(commands) -> None:
    outcome = await run(commands, "!help " + "x" * 5000)
    assert outcome.reply.is_error


async def test_handler_crash_becomes_an_apology(commands) -> None:
    async def broken(*_args):
        raise RuntimeError("bug")

    spec = next(s for s in commands.commands.table if s.path == ("nodes",))
    object.__setattr__(spec, "handler", broken)
    outcome = await run(commands, "!nodes", room=COORD)
    assert outcome.reply.is_error and "Something went wrong" in outcome.reply.plain()
    assert "bug" not in outcome.reply.plain() and "Traceback" not in outcome.reply.plain()


def test_a_city_zone_may_span_words_in_register() -> None:
    assert parse_register(EN, ("SP", "tz=sao", "paulo", "lang=PT-br")) == RegisterRequest(
        name="SP", timezone="America/Sao_Paulo", language="pt"
    )
    assert parse_register(EN, ("Kyiv", "Collective", "tz=KYIV")) == RegisterRequest(
        name="Kyiv Collective", timezone="Europe/Kyiv", language=None
    )


async def test_window_alone_lists_its_sub_commands(commands) -> None:
    outcome = await run(commands, "!window")
    text = outcome.reply.plain()
    assert "`!window` needs one more word" in text and "!window propose <when>" in text
    assert "Unknown command" not in text


async def test_anniversaries_are_listed_in_pages(commands) -> None:
    first = (await run(commands, "!anniversaries")).reply.plain()
    assert "`cable-street` — October 4: Battle of Cable Street (1936)" in first
    assert "Anniversaries, page 1 of" in first
    refused = await run(commands, "!anniversaries 99")
    assert refused.reply.is_error and "Choose a page from 1 to" in refused.reply.plain()


async def test_windows_are_listed_by_this_nodes_start_and_a_wave_passed_here_is_gone(
    commands,
) -> None:
    await run(commands, "!node register Kyiv tz=Europe/Kyiv", room="!kyiv:x", event="$k")
    await run(commands, "!node register Lima tz=America/Lima", room="!lima:x", event="$l")
    # 18:00 local happens in Kyiv at 16:00 UTC, in Lima at 23:00 UTC.
    await run(commands, "!window propose 2027-03-09 18:00 local; Wave", room="!kyiv:x", event="$w")
    await run(commands, "!window propose 2027-03-09 20:00 UTC; Global", room="!kyiv:x", event="$g")
    kyiv = (await run(commands, "!windows", room="!kyiv:x", event="$1")).reply.plain()
    lima = (await run(commands, "!windows", room="!lima:x", event="$2")).reply.plain()
    assert kyiv.index("Wave") < kyiv.index("Global")  # 16:00 UTC before 20:00 UTC
    assert lima.index("Global") < lima.index("Wave")  # 20:00 UTC before 23:00 UTC
    commands.now = datetime(2027, 3, 9, 17, 0, tzinfo=UTC)  # the wave has started in Kyiv
    kyiv = (await run(commands, "!windows", room="!kyiv:x", event="$3")).reply.plain()
    lima = (await run(commands, "!windows", room="!lima:x", event="$4")).reply.plain()
    assert "Wave" not in kyiv and "Wave" in lima


async def test_every_proposal_error_example_can_be_sent_as_it_is(commands) -> None:
    await run(commands, "!node register Athens tz=Europe/Athens", event="$n")
    bad = [
        "next full moon",
        "next full moon;   ",
        "next blue moon; t",
        "2027-02-30 18:00; t",
        "2027-03-08 25:00; t",
        "2027-04-08; t",
        "2027-03-08 18:00 Atlantis/Lost; t",
        "next full moon for soon; t",
        "next full moon for; t",
        "next full moon every week; t",
        "next full moon every year; t",
        "next new moon every full moon; t",
        "on 02-30; t",
        "anniversary; t",
        "anniversary nonsense-day; t",
        "gesture=BAD! next full moon; t",
        "tomorrow-ish; t",
        "; t",
        "2020-01-01 18:00; t",
        # Echoed parts that were past, impossible or unknown (review findings).
        "2020-01-01T10:00Z at 10:00; t",
        "2027-02-30T10:00Z at 10:00; t",
        "anniversary nosuch 27; t",
        "2020-01-01; t",
        "2020-01-01 18:00 at 19:00; t",
    ]
    for index, text in enumerate(bad):
        outcome = await run(commands, f"!window propose {text}", event=f"$b{index}")
        body = outcome.reply.plain()
        assert outcome.reply.is_error and "I couldn't read" not in body, body
        (example,) = [line for line in body.splitlines() if line.startswith("Example: ")]
        command = example.removeprefix("Example: ").strip("`")
        sent = await run(commands, command, event=f"$x{index}")
        assert not sent.reply.is_error, (text, command, sent.reply.plain())


async def test_a_past_instant_in_year_one_is_refused_not_crashed(commands) -> None:
    await run(commands, "!node register Lima tz=America/Lima", room="!lima:x", event="$l")
    outcome = await run(
        commands, "!window propose 0001-01-01T00:00Z; t", room="!lima:x", event="$p"
    )
    assert outcome.reply.is_error and "Something went wrong" not in outcome.reply.plain()


async def test_open_proposals_are_capped_per_node_and_windows_are_paged(tmp_path: Path) -> None:
    harness = await make_harness(tmp_path, NOW, windows={"open_proposals": 25})
    await harness.run("!node register Kyiv tz=UTC")
    for day in range(25):
        outcome = await harness.run(f"!window propose 2027-04-{day + 1:02d} 18:00; W{day}")
        assert not outcome.reply.is_error, outcome.reply.plain()
    refused = await harness.run("!window propose 2027-05-01 18:00; One too many")
    assert refused.reply.is_error
    assert "already has 25 proposals waiting" in refused.reply.plain()
    assert "!window cancel <id>" in refused.reply.plain()

    first = (await harness.run("!windows")).reply.plain()
    assert first.startswith("25 upcoming windows")
    assert first.count("\n• ") == 20 and "W0" in first and "W20" not in first
    assert "Next page: `!windows 2`" in first
    second = (await harness.run("!windows 2")).reply.plain()
    assert second.count("\n• ") == 5 and "W24" in second and "Next page" not in second
    beyond = await harness.run("!windows 3")
    assert beyond.reply.is_error and "from 1 to 2" in beyond.reply.plain()
    await harness.db.close()
