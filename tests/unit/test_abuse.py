"""Review of issue 10 as a hostile member and as someone who seizes the disk: each test
failed on the code before its fix."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from actionbot.config import Config, parse_config
from actionbot.core.outbox import OutgoingMessage, Status
from actionbot.inbound.polls import PollHandler
from actionbot.inbound.undecryptable import UndecryptableHandler
from actionbot.matrix import events
from actionbot.matrix.connection import Sent
from actionbot.matrix.sender import OutboxSender
from actionbot.render.catalogs import Catalogs, Voices
from actionbot.store import Database, NodeStore, OutboxStore
from actionbot.store.events import EventLog
from tests.unit.harness import make_harness

T0 = datetime(2027, 1, 1, tzinfo=UTC)
ALICE = b"@alice:example.org"


def _config(tmp_path: Path) -> Config:
    config = parse_config(
        {
            "matrix": {"homeserver": "https://h.org", "user_id": "@b:h.org", "password": "pw12"},
            "network": {"admission": "open"},
            "bot": {"undecryptable_hint_delay": "1s"},
        },
        env={},
        base_dir=tmp_path,
    )
    assert isinstance(config, Config), config
    return config


class FakeConn:
    device_id = "DEVICE"

    def __init__(self) -> None:
        self.key_requests = 0
        self.sent: list[str] = []

    async def request_room_key(self, event) -> None:
        self.key_requests += 1

    def try_decrypt(self, event):
        return None

    async def send(self, *, room_id, event_type, content, txn_id):
        self.sent.append(room_id)
        await asyncio.sleep(0)
        return Sent(event_id=f"$s{len(self.sent)}")


async def test_undecryptable_messages_pass_the_buckets_and_hint_once_a_day(tmp_path) -> None:
    """200 encrypted events naming made-up Megolm sessions got 200 key requests and 200
    hint replies with a mention. Now: the person's bucket (15) bounds the key requests,
    and one hint per person, room and day."""
    config = _config(tmp_path)
    db = await Database.open(tmp_path / "db.sqlite")
    conn = FakeConn()
    handler = UndecryptableHandler(
        config=config,
        connection=conn,  # type: ignore[arg-type]
        commands=SimpleNamespace(),  # type: ignore[arg-type]
        polls=SimpleNamespace(),  # type: ignore[arg-type]
        nodes=NodeStore(db),
        voices=Voices(Catalogs.source_only(), "en"),
        handled=EventLog(db),
        notify=lambda: None,
        clock=lambda: T0,
        person_hash=lambda user: f"hash-of-{user}",
    )

    def undecryptable(n: int, sender: str = "@mallory:evil.org") -> events.Undecryptable:
        return events.Undecryptable(
            room_id="!node:h.org",
            event_id=f"$x{n}-{sender}",
            sender=sender,
            session_id=f"fake-session-{n}",
            sent_at=T0,
            event=None,
            before_join=False,
        )

    for n in range(200):
        await handler.handle(undecryptable(n))
    await handler.handle(undecryptable(0, sender="@ana:h.org"))  # someone else: hinted
    await asyncio.gather(*list(handler._tasks))
    hints = [r for r in await OutboxStore(db).all() if r.key.startswith("hint")]
    await db.close()
    assert conn.key_requests == 16  # mallory's burst of 15, and ana's
    assert len(hints) == 2


async def test_a_flood_of_poll_answers_gets_one_reply(tmp_path) -> None:
    """Any client can send a hundred answers that are not votes: each got its own "not
    counted" reply with a mention. Now once per person, poll and problem."""
    h = await make_harness(tmp_path, T0, bot={"coordination_room": "!coord:x"})
    await h.run("!node register Kyiv tz=UTC", room="!kyiv:x")
    await h.run("!window propose 2027-03-20 18:00 UTC; Vigil", room="!kyiv:x")
    (poll,) = [r for r in await h.outbox.all() if r.key.startswith("poll:")]
    await h.outbox.mark_sent(poll.id, event_id="$poll", now=T0)
    handler = PollHandler(
        config=h.config,
        connection=SimpleNamespace(),  # type: ignore[arg-type]
        runner=h.runner,
        windows=h.windows,
        nodes=h.nodes,
        voices=h.voices,
        handled=EventLog(h.db),
        notify=lambda: None,
        clock=lambda: T0,
    )
    before = len(await h.outbox.all())
    for n in range(100):
        await handler.handle(
            events.PollAnswer(
                room_id="!kyiv:x",
                event_id=f"$a{n}",
                sender="@mallory:evil.org",
                poll_event_id="$poll",
                answers=(f"junk{n}",),
                sent_at=T0,
            )
        )
    replies = len(await h.outbox.all()) - before
    await h.db.close()
    assert replies == 1


