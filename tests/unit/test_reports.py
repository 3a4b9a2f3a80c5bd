"""Reports through the command layer and the media handler: which window a photo is for,
what is stored (clean bytes, hashed sender), consent, withdrawal."""

from __future__ import annotations

import io
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

from actionbot.core.reports import read_words
from actionbot.inbound.media import MediaHandler
from actionbot.matrix import events
from actionbot.matrix.media import FetchedFile
from actionbot.photos.ingest import Source
from actionbot.store.events import EventLog
from tests.unit.harness import make_harness
from tests.unit.test_photos import tagged_jpeg

NOW = datetime(2027, 3, 8, 16, 0, tzinfo=UTC)
DURING = NOW + timedelta(hours=1)
KYIV, LIMA = "!kyiv:x", "!lima:x"
ANA, BEN = "@ana:x", "@ben:x"


@pytest.fixture
async def net(tmp_path: Path):
    harness = await make_harness(tmp_path, NOW)
    await harness.run("!node register Kyiv tz=Europe/Kyiv lang=uk", room=KYIV)
    await harness.run("!node register Lima tz=America/Lima", room=LIMA)
    yield harness
    await harness.db.close()


async def _window(net, at: str = "2027-03-08 16:30 UTC", title: str = "Vigil") -> str:
    await net.run(f"!window propose {at} for 1h; {title}", room=KYIV)
    proposed = [w for w in await net.windows.in_states(["proposed"]) if w.title == title]
    for room in (KYIV, LIMA):
        await net.run(f"!vote {proposed[0].id} yes", room=room)
    return proposed[0].id


def _at(net, moment: datetime) -> None:
    net.now = moment
    net.runner.clock = lambda: moment


class FakeConnection:
    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    async def file_of(self, source, *, limit: int):
        return FetchedFile(data=self.files[source["event_id"]], name="photo.jpg")


def _media(event_id: str, room: str, caption: str = "") -> events.Media:
    content = {"msgtype": "m.image", "body": caption or "photo.jpg", "filename": "photo.jpg"}

    event = SimpleNamespace(source={"event_id": event_id, "content": content})
    return events.Media(room_id=room, event_id=event_id, sender=ANA, sent_at=DURING, event=event)


def hijack_event(net) -> str:
    return f"$e{net.events}"


def _handler(net) -> MediaHandler:
    return MediaHandler(
        config=net.config,
        connection=FakeConnection(net.files),
        ingest=net.ingest,
        nodes=net.nodes,
        windows=net.windows,
        voices=net.voices,
        handled=EventLog(net.db),
        clock=lambda: net.now,
    )


async def test_a_photo_during_a_window_is_stored_clean_with_a_tick(net, tmp_path) -> None:
    window_id = await _window(net)
    handler = _handler(net)
    net.files["$before"] = tagged_jpeg()
    await handler.handle(_media("$before", KYIV))  # before the window: just a photo
    assert await net.ingest.reports.of_window(window_id) == []

    _at(net, DURING)
    net.files["$p1"] = tagged_jpeg()
    await handler.handle(_media("$p1", KYIV, caption="Сходи бібліотеки"))
    await handler.handle(_media("$p1", KYIV))  # the same event again: once
    (report,) = await net.ingest.reports.of_window(window_id)
    assert report.kind == "photo" and report.consent == "network" and report.faces == 0
    assert report.caption == "Сходи бібліотеки"
    stored = (tmp_path / "photos" / f"{report.sha256}.jpg").read_bytes()
    assert b"SpyCam" not in stored and not Image.open(io.BytesIO(stored)).getexif()
    assert [p.name for p in (tmp_path / "photos").iterdir()] == [f"{report.sha256}.jpg"]
    ticks = [r for r in await net.outbox.all() if r.event_type == "m.reaction"]
    assert len(ticks) == 1 and ticks[0].content["m.relates_to"]["key"] == "✅"
    with sqlite3.connect(tmp_path / "db.sqlite") as db:
        row = db.execute("SELECT * FROM reports").fetchone()
    assert ANA not in repr(row)  # the sender only as a keyed hash


async def test_several_open_windows_ask_which_one(net) -> None:
    first = await _window(net, title="Vigil")
    second = await _window(net, at="2027-03-08 16:45 UTC", title="Chain")
    _at(net, DURING)
    handler = _handler(net)
    net.files["$p"] = tagged_jpeg()
    await handler.handle(_media("$p", KYIV))
    asked = [r for r in await net.outbox.all() if r.key == "reply:$p"]
    assert first in asked[0].content["body"] and second in asked[0].content["body"]
    picked = await net.run(f"!report {second} public", room=KYIV, sender=ANA, reply_to="$p")
    assert picked.recorded
    (report,) = await net.ingest.reports.of_window(second)
    assert report.consent == "public" and report.source_event == "$p"
    assert await net.ingest.reports.of_window(first) == []


