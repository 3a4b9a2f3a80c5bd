"""A roundup on a real Synapse: a photo reported in a node room comes back, cleaned, in the
coordination room's roundup thread; the exported page renders in headless Chromium with
no network request, and a screenshot is taken."""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from actionbot.cli_roundup import _export
from tests.integration.test_gestures import WINDOW_ID, node_room
from tests.integration.test_reports import send_image
from tests.unit.test_photos import tagged_jpeg

pytestmark = pytest.mark.integration


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def render(browser: str, page: Path, shot: Path, netlog: Path) -> None:
    subprocess.run(
        [
            browser,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-default-apps",
            "--disable-features=NetworkTimeServiceQuerying",
            f"--log-net-log={netlog}",
            "--window-size=800,1600",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def page_requests(netlog: Path) -> list[str]:
    """URLs the page itself asked the network for (the browser's own housekeeping — update
    checks and the like — is not the page's: its requests have no page origin)."""
    found = []
    for event in json.loads(netlog.read_text()).get("events", []):
        params = event.get("params")
        if not isinstance(params, dict) or "url" not in params:
            continue
        if str(params.get("network_isolation_key", "")).startswith("file://"):
            found.append(params["url"])
    return sorted(set(found))


async def test_roundup_thread_and_offline_page(new_user, make_bot, tmp_path) -> None:
    alice = await new_user("alice")
    coordination = await alice.create_room(encrypted=True, name="coordination")
    bot = await make_bot(bot__coordination_room=coordination)
    await alice.invite(coordination, bot.user_id)
    await alice.wait_for(
        lambda s: s.room_id == coordination and getattr(s.event, "sender", "") == bot.user_id
    )
    room = await node_room(alice, bot.user_id, encrypted=True, register="Kyiv tz=Europe/Kyiv")
    start = (datetime.now(UTC) + timedelta(seconds=10)).replace(microsecond=0)
    proposal = await alice.send_text(
        room, f"!window propose {start:%Y-%m-%dT%H:%M:%SZ} for 5m; Vigil"
    )
    window_id = WINDOW_ID.search((await alice.wait_for_reply(room, proposal)).content["body"])[1]
    await alice.wait_for_reply(room, await alice.send_text(room, f"!vote {window_id} yes"))
    await asyncio.sleep(max(0.0, (start - datetime.now(UTC)).total_seconds()) + 1)
    photo = await send_image(
        alice, room, tagged_jpeg(640, 400), msgtype="m.image", caption="public"
    )
    await alice.wait_for(
        lambda s: s.room_id == room and s.content.get("m.relates_to", {}).get("event_id") == photo
    )

    asked = await alice.send_text(coordination, f"!roundup {window_id}")
    await alice.wait_for_reply(coordination, asked)
    root = await alice.wait_for(
        lambda s: (
            s.room_id == coordination
            and s.content.get("body", "").startswith("Roundup: Vigil")
            and "Kyiv" in s.content.get("body", "")
        )
    )
    threaded = await alice.wait_for(
        lambda s: (
            s.room_id == coordination
            and s.content.get("m.relates_to", {}).get("rel_type") == "m.thread"
            and s.content.get("m.relates_to", {}).get("event_id") == root.event.event_id
        )
    )
    assert threaded.content["msgtype"] == "m.image" and "file" in threaded.content  # encrypted

    out = tmp_path / "page"
    args = argparse.Namespace(window=window_id, out=str(out), include_network=False, lang="uk")
    assert await _export(bot.config, args) == 0
    page = out / "index.html"
    assert page.read_text().count("data:image/jpeg;base64,") == 1
    browser = chromium()
    if browser is None:
        pytest.skip(
            "chromium is not installed and could not be installed from the system's packages"
        )
    shot, netlog = tmp_path / "page.png", tmp_path / "netlog.json"
    await asyncio.to_thread(render, browser, page, shot, netlog)
    assert shot.stat().st_size > 5_000  # a real picture of the page
    assert page_requests(netlog) == []
    # The check can fail: the same browser, a page with one remote image, is caught.
    leak = tmp_path / "leak.html"
    leak.write_text('<html><body><img src="http://example.invalid/x.png"></body></html>')
    await asyncio.to_thread(render, browser, leak, tmp_path / "leak.png", tmp_path / "leak.json")
    assert page_requests(tmp_path / "leak.json") == ["http://example.invalid/x.png"]