async def test_a_sent_mention_leaves_no_copy_on_disk(tmp_path: Path) -> None:
    """A sent row is emptied, but the write-ahead log kept the page that held its text and
    mention (238 copies of one user id after 40 replies). Once nothing is in flight the
    sender scrubs the log; the file itself overwrites freed space with zeros."""
    path = tmp_path / "db.sqlite"
    db = await Database.open(path, writable=True, now=T0)
    outbox = OutboxStore(db)

    def on_disk() -> list[str]:
        return [f.name for f in tmp_path.glob("db.sqlite*") if ALICE in f.read_bytes()]

    for n in range(40):
        await outbox.enqueue(
            OutgoingMessage(
                key=f"reply:$cmd{n}",
                room_id=f"!r{n % 3}:h.org",
                content={
                    "body": "Proposed: blockade",
                    "m.mentions": {"user_ids": [ALICE.decode()]},
                },
            ),
            now=T0,
        )
    assert on_disk()  # the check can see it

    async def nothing() -> None:
        return None

    sender = OutboxSender(
        outbox=outbox,
        connection=FakeConn(),  # type: ignore[arg-type]
        config=_config(tmp_path),
        clock=lambda: T0,
        failure_report=nothing,  # type: ignore[arg-type]
    )
    task = asyncio.create_task(sender.run())
    for _ in range(200):
        await asyncio.sleep(0.05)
        rows = await outbox.all()
        if all(r.status is Status.SENT for r in rows) and not on_disk():
            break
    leaked = on_disk()  # while the bot runs (closing the database empties the log)
    sender.notify()
    await sender.stop(grace=timedelta(seconds=1))
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await db.close()
    assert {r.status for r in rows} == {Status.SENT}
    assert not leaked, leaked


async def test_housekeeping_runs_again_and_again_even_after_a_failure(tmp_path) -> None:
    """Pruning and photo retention ran only at start-up: a bot up for months kept every
    handled event id. Now every ``HOUSEKEEPING`` too, and a failed round is not the last."""
    from actionbot.app import Bot

    bot = Bot(_config(tmp_path))
    rounds: list[int] = []

    async def housekeeping() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise RuntimeError("disk hiccup")

    bot._housekeeping = housekeeping  # type: ignore[method-assign]
    task = asyncio.create_task(bot._every(timedelta(milliseconds=5)))
    for _ in range(100):
        await asyncio.sleep(0.01)
        if len(rounds) >= 3:
            break
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert len(rounds) >= 3


async def test_propose_and_cancel_in_a_loop_meets_a_daily_cap(tmp_path) -> None:
    """A member proposed and cancelled in a loop (the cap counted open proposals only):
    three messages in every room each time. Withdrawn proposals now count for 24 hours."""
    h = await make_harness(tmp_path, T0, windows={"open_proposals": 3})
    await h.run("!node register Kyiv tz=UTC", room="!kyiv:x")
    for n in range(3):
        proposed = await h.run(f"!window propose 2027-03-2{n} 18:00 UTC; Vigil {n}", room="!kyiv:x")
        (window,) = await h.windows.in_states(["proposed"])
        await h.run(f"!window cancel {window.id}", room="!kyiv:x")
        assert not proposed.reply.is_error
    refused = await h.run("!window propose 2027-03-25 18:00 UTC; Again", room="!kyiv:x")
    assert refused.reply.is_error and "24 hours" in refused.reply.plain()
    h.now = T0 + timedelta(hours=25)
    h.runner.clock = lambda: h.now  # type: ignore[method-assign]
    later = await h.run("!window propose 2027-03-25 18:00 UTC; Again", room="!kyiv:x")
    await h.db.close()
    assert not later.reply.is_error, later.reply.plain()


async def test_waiting_requests_to_join_are_capped(tmp_path) -> None:
    """Anyone can make rooms, invite the bot and ask to join: each request is a notice
    (with admission by vote, a poll in every room). At most ten wait at once."""
    from actionbot.commands.node import MAX_WAITING_REQUESTS

    h = await make_harness(
        tmp_path, T0, bot={"coordination_room": "!coord:x"}, network={"admission": "coordinators"}
    )
    for n in range(MAX_WAITING_REQUESTS):
        asked = await h.run(f"!node register Room{n} tz=UTC", room=f"!r{n}:x")
        assert "Request sent" in asked.reply.plain()
    again = await h.run("!node register Room0 tz=UTC lang=de", room="!r0:x")
    assert not again.reply.is_error  # a waiting room may still change its request
    refused = await h.run("!node register Extra tz=UTC", room="!extra:x")
    await h.db.close()
    assert refused.reply.is_error and "waiting" in refused.reply.plain()
    assert len(refused.announcements) == 0