async def test_text_reports_consent_and_withdrawal(net, tmp_path) -> None:
    window_id = await _window(net)
    early = await net.run(f"!report {window_id} We were forty", room=KYIV)
    assert early.reply.is_error  # not started yet in Kyiv
    _at(net, DURING)
    said = await net.run(f"!report {window_id} private We were forty, in the rain", room=KYIV)
    assert said.recorded
    net.files["$p"] = tagged_jpeg()
    await net.run(f"!report {window_id} blur", room=KYIV, sender=ANA, reply_to="$p")
    reports = await net.ingest.reports.of_window(window_id)
    assert sorted((r.kind, r.consent) for r in reports) == [
        ("photo", "network"),
        ("text", "network"),
    ]
    photo = next(r for r in reports if r.kind == "photo")
    path = tmp_path / "photos" / f"{photo.sha256}.jpg"
    assert path.exists()
    net.files["$bens"] = tagged_jpeg()
    net.senders["$bens"] = BEN
    hijack = await net.run(f"!report {window_id} public", room=KYIV, sender=ANA, reply_to="$bens")
    assert hijack.recorded and not await net.ingest.reports.by_source_event("$bens")
    told = [r for r in await net.outbox.all() if r.key == f"reply:{hijack_event(net)}"]
    assert told and "Only the person who posted" in told[0].content["body"]
    stranger = await net.run("!report withdraw", room=KYIV, sender=BEN, reply_to="$p")
    assert stranger.reply.is_error and path.exists()
    done = await net.run("!report withdraw", room=KYIV, sender=ANA, reply_to="$p")
    assert not done.reply.is_error and not path.exists()
    assert [r.kind for r in await net.ingest.reports.of_window(window_id)] == ["text"]
    refused = await net.run(f"!report {window_id}", room=KYIV, reply_to="$nothing")
    assert refused.recorded  # answered by the ingest: the file could not be read


async def test_captions_lose_invisible_characters(net) -> None:
    window_id = await _window(net)
    _at(net, DURING)
    await net.run(f"!report {window_id} We \u202ewere\u200b forty", room=KYIV)
    (report,) = await net.ingest.reports.of_window(window_id)
    assert report.caption == "We were forty"


async def test_handled_events_are_forgotten_after_their_retention(net) -> None:
    log = EventLog(net.db)
    assert await log.is_handled("$e1")  # the first command of the fixture
    assert await log.prune(NOW - timedelta(days=1)) == 0
    assert await log.prune(NOW + timedelta(seconds=1)) > 0
    assert not await log.is_handled("$e1")


@pytest.mark.parametrize(
    ("words", "blur", "consent", "text"),
    [
        ("abcde crowd at gate please blur", True, None, "crowd at gate please blur"),
        ("Blur! public the square", True, "public", "the square"),
        ("blur, public", True, "public", ""),
        ("private. Lights", False, "network", "Lights"),
        ("abcde blurry night", False, None, "blurry night"),
    ],
)
def test_blur_counts_anywhere_and_punctuation_does_not_hide_a_keyword(
    words: str, blur: bool, consent: str | None, text: str
) -> None:
    """Found in review: ``… please blur`` stored faces unblurred, and ``blur,`` lost both
    the blur and the consent after it."""
    read = read_words(words.split(), is_id=lambda w: w == "abcde")
    assert (read.blur, read.consent, read.text) == (blur, consent, text)


async def test_a_photo_that_is_not_recorded_leaves_no_file_and_purge_sweeps_orphans(
    net, tmp_path
) -> None:
    """Found in review: a photo written but never recorded (a replay, a crash before the
    commit) had no row, so neither withdrawal nor retention could ever delete it."""
    window_id = await _window(net)
    _at(net, DURING)
    window = await net.windows.get(window_id)
    node = await net.nodes.by_room(KYIV)
    source = Source(room_id=KYIV, event_id="$same", sender=ANA)

    async def once(data: bytes):
        async def fetch():
            return FetchedFile(data=data, name="photo.jpg")

        return await net.ingest.photo(
            source, node, window, fetch, caption="", blur=False, consent="network", handled="$same"
        )

    kept = await once(tagged_jpeg())
    replayed = await once(tagged_jpeg(width=300))
    assert kept.sha256 != replayed.sha256
    folder = tmp_path / "photos"
    assert sorted(p.name for p in folder.iterdir()) == [f"{kept.sha256}.jpg"]

    # A crash between writing and recording left an orphan and a half-written file.
    orphan, part = folder / f"{'0' * 64}.jpg", folder / "tmpx.part"
    orphan.write_bytes(b"clean pixels")
    part.write_bytes(b"half")
    await net.runner.roundups.purge(datetime.now(UTC) + timedelta(hours=1))
    assert sorted(p.name for p in folder.iterdir()) == [f"{kept.sha256}.jpg"]


async def test_one_person_reports_a_bounded_number_of_photos(net, monkeypatch, tmp_path) -> None:
    """Review: changing one byte per copy defeats the hash, so one member could fill the
    disk. A person's photos for a window are capped; the refusals pass the buckets (a
    flood gets a burst of answers, then silence)."""
    monkeypatch.setattr("actionbot.photos.ingest.PER_PERSON", 2)
    window_id = await _window(net)
    _at(net, DURING)
    handler = _handler(net)
    for n in range(40):
        image = Image.new("RGB", (32, 32), (n * 6, 100, 250 - n * 6))
        data = io.BytesIO()
        image.save(data, "JPEG")
        net.files[f"$f{n}"] = data.getvalue()
        await handler.handle(_media(f"$f{n}", KYIV))
    assert len(await net.ingest.reports.of_window(window_id)) == 2
    refusals = [r for r in await net.outbox.all() if r.key.startswith("reply:$f")]
    assert "limit" in refusals[0].content["body"]
    assert len(refusals) == 15  # the person's burst; the other 23 are not answered
    assert len(list((tmp_path / "photos").iterdir())) == 2
