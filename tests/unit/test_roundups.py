"""Roundups: compiled per node (local start, RSVPs, adaptations, reports), posted to the
coordination room with the photos in a thread, exported as a self-contained page with
only public reports; old photos purged unless the roundup is kept."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from actionbot.core.keys import JobId, JobKind
from actionbot.core.outbox import THREAD
from actionbot.flows.effects import Job
from tests.unit.harness import make_harness
from tests.unit.test_photos import tagged_jpeg
from tests.unit.test_reports import DURING, KYIV, LIMA, NOW, _at, _window

COORD = "!coord:x"
COORDINATOR = "@coord:x"


@pytest.fixture
async def net(tmp_path: Path):
    harness = await make_harness(
        tmp_path, NOW, bot={"coordination_room": COORD, "coordinators": [COORDINATOR]}
    )
    await harness.run("!node register Kyiv tz=Europe/Kyiv lang=uk", room=KYIV)
    await harness.run("!node register Lima tz=America/Lima", room=LIMA)
    yield harness
    await harness.db.close()


async def _reported(net) -> str:
    window_id = await _window(net)
    _at(net, DURING)
    await net.run(f"!join {window_id}", room=KYIV, sender="@ana:x")
    await net.run(f"!report {window_id} public Сорок людей під дощем", room=KYIV)
    await net.run(f"!report {window_id} We were <script>alert(1)</script> few", room=LIMA)
    net.files["$pub"] = tagged_jpeg(320, 200)
    await net.run(f"!report {window_id} public", room=KYIV, sender="@ana:x", reply_to="$pub")
    net.files["$net"] = tagged_jpeg(200, 320)
    await net.run(f"!report {window_id}", room=LIMA, sender="@ben:x", reply_to="$net")
    return window_id


async def test_roundup_in_the_coordination_room_with_photos_in_a_thread(net) -> None:
    window_id = await _reported(net)
    refused = await net.run(f"!roundup {window_id}", room=KYIV)
    assert refused.reply.is_error
    done = await net.run(f"!roundup {window_id}", room=COORD, sender=COORDINATOR)
    assert not done.reply.is_error, done.reply.plain()
    rows = [
        r for r in await net.outbox.all() if r.room_id == COORD and r.key.startswith("roundup:")
    ]
    root, *photos = rows
    body = root.content["body"]
    assert "Kyiv" in body and "Сорок людей під дощем" in body and "taking part: 1" in body
    assert "<script>" not in root.content["formatted_body"]  # escaped
    assert "&lt;script&gt;" in root.content["formatted_body"]
    assert len(photos) == 2 and all(r.event_type == THREAD for r in photos)  # network sees all
    assert all(r.content["target"] == root.key for r in photos)
    assert all(r.content["content"]["msgtype"] == "m.image" for r in photos)


async def test_the_grace_period_ends_with_a_draft(net) -> None:
    window_id = await _reported(net)
    window = await net.windows.get(window_id)
    _at(net, window.start + window.duration + timedelta(hours=49))
    await net.runner.run_job(Job(id=JobId(kind=JobKind.ROUNDUP, window=window_id), at=NOW))
    await net.runner.run_job(Job(id=JobId(kind=JobKind.ROUNDUP, window=window_id), at=NOW))
    drafts = [r for r in await net.outbox.all() if r.key == f"roundup:{window_id}:draft"]
    assert len(drafts) == 1 and drafts[0].content["body"].startswith("Draft")


async def test_export_is_self_contained_and_public_only(net, tmp_path) -> None:
    window_id = await _reported(net)
    window = await net.windows.get(window_id)
    out = tmp_path / "page"
    steps: list[int] = []
    roundup = await net.runner.roundups.export(
        window, out, include_network=False, language="en", progress=steps.append
    )
    assert roundup.photos == 1 and len(steps) == 1  # the network-only photo is left out
    page = (out / "index.html").read_text()
    assert page.count("data:image/jpeg;base64,") == 1 and "<svg" in page
    assert "Сорок людей під дощем" in page and "<script>" not in page
    assert "We were" not in page  # a network-only text report
    # Nothing to fetch: no http(s) URL, no src/href outside data:, no script.
    assert not re.search(r"(src|href)=\"(?!data:)", page)
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page
    data = json.loads((out / "roundup.json").read_text())
    assert data["window_id"] == window_id and data["public_only"] is True
    assert "@ana" not in (out / "roundup.md").read_text() + page + json.dumps(data)
    assert len(list((out / "photos").iterdir())) == 1
    full = await net.runner.roundups.export(
        window, tmp_path / "all", include_network=True, language="uk"
    )
    assert full.photos == 2


async def test_old_photos_are_purged_unless_kept(net, tmp_path) -> None:
    window_id = await _reported(net)
    service = net.runner.roundups
    assert await service.purge(DURING + timedelta(days=1)) == 0  # within the retention time
    await net.run(f"!roundup {window_id} keep", room=COORD, sender=COORDINATOR)
    assert await service.purge(DURING + timedelta(days=31)) == 0  # kept
    await net.db.execute("DELETE FROM kept_roundups")
    assert await service.purge(DURING + timedelta(days=31)) == 2
    assert list((tmp_path / "photos").glob("*.jpg")) == []
    kinds = [r.kind for r in await service.reports.of_window(window_id)]
    assert kinds == ["text", "text"]  # words stay; photos go


async def test_review_fixes_of_the_export(net, tmp_path) -> None:
    """Found in review: a reused folder kept network-only photos in a public export;
    captions were live Markdown (remote images, raw HTML, javascript: links); text reports
    were listed twice; a missing photo file crashed the export; a node registered after
    the window was said to have taken part."""
    from actionbot.cli import main

    window_id = await _reported(net)
    await net.run(
        f"!report {window_id} public ![x](https://evil.example/t.png) <img src=x> "
        "[c](javascript:alert(1))",
        room=KYIV,
    )
    window = await net.windows.get(window_id)
    # A node that registered after the window did not take part.
    _at(net, DURING + timedelta(days=5))
    await net.run("!node register Late tz=Asia/Tokyo", room="!late:x")
    out = tmp_path / "page"
    roundup = await net.runner.roundups.export(window, out, include_network=False, language="en")
    assert {p.name for p in roundup.nodes} == {"Kyiv", "Lima"}
    markdown = (out / "roundup.md").read_text()
    # Only the export's own photos may be live images; nothing from a caption is.
    live = re.findall(r"(?<!\\)(<img|\]\((?!photos/))", markdown)
    assert live == [] and "\\<img" in markdown, markdown
    assert markdown.count("Сорок людей під дощем") == 1  # once, among the words
    page = (out / "index.html").read_text()
    assert page.count("Сорок людей під дощем") == 1

    # A photo file gone (purged, or a backup restored without photos): left out, no crash.
    for photo in (tmp_path / "photos").iterdir():
        photo.unlink()
    empty = await net.runner.roundups.export(
        window, tmp_path / "again", include_network=True, language="en"
    )
    assert empty.photos == 0 and (tmp_path / "again" / "index.html").exists()

    # The command line refuses a folder in use and a window that did not run.
    config = tmp_path / "config.yaml"
    config.write_text(
        "matrix: {homeserver: 'https://h.example.org', user_id: '@bot:example.org', "
        "password: secret-pw}\n"
        f"store: {{path: '{tmp_path}'}}\nnetwork: {{admission: open}}\n"
    )
    used = main(["roundup", "export", window_id, "--out", str(out), "-c", str(config)])
    assert used == 2
    await net.run("!window propose 2027-09-01 18:00 UTC; Not yet", room=KYIV)
    (waiting,) = await net.windows.in_states(["proposed"])
    never = main(["roundup", "export", waiting.id, "--out", str(tmp_path / "x"), "-c", str(config)])
    assert never == 2 and not (tmp_path / "x").exists()