async def test_a_missing_store_waits_for_the_server_and_never_reuses_the_device(
    tmp_path, monkeypatch
) -> None:
    """With the encryption store gone and the homeserver not answering yet (the bot and
    Synapse restart together), the old device id was reused with new keys — the failure
    of issue 10 — and never checked again. Now the bot waits for the server, then gives
    up with a clear reason rather than going on unchecked."""
    from actionbot.matrix import session
    from actionbot.matrix.results import LoginFailed
    from actionbot.store.session import SavedSession, SessionStore

    monkeypatch.setattr(session, "STORE_PATIENCE_S", 0.2)
    monkeypatch.setattr(session, "STORE_RETRY_S", 0.05)
    config = parse_config(
        {
            "matrix": {"homeserver": "http://127.0.0.1:9", "user_id": "@b:h.org", "password": "p"},
            "network": {"admission": "open"},
            "store": {"path": str(tmp_path / "store")},
        },
        env={},
        base_dir=tmp_path,
    )
    assert isinstance(config, Config), config
    db = await Database.open(tmp_path / "db.sqlite")
    sessions = SessionStore(db)
    await sessions.save(
        SavedSession(
            homeserver=config.homeserver,
            user_id="@b:h.org",
            device_id="OLDDEVICE",
            access_token="syt_old_token_xxxxxxxxxx",
            pickle_key="k" * 32,
            created_at=T0,
        )
    )
    opened = await session.open_client(config, sessions, now=T0)
    kept = await sessions.load()
    await db.close()
    assert isinstance(opened, LoginFailed) and "encryption store is missing" in opened.reason
    assert kept is not None and kept.device_id == "OLDDEVICE"  # nothing forgotten either


async def test_cross_signing_never_vouches_for_keys_that_are_not_the_devices_own() -> None:
    """The bot signed whatever device keys /keys/query returned; a store replaced
    underneath (or a seizer's upload) would have been shown as the bot, verified."""
    from actionbot.matrix import cross_signing
    from actionbot.matrix.cross_signing import CrossSigningKeys, Outcome
    from actionbot.matrix.http import Answer

    calls: list[str] = []

    async def fake_call(client, method, path, body):
        calls.append(path)
        device = {"keys": {"ed25519:DEV": "someone-elses-key"}, "signatures": {}}
        return Answer(status=200, body={"device_keys": {"@b:h.org": {"DEV": device}}})

    client = SimpleNamespace(
        user_id="@b:h.org",
        device_id="DEV",
        olm=SimpleNamespace(account=SimpleNamespace(identity_keys={"ed25519": "my-own-key"})),
    )
    original = cross_signing.call
    cross_signing.call = fake_call  # type: ignore[assignment]
    try:
        outcome, _ = await cross_signing.ensure(
            client,  # type: ignore[arg-type]
            CrossSigningKeys.generate(),
            password="p",
        )
    finally:
        cross_signing.call = original  # type: ignore[assignment]
    assert outcome is Outcome.FAILED
    assert calls == ["keys/query"]  # nothing uploaded, nothing signed


async def test_the_person_key_can_live_outside_the_database(tmp_path) -> None:
    """Review: the key of the person hashes sat in the same database (and every backup),
    so whoever held it could test a list of user ids against every hash. With
    ``store.person_key_file`` the database holds no key; a stored one is deleted."""
    from actionbot.config import load_config
    from actionbot.store.session import SessionStore

    (tmp_path / "short").write_text("too short\n")
    (tmp_path / "key").write_text("f" * 64 + "\n")
    base = "matrix: {homeserver: 'https://h.org', user_id: '@b:h.org', password: pw12}\n"
    base += "network: {admission: open}\n"
    (tmp_path / "bad.yaml").write_text(base + "store: {person_key_file: short}\n")
    problems = load_config(tmp_path / "bad.yaml", env={})
    assert isinstance(problems, list) and "openssl rand" in str(problems[0])
    (tmp_path / "good.yaml").write_text(base + "store: {person_key_file: key}\n")
    config = load_config(tmp_path / "good.yaml", env={})
    assert isinstance(config, Config) and config.person_key == "f" * 64
    assert "f" * 64 not in repr(config)

    db = await Database.open(tmp_path / "db.sqlite")
    sessions = SessionStore(db)
    stored = await sessions.install_secret("person-hash")  # an earlier run kept it here
    assert await sessions.person_key(config.person_key) == b"f" * 64
    left = await db.fetchall("SELECT key FROM kv WHERE key LIKE 'secret:person%'")
    assert left == [] and stored != b"f" * 64
    assert await sessions.person_key(config.person_key) == b"f" * 64  # the same file: fine
    # Second review: a later start without the file (a secret not mounted) silently made
    # a new key, orphaning every hash; another file likewise. Both are refused now.
    without = await sessions.person_key(None)
    other = await sessions.person_key("e" * 64)
    await db.close()
    assert isinstance(without, str) and "none is configured" in without
    assert isinstance(other, str) and "another key" in other


