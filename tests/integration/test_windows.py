"""Action windows end to end on a real Synapse: propose → vote from two node rooms (one
encrypted, one by native poll) → approved → reminders at the right instants in each
node's language → exactly one copy of each, also across a hard kill of the bot."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from actionbot.core.decisions import Rule
from actionbot.render import polls, words
from actionbot.render.reply import bold, code
from actionbot.render.windows import rule_text
from tests.integration.matrix_user import MatrixUser
from tests.integration.speech import said, voice

pytestmark = pytest.mark.integration

POLL_START = "org.matrix.msc3381.poll.start"
WINDOW_ID = re.compile(r"`([0-9a-z]{5})`")


def bot_notices(user: MatrixUser, room: str, bot_id: str):
    return [s for s in user.notices_in(room, bot_id)]


async def node_room(
    user: MatrixUser, bot_id: str, *, encrypted: bool, register: str, language: str = "en"
) -> str:
    room = await user.create_room(encrypted=encrypted, invite=[bot_id])
    await user.wait_for(
        lambda s: (
            s.room_id == room
            and getattr(s.event, "sender", "") == bot_id
            and "msgtype" in s.content
        )
    )
    command = await user.send_text(room, f"!node register {register}")
    answer = await user.wait_for_reply(room, command)
    expected = said(voice(language), "This room is now a node of the network:")
    assert expected in answer.content["body"], answer.content["body"]
    return room


def arrived(seen) -> datetime:
    return datetime.fromtimestamp(seen.event.server_timestamp / 1000, UTC)


async def test_propose_vote_approve_and_remind_in_two_rooms(new_user, make_bot) -> None:
    """Kyiv (Ukrainian, encrypted) and São Paulo (Brazilian Portuguese, plain): proposal,
    poll, vote, tally, decision and reminders each arrive in the room's language, with the
    room's local times; the coordination room (not a node) reads English and UTC."""
    alice = await new_user("alice")
    bob = await new_user("bob")
    coordination = await alice.create_room(encrypted=True, name="coordination")
    bot = await make_bot(
        bot__coordination_room=coordination,
        windows__reminders=["8s", "4s", "start", "end"],
        decisions__voters="moderators",
    )
    await alice.invite(coordination, bot.user_id)
    uk, pt = voice("uk", "Europe/Kyiv"), voice("pt", "America/Sao_Paulo")
    kyiv = await node_room(
        alice, bot.user_id, encrypted=True, register="Kyiv tz=kyiv lang=uk", language="uk"
    )
    saopaulo = await node_room(
        bob, bot.user_id, encrypted=False, register="SP tz=sao paulo lang=pt-BR", language="pt"
    )

    # A start with seconds is shown with its seconds, in each room's zone and words.
    # 40 s ahead: the first reminder is 32 s away, so the vote stays open at least 16 s.
    start = (datetime.now(UTC) + timedelta(seconds=40)).replace(microsecond=0)
    if start.second == 0:
        start += timedelta(seconds=1)
    title = "Minute of silence"
    command = await alice.send_text(
        kyiv, f"!window propose {start:%Y-%m-%dT%H:%M:%SZ} for 3s; {title}"
    )
    answer = await alice.wait_for_reply(kyiv, command)
    body = answer.content["body"]
    window_id = WINDOW_ID.search(body).group(1)
    window = await bot.bot.windows.get(window_id)
    assert (
        said(uk, "Proposed: {title} — window {id}", title=bold(title), id=code(window_id)) in body
    ), body
    assert (
        uk.moment(start) in body and f"{start.astimezone(ZoneInfo('Europe/Kyiv')):%H:%M:%S}" in body
    )
    assert said(uk, "Decision by {when}.", when=uk.moment(window.deadline)) in body
    assert uk.s(rule_text(uk, Rule(), 2)) in body
    announced = await bob.wait_for(
        lambda s: (
            s.room_id == saopaulo
            and window_id in s.content.get("body", "")
            and "msgtype" in s.content
        )
    )
    assert pt.moment(start) in announced.content["body"], announced.content["body"]
    assert (
        said(
            pt,
            "Node {node} proposes window {id}: {title}",
            node=bold("Kyiv"),
            id=code(window_id),
            title=bold(title),
        )
        in announced.content["body"]
    )

    # Every node room gets a native poll in its language; São Paulo answers it, Kyiv votes
    # by command.
    poll = await bob.wait_for(
        lambda s: s.room_id == saopaulo and s.event.source.get("type") == POLL_START
    )
    question = poll.content["org.matrix.msc3381.poll.start"]["question"]["body"]
    assert question == polls.poll(pt, window, "!").question
    await alice.wait_for(lambda s: s.room_id == kyiv and s.event.source.get("type") == POLL_START)
    vote = await alice.send_text(kyiv, f"!vote {window_id} yes")
    recorded = await alice.wait_for_reply(kyiv, vote)
    assert (
        said(
            uk,
            "Recorded: node {node} votes {vote} on {id} {title}.",
            node=bold("Kyiv"),
            vote=words.vote(uk, "yes"),
            id=code(window_id),
            title=bold(title),
        )
        in recorded.content["body"]
    )
    tally = await alice.wait_for(
        lambda s: s.room_id == coordination and s.content.get("body", "").startswith("Vote on")
    )
    assert "By node: Kyiv: yes · SP: —" in tally.content["body"]
    await bob.client.room_send(
        saopaulo,
        "org.matrix.msc3381.poll.response",
        {
            "m.relates_to": {"rel_type": "m.reference", "event_id": poll.event.event_id},
            "org.matrix.msc3381.poll.response": {"answers": ["yes"]},
        },
    )

    closed = await bob.wait_for(
        lambda s: (
            s.room_id == saopaulo and s.event.source.get("type") == "org.matrix.msc3381.poll.end"
        )
    )
    assert closed.content["m.relates_to"]["event_id"] == poll.event.event_id
    assert closed.content["body"] == polls.poll_closed(pt, True)
    decided = await alice.wait_for(
        lambda s: (
            s.room_id == coordination and "is approved by consensus" in s.content.get("body", "")
        )
    )
    assert "By node: Kyiv: yes · SP: yes" in decided.content["body"]
    assert alice.user_id not in decided.content["body"]
    for user, room, speaker in ((alice, kyiv, uk), (bob, saopaulo, pt)):
        approved = said(
            speaker,
            "Window {id} {title} is approved {how}.",
            id=code(window_id),
            title=bold(title),
            how=words.how(speaker, "consensus"),
        )
        news = await user.wait_for(
            lambda s, r=room, a=approved: s.room_id == r and a in s.content.get("body", "")
        )
        assert alice.user_id not in news.content["body"]

    # Reminders: 8 s and 4 s before, at the start, at the end, in each node's language.
    users = {kyiv: alice, saopaulo: bob}
    for room, speaker in ((kyiv, uk), (saopaulo, pt)):
        user = users[room]
        await user.wait_for(
            lambda s, r=room: s.room_id == r and s.content.get("body", "").startswith("🔴"),
            timeout=60,
        )
        notices = [
            s
            for s in bot_notices(user, room, bot.user_id)
            if window_id in s.content.get("body", "")
        ]
        reminders = [s for s in notices if s.content["body"].startswith(("⏰", "🟢", "🔴"))]
        kinds = [s.content["body"][:1] for s in reminders]
        assert kinds == ["⏰", "⏰", "🟢", "🔴"], [s.content["body"] for s in reminders]
        assert speaker.moment(start) in reminders[0].content["body"]
        start_line = said(
            speaker,
            "🟢 Now: {title} starts — {duration}, together with every node (window {id}).",
            title=bold(title),
            duration=speaker.duration(timedelta(seconds=3)),
            id=code(window_id),
        )
        assert reminders[2].content["body"] == start_line
        due = [
            start - timedelta(seconds=8),
            start - timedelta(seconds=4),
            start,
            start + timedelta(seconds=3),
        ]
        for seen, when in zip(reminders, due, strict=True):
            delay = (arrived(seen) - when).total_seconds()
            assert -1.0 <= delay <= 5.0, (seen.content["body"], delay)
        assert not reminders[0].content["body"].endswith(speaker.s(speaker._("(sent late)")))

    # The JSON view for scripts and audits has the decision and the votes.
    store = bot.bot.windows
    window = await store.get(window_id)
    assert str(window.state) in ("approved", "done")
    assert {str(v) for v in (await store.votes(window_id)).values()} == {"yes"}


