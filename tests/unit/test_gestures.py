"""Gestures through the command layer: the library, proposals that name a gesture,
guidelines sent once per node on approval (pinned), adaptations, RSVPs, and additions."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from actionbot.core.keys import JobId, JobKind
from actionbot.core.outbox import EDIT, PIN, UNPIN
from actionbot.flows.effects import Job
from actionbot.gestures import shipped_gestures
from actionbot.inbound.rsvp import RsvpHandler
from actionbot.matrix import events
from tests.unit.harness import make_harness
from tests.unit.test_gesture_library import GOOD

NOW = datetime(2027, 3, 8, 16, 0, tzinfo=UTC)
COORD, KYIV, LIMA = "!coord:x", "!kyiv:x", "!lima:x"
COORDINATOR = "@coord:x"
ANA, BEN = "@ana:x", "@ben:x"


@pytest.fixture
async def net(tmp_path: Path):
    harness = await make_harness(
        tmp_path, NOW, bot={"coordination_room": COORD, "coordinators": [COORDINATOR]}
    )
    await harness.run("!node register Kyiv tz=Europe/Kyiv lang=uk", room=KYIV)
    await harness.run("!node register Lima tz=America/Lima lang=es", room=LIMA)
    yield harness
    await harness.db.close()


async def _rows(net, room: str | None = None):
    return [r for r in await net.outbox.all() if room is None or r.room_id == room]


def _rsvp_handler(net) -> RsvpHandler:
    return RsvpHandler(
        emoji="🙋",
        runner=net.runner,
        nodes=net.nodes,
        windows=net.windows,
        outbox=net.outbox,
        clock=lambda: NOW,
    )


async def _approved(net, gesture: str = "minute-of-silence") -> str:
    made = await net.run(
        f"!window propose 2027-03-20 18:00 UTC gesture={gesture}; Vigil", room=KYIV
    )
    assert not made.reply.is_error, made.reply.plain()
    (window,) = await net.windows.in_states(["proposed"])
    for room in (KYIV, LIMA):
        await net.run(f"!vote {window.id} yes", room=room)
    assert (await net.windows.get(window.id)).state == "approved"
    return window.id


async def test_library_commands(net) -> None:
    listing = (await net.run("!gestures", room=KYIV)).reply.plain()
    assert "minute-of-silence" in listing and "light-vigil" in listing
    shown = await net.run("!gesture show light-vigil", room=KYIV)
    assert "Safety" in shown.reply.plain() and not shown.reply.is_error
    typo = await net.run("!gesture show ligth-vigil", room=KYIV)
    assert typo.reply.is_error and "light-vigil" in typo.reply.plain()
    bad_language = await net.run("!gesture show light-vigil xx", room=KYIV)
    assert bad_language.reply.is_error and "uk" in bad_language.reply.plain()
    outsider = await net.run("!gestures", room="!stranger:x")
    assert "minute-of-silence" not in outsider.reply.plain()  # the network's, not the world's


async def test_a_proposal_must_name_a_gesture_of_the_library(net) -> None:
    refused = await net.run("!window propose 2027-03-20 18:00 UTC gesture=candles; V", room=KYIV)
    assert refused.reply.is_error and "There is no gesture “candles”" in refused.reply.plain()
    assert await net.windows.in_states(["proposed"]) == []
    made = await net.run("!window propose 2027-03-20 18:00 UTC; No gesture at all", room=KYIV)
    assert not made.reply.is_error


async def test_approval_sends_one_pinned_guideline_per_node_in_its_language(net) -> None:
    await net.run("!window propose 2027-03-20 18:00 UTC gesture=light-vigil; Vigil", room=KYIV)
    (window,) = await net.windows.in_states(["proposed"])
    adapted = await net.run(f"!gesture adapt {window.id} Свічки на сходах бібліотеки", room=KYIV)
    assert "saved" in adapted.reply.plain() and "when the window is approved" in (
        adapted.reply.plain()
    )
    for room in (KYIV, LIMA):
        await net.run(f"!vote {window.id} yes", room=room)
    gesture = shipped_gestures()["light-vigil"]
    for room, language, adaptation in (
        (KYIV, "uk", "Свічки на сходах бібліотеки"),
        (LIMA, "es", None),
    ):
        title = gesture.in_language(language)[0].title
        assert title != gesture.text.title  # really translated
        rows = await _rows(net, room)
        guides = [r for r in rows if r.key.startswith(f"guideline:{window.id}")]
        assert len(guides) == 1, [r.key for r in rows]
        body = guides[0].content["body"]
        assert title in body
        assert (adaptation in body) if adaptation else "gesture adapt" in body
        pins = [r for r in rows if r.event_type == PIN]
        assert len(pins) == 1 and pins[0].content["target"] == guides[0].key
        assert rows.index(pins[0]) > rows.index(guides[0])  # pinned after it is sent
    # Start-up, or a second approval path, sends nothing twice.
    assert await net.runner.send_missing_guidelines() == 0
    assert len([r for r in await _rows(net) if r.key.startswith("guideline:")]) == 2


async def test_a_node_admitted_later_gets_the_guideline(tmp_path: Path) -> None:
    net = await make_harness(
        tmp_path,
        NOW,
        bot={"coordination_room": COORD, "coordinators": [COORDINATOR]},
        network={"admission": "coordinators"},
    )
    await net.run("!node register Coordination tz=UTC", room=COORD, sender=COORDINATOR)
    await net.run(
        "!window propose 2027-03-20 18:00 UTC gesture=human-chain; Chain",
        room=COORD,
        sender=COORDINATOR,
    )
    (window,) = await net.windows.in_states(["proposed"])
    await net.run(f"!vote {window.id} yes", room=COORD, sender=COORDINATOR)
    await net.run("!node register Kyiv tz=Europe/Kyiv", room=KYIV)
    kyiv = await net.nodes.by_room(KYIV)
    assert not [r for r in await _rows(net, KYIV) if r.key.startswith("guideline:")]
    await net.run(f"!node admit {kyiv.id}", room=COORD, sender=COORDINATOR)
    assert len([r for r in await _rows(net, KYIV) if r.key.startswith("guideline:")]) == 1
    await net.db.close()


async def test_adapting_after_distribution_edits_the_guideline(net) -> None:
    window_id = await _approved(net)
    member = await net.run(f"!gesture adapt {window_id} ours", room=KYIV, power=0)
    assert member.reply.is_error and "moderators" in member.reply.plain()
    done = await net.run(f"!gesture adapt {window_id} Ми стоїмо біля річки", room=KYIV)
    assert "updated" in done.reply.plain()
    (edit,) = [r for r in await _rows(net, KYIV) if r.event_type == EDIT]
    assert "Ми стоїмо біля річки" in edit.content["new"]["body"]
    assert edit.content["target"] == f"guideline:{window_id}:kyiv" or edit.content["target"]
    cleared = await net.run(f"!gesture adapt {window_id} clear", room=KYIV)
    assert "removed" in cleared.reply.plain()
    bidi = await net.run(f"!gesture adapt {window_id} a\u202eb", room=KYIV)
    assert bidi.reply.is_error
    shown = (await net.run(f"!window show {window_id}", room=COORD, sender=COORDINATOR)).reply
    assert "Taking part, by node" not in shown.plain()  # nobody yet


async def test_rsvp_by_command_and_by_reaction_counted_per_node_and_undone(net, tmp_path) -> None:
    window_id = await _approved(net)
    first = await net.run(f"!join {window_id}", room=KYIV, sender=ANA)
    assert "1 person from this node" in first.reply.plain()
    again = await net.run(f"!join {window_id}", room=KYIV, sender=ANA)
    assert "1 person from this node" in again.reply.plain()  # once per person

    # Ben reacts 🙋 to the guideline in Kyiv (as the homeserver would report it).
    guide = next(r for r in await _rows(net, KYIV) if r.key.startswith("guideline:"))
    await net.outbox.mark_sent(guide.id, event_id="$guide", now=NOW)
    handler = _rsvp_handler(net)
    reaction = events.Reaction(
        room_id=KYIV, event_id="$r1", sender=BEN, reacts_to="$guide", key="🙋\ufe0f", sent_at=NOW
    )
    await handler.handle(reaction)
    await handler.handle(reaction)  # a replay counts once
    elsewhere = events.Reaction(
        room_id=LIMA, event_id="$r2", sender=BEN, reacts_to="$guide", key="🙋", sent_at=NOW
    )
    await handler.handle(elsewhere)  # not Lima's guideline
    assert (await net.runner.gestures.store.rsvp_counts(window_id)) == {
        (await net.nodes.by_room(KYIV)).id: 2
    }
    shown = (await net.run(f"!window show {window_id}", room=KYIV)).reply.plain()
    assert "Taking part from this node: 2 people" in shown
    coord = (await net.run(f"!window show {window_id}", room=COORD, sender=COORDINATOR)).reply
    assert "Taking part, by node: Kyiv 2" in coord.plain()
    assert "@ana" not in coord.plain() and "@ben" not in coord.plain()

    kyiv = (await net.nodes.by_room(KYIV)).id

    async def count() -> int:
        return (await net.runner.gestures.store.rsvp_counts(window_id)).get(kyiv, 0)

    # Found in review: a redaction from another room, or by someone else, undid Ben's RSVP.
    for room, who in ((LIMA, BEN), (KYIV, ANA)):
        await handler.redacted(
            events.Redaction(room_id=room, event_id="$y", redacts="$r1", sender=who)
        )
        assert await count() == 2
    await handler.redacted(events.Redaction(room_id=KYIV, event_id="$x", redacts="$r1", sender=BEN))
    assert await count() == 1
    left = await net.run(f"!leave {window_id}", room=KYIV, sender=ANA)
    assert "0 people from this node" in left.reply.plain()
    with sqlite3.connect(tmp_path / "db.sqlite") as db:
        # (Replies waiting in the outbox mention their sender until sent, then are erased.)
        dump = "\n".join(line for line in db.iterdump() if '"outbox"' not in line)
    assert "@ana" not in dump and "@ben" not in dump  # keyed hashes only

    closed = await net.run("!join abcde", room=KYIV)
    assert closed.reply.is_error


async def test_skin_tones_count_and_a_join_by_command_outlives_the_reaction(net) -> None:
    """Found in review: 🙋🏽 and 🙋‍♀️ were not counted, and taking back a 🙋 also undid an
    explicit ``!join``."""
    window_id = await _approved(net)
    kyiv = (await net.nodes.by_room(KYIV)).id
    guide = next(r for r in await _rows(net, KYIV) if r.key.startswith("guideline:"))
    await net.outbox.mark_sent(guide.id, event_id="$guide", now=NOW)
    handler = _rsvp_handler(net)
    people = {"@c:x": "🙋🏽", "@d:x": "🙋\u200d♀\ufe0f", "@e:x": "🙋🏻\u200d♂\ufe0f", ANA: "🙋"}
    for index, (who, key) in enumerate(people.items()):
        await handler.handle(
            events.Reaction(
                room_id=KYIV,
                event_id=f"$r{index}",
                sender=who,
                reacts_to="$guide",
                key=key,
                sent_at=NOW,
            )
        )
    assert (await net.runner.gestures.store.rsvp_counts(window_id)) == {kyiv: 4}
    await net.run(f"!join {window_id}", room=KYIV, sender=ANA)
    await handler.redacted(events.Redaction(room_id=KYIV, event_id="$x", redacts="$r3", sender=ANA))
    assert (await net.runner.gestures.store.rsvp_counts(window_id)) == {kyiv: 4}  # Ana joined


async def test_the_end_of_a_window_unpins_its_guidelines(net) -> None:
    window_id = await _approved(net)
    window = await net.windows.get(window_id)
    net.runner.clock = lambda: window.start + timedelta(hours=2)
    await net.runner.run_job(Job(id=JobId(kind=JobKind.END, window=window_id), at=NOW))
    unpins = [r for r in await _rows(net) if r.event_type == UNPIN]
    assert sorted(r.room_id for r in unpins) == [KYIV, LIMA]
    # Each unpin waits for its pin; guidelines and pins never sent are dropped, not sent
    # after the window (an outage kept them waiting).
    assert all(r.content["after"] == r.key.replace("unpin:", "pin:", 1) for r in unpins)
    left = {r.key.split(":")[0]: r.status for r in await _rows(net) if window_id in r.key}
    assert left["guideline"] == "skipped" and left["pin"] == "skipped"


async def test_a_node_that_leaves_or_is_removed_unpins_first(net) -> None:
    """Its guideline leaves the pinned list before the bot leaves the room, and the end of
    the window asks nothing of a room the bot is no longer in (review of issue 8)."""
    window_id = await _approved(net)
    kyiv = await net.nodes.by_room(KYIV)
    removed = await net.run(f"!node remove {kyiv.id}", room=COORD, sender=COORDINATOR)
    assert removed.recorded, removed.reply.plain()
    in_kyiv = [r for r in await _rows(net, KYIV) if r.status == "pending"]
    kinds = [r.event_type for r in in_kyiv]
    assert UNPIN in kinds and kinds.index(UNPIN) < len(kinds) - 1  # before the leave
    assert not [r for r in in_kyiv if r.key.startswith(("guideline:", "pin:"))]

    window = await net.windows.get(window_id)
    net.runner.clock = lambda: window.start + timedelta(hours=2)
    await net.runner.run_job(Job(id=JobId(kind=JobKind.END, window=window_id), at=NOW))
    unpins = [r for r in await _rows(net) if r.event_type == UNPIN]
    assert sorted(r.room_id for r in unpins) == [KYIV, LIMA]  # Kyiv's from its removal only


async def test_coordinators_add_a_gesture_from_a_file(net) -> None:
    net.files["$file"] = GOOD.encode()
    refused = await net.run("!gesture add", room=KYIV, reply_to="$file")
    assert refused.reply.is_error and "coordinators" in refused.reply.plain()
    bare = await net.run("!gesture add", room=COORD, sender=COORDINATOR)
    assert bare.reply.is_error and "YAML file" in bare.reply.plain()
    added = await net.run("!gesture add", room=COORD, sender=COORDINATOR, reply_to="$file")
    assert "Gesture `quiet-minute` added" in added.reply.plain(), added.reply.plain()
    window_id = await _approved(net, "quiet-minute")
    old = (await net.windows.get(window_id)).gesture_rev

    net.files["$v2"] = GOOD.replace("Stand still together.", "Stand, together.").encode()
    replaced = await net.run("!gesture add", room=COORD, sender=COORDINATOR, reply_to="$v2")
    assert "replaced" in replaced.reply.plain()
    current = await net.runner.gestures.current("quiet-minute")
    assert current.rev != old and current.text.summary == "Stand, together."
    kept = await net.runner.gesture_of(await net.windows.get(window_id))
    assert kept.rev == old and kept.text.summary == "Stand still together."

    net.files["$bad"] = b"id: Bad Id\ncolour: red\n"
    bad = await net.run("!gesture add", room=COORD, sender=COORDINATOR, reply_to="$bad")
    plain = bad.reply.plain()
    assert bad.reply.is_error and "nothing was stored" in plain
    assert "`id`" in plain and "`colour`: this field is unknown" in plain
    net.files["$tag"] = b"!!python/object/apply:os.system ['true']"
    unsafe = await net.run("!gesture add", room=COORD, sender=COORDINATOR, reply_to="$tag")
    assert "YAML tags" in unsafe.reply.plain()
    net.files["$big"] = b"#" * (64 * 1024 + 1)
    big = await net.run("!gesture add", room=COORD, sender=COORDINATOR, reply_to="$big")
    assert "64 KB" in big.reply.plain()
    assert await net.runner.gestures.current("bad-id") is None


async def test_leave_without_a_window_points_to_leaving_the_network(net) -> None:
    answer = await net.run("!leave", room=KYIV)
    assert answer.reply.is_error and "`!node leave`" in answer.reply.plain()
    assert await net.nodes.by_room(KYIV) is not None  # nothing left by mistake