async def test_history_is_forgotten_after_store_retention(tmp_path) -> None:
    """The issue asked for "a retention setting for everything older than N days" (review:
    only photos had one). Windows over, with their votes, reminders and RSVPs, and sent
    messages go after ``store.retention``; a kept roundup's window stays; newer stay."""
    from actionbot.housekeeping import forget_old

    h = await make_harness(tmp_path, T0, store={"retention": "30d"})
    for n in range(2):
        await h.run(f"!node register Node{n} tz=UTC", room=f"!n{n}:x")
    ids = []
    for title in ("Old", "Kept", "Recent"):
        day = "2027-01-05" if title != "Recent" else "2027-03-20"
        await h.run(f"!window propose {day} 18:00 UTC for 1h; {title}", room="!n0:x")
        (window,) = [w for w in await h.windows.in_states(["proposed"]) if w.title == title]
        for n in range(2):
            await h.run(f"!vote {window.id} yes", room=f"!n{n}:x")
        await h.runner.end_window(window.id)
        ids.append(window.id)
    await h.db.execute("INSERT INTO kept_roundups VALUES (?, ?)", (ids[1], "2027-01-06"))
    for row in (await h.outbox.all())[:3]:
        await h.outbox.mark_sent(row.id, event_id=f"${row.id}", now=T0)
    rows = await h.outbox.all()
    settled = sum(r.status is not Status.PENDING for r in rows)  # sent, or skipped at ends
    later = datetime(2027, 3, 1, tzinfo=UTC)  # Old and Kept ended > 30 days before
    gone = await forget_old(h.db, h.config, None, later)
    left = [w.title for w in await h.windows.all()]
    votes = await h.db.fetchall("SELECT DISTINCT window_id FROM votes")
    reminders = await h.db.fetchall("SELECT DISTINCT window_id FROM reminders")
    await_rows = await h.outbox.all()
    sent = [r for r in await_rows if r.status is not Status.PENDING]
    await h.db.close()
    assert gone.windows == 1 and sorted(left) == ["Kept", "Recent"]
    assert ids[0] not in {r["window_id"] for r in votes + reminders}
    assert gone.messages == settled >= 3 and not sent  # settled long ago: gone
    assert len(await_rows) == len(rows) - settled  # still waiting: kept


async def test_a_scrub_never_waits_for_another_reader(tmp_path) -> None:
    """Second review: with a reader in another process (a backup, a shell), the checkpoint
    waited the whole busy timeout (5 s) holding the database: every query waited too."""
    import sqlite3
    import time

    db = await Database.open(tmp_path / "db.sqlite", now=T0)
    outbox = OutboxStore(db)
    await outbox.enqueue(OutgoingMessage(key="a", room_id="!r:x", content={"body": "hi"}), now=T0)
    reader = sqlite3.connect(tmp_path / "db.sqlite")
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM outbox").fetchone()  # a read snapshot
    await outbox.enqueue(OutgoingMessage(key="b", room_id="!r:x", content={"body": "hi"}), now=T0)
    start = time.monotonic()
    emptied = await outbox.scrub()
    waited = time.monotonic() - start
    reader.close()
    assert not emptied and waited < 1.0  # busy: next time, at once
    assert await outbox.scrub()  # the reader is gone: emptied
    await db.close()


async def test_forged_sending_times_do_not_widen_the_buckets(tmp_path) -> None:
    """Second review: charged at the sending time its server claims, 300 commands stamped
    3 s apart but arriving at once were all accepted. Charged on arrival: the burst."""
    from actionbot.core.ratelimit import CommandLimits
    from tests.unit.harness import command_handler, text_event

    h = await make_harness(tmp_path, T0)
    await h.run("!node register Kyiv tz=UTC", room="!n0:x")
    allowed: list[bool] = []

    class Counting(CommandLimits):
        def allow(self, person, room, now, *, pace_person=True):
            ok, tell = super().allow(person, room, now, pace_person=pace_person)
            allowed.append(ok)
            return ok, tell

    handler = command_handler(h, limits=Counting())
    for n in range(300):
        stamp = T0 - timedelta(minutes=15) + timedelta(seconds=3 * n)  # forged
        await handler.handle(text_event("!n0:x", f"$f{n}", "!windows", stamp, "@mallory:evil.org"))
    await h.db.close()
    assert sum(allowed) == 15