async def test_bad_proposals_get_clear_errors(new_user, make_bot) -> None:
    alice = await new_user("alice")
    bot = await make_bot()
    room = await node_room(alice, bot.user_id, encrypted=True, register="Athens tz=Europe/Athens")
    cases = {
        "!window propose 2020-01-01 18:00; Too late": "⚠️ That time is in the past:",
        "!window propose 2030-01-01 18:00 Mars/Olympus; Where": "“Mars/Olympus” is not a time zone I know",
        "!window propose anniversary nonsense-day; What": "There is no anniversary “nonsense-day”",
        "!window propose next blue moon; Which": "After “next”, write a moon phase",
        "!window propose next full moon": "End the time with “;”",
        "!window propose next full moon for ever; Long": "“ever” is not a duration",
    }
    for command, expected in cases.items():
        event = await alice.send_text(room, command)
        answer = await alice.wait_for_reply(room, event)
        assert expected in answer.content["body"], (command, answer.content["body"])
        assert "I couldn't read" not in answer.content["body"]
        # The example is a whole command, ready to send.
        assert "Example: `!window propose " in answer.content["body"]

    moon = await alice.send_text(room, "!moon 2")
    answer = await alice.wait_for_reply(room, moon)
    assert "Next moon phases (Europe/Athens)" in answer.content["body"]
    assert answer.content["body"].count("\n") == 2  # the heading and two phases


