"""Long lists are paged, never lost to the event size limit (Synapse refuses events over
64 KiB: about 300 nodes in one notice)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from actionbot.matrix.content import notice_content
from tests.unit.harness import make_harness

NOW = datetime(2027, 3, 8, 16, 0, tzinfo=UTC)


async def test_a_thousand_nodes_page_by_fifty_and_each_page_fits_an_event(tmp_path: Path) -> None:
    net = await make_harness(tmp_path, NOW)
    for index in range(120):
        await net.run(f"!node register Collective number {index} tz=UTC", room=f"!n{index}:x")
    first = (await net.run("!nodes", room="!n0:x")).reply
    assert "120 nodes in the network" in first.plain() and "!nodes 2" in first.plain()
    assert first.plain().count("• ") == 50
    last = (await net.run("!nodes 3", room="!n0:x")).reply
    assert last.plain().count("• ") == 20 and "!nodes 4" not in last.plain()
    import json

    size = len(json.dumps(notice_content(first)).encode())
    assert size < 64 * 1024 / 4  # a comfortable margin below the limit
    await net.db.close()


async def test_a_window_among_many_nodes_shows_counts_not_every_name(tmp_path: Path) -> None:
    net = await make_harness(tmp_path, NOW)
    for index in range(60):
        await net.run(f"!node register Collective number {index} tz=UTC", room=f"!n{index}:x")
    await net.run("!window propose 2027-03-20 18:00 UTC; Vigil", room="!n0:x")
    (window,) = await net.windows.in_states(["proposed"])
    for index in range(40):
        await net.run(f"!vote {window.id} yes", room=f"!n{index}:x")
    await net.run(f"!vote {window.id} no", room="!n41:x")
    shown = (await net.run(f"!window show {window.id}", room="!n59:x")).reply.plain()
    assert "yes: 40 · no: 1 · —: 19" in shown, shown
    assert "… and 35 more." in shown and "Collective number 59:" in shown  # this node first
    assert shown.count("• ") == 25
    await net.db.close()