async def test_lunar_local_window_show_ics_and_cancel(new_user, make_bot) -> None:
    alice = await new_user("alice")
    bot = await make_bot()
    room = await node_room(
        alice,
        bot.user_id,
        encrypted=True,
        register="Quito tz=America/Guayaquil lang=es",
        language="es",
    )
    event = await alice.send_text(
        room, "!window propose next full moon at 20:00 local for 30m every full moon; Luz"
    )
    answer = await alice.wait_for_reply(room, event)
    body = answer.content["body"]
    es = voice("es", "America/Guayaquil")
    assert words.mode(es, "local") in body, body
    assert ", 20:00 (America/Guayaquil)" in body
    assert said(es, "Repeats every {phase}", phase=words.phase(es, "full moon")) in body
    window_id = WINDOW_ID.search(body).group(1)

    shown = await alice.wait_for_reply(
        room, await alice.send_text(room, f"!window show {window_id}")
    )
    assert "• Quito: " in shown.content["body"]
    assert said(es, "State: {state}", state=words.state(es, "proposed")) in shown.content["body"]

    ics = await alice.send_text(room, f"!window ics {window_id}")
    await alice.wait_for_reply(room, ics)
    file_event = await alice.wait_for(
        lambda s: s.room_id == room and s.reply_to == ics and s.content.get("msgtype") == "m.file"
    )
    encrypted_file = file_event.content["file"]  # an encrypted room gets an encrypted file
    from nio.crypto.attachments import decrypt_attachment

    download = await alice.client.download(encrypted_file["url"])
    data = decrypt_attachment(
        download.body,
        encrypted_file["key"]["k"],
        encrypted_file["hashes"]["sha256"],
        encrypted_file["iv"],
    )
    assert b"BEGIN:VCALENDAR" in data and b"SUMMARY:Luz" in data

    cancel = await alice.send_text(room, f"!window cancel {window_id}")
    answer = await alice.wait_for_reply(room, cancel)
    assert (
        said(
            es,
            "Cancelled window {id} {title}. Every node has been told.",
            id=code(window_id),
            title=bold("Luz"),
        )
        in answer.content["body"]
    )
    listing = await alice.wait_for_reply(room, await alice.send_text(room, "!windows"))
    assert said(es, "No upcoming windows.") in listing.content["body"]
    await asyncio.sleep(0)
