"""Kill the bot (SIGKILL, no clean-up) between two reminders, restart it: every reminder
arrives exactly once; the one due while it was dead comes late, marked "(sent late)"."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from actionbot.localserver import LocalSynapse
from tests.integration.conftest import assert_no_person_in
from tests.integration.matrix_user import MatrixUser
from tests.integration.test_windows import WINDOW_ID, node_room

pytestmark = pytest.mark.integration


def start_bot(config_path: Path, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "ab")
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "actionbot", "run", "-c", str(config_path)],
            stdout=log,
            stderr=log,
        )
    finally:
        log.close()


def write_config(
    tmp_path: Path,
    synapse: LocalSynapse,
    account,
    *,
    late_grace: str,
    coordination: str | None = None,
) -> Path:
    """A bot config with reminders 10 s and 5 s before, at the start and at the end."""
    raw = {
        "matrix": {
            "homeserver": synapse.url,
            "user_id": account.user_id,
            "password": account.password,
        },
        "store": {"path": str(tmp_path / "bot")},
        "network": {"admission": "open"},
        "sending": {"sync_timeout": "2s", "retry_base": "1s"},
        "windows": {
            "reminders": ["10s", "5s", "start", "end"],
            "late_after": "1s",
            "late_grace": late_grace,
        },
    }
    if coordination:
        raw["bot"] = {"coordination_room": coordination}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


async def propose_and_approve(alice: MatrixUser, room: str, start: datetime) -> str:
    """Propose a 3 s window at ``start`` from the only node and vote it through."""
    proposal = await alice.send_text(
        room, f"!window propose {start:%Y-%m-%dT%H:%M:%SZ} for 3s; Vigil"
    )
    window_id = WINDOW_ID.search(
        (await alice.wait_for_reply(room, proposal)).content["body"]
    ).group(1)
    await alice.wait_for_reply(room, await alice.send_text(room, f"!vote {window_id} yes"))
    return window_id


async def kill_after_first_reminder(bot: subprocess.Popen, alice: MatrixUser, room: str) -> None:
    """Wait for the first reminder, then SIGKILL the bot: no graceful shutdown, no flush."""
    await alice.wait_for(
        lambda s: s.room_id == room and s.content.get("body", "").startswith("⏰"), timeout=60
    )
    bot.send_signal(signal.SIGKILL)
    bot.wait()


async def restart_after_second_due(
    start: datetime, config_path: Path, log_path: Path, *, dead_after_due: float
) -> subprocess.Popen:
    """Stay dead until ``dead_after_due`` s past the second reminder's due time, then restart."""
    second_due = start - timedelta(seconds=5)
    await asyncio.sleep(max(0.0, (second_due - datetime.now(UTC)).total_seconds()) + dead_after_due)
    return start_bot(config_path, log_path)


async def test_hard_kill_between_reminders_loses_and_doubles_nothing(
    synapse: LocalSynapse, tmp_path: Path
) -> None:
    account = synapse.register(f"bot{os.urandom(3).hex()}")
    config_path = write_config(tmp_path, synapse, account, late_grace="1m")
    log_path = tmp_path / "bot.log"
    bot = start_bot(config_path, log_path)
    alice = await MatrixUser.register_on(synapse, tmp_path / "alice", "alice")
    try:
        room = await node_room(alice, account.user_id, encrypted=True, register="Solo tz=UTC")
        start = (datetime.now(UTC) + timedelta(seconds=20)).replace(microsecond=0)
        window_id = await propose_and_approve(alice, room, start)

        def reminders() -> list[str]:
            return [
                s.content["body"]
                for s in alice.notices_in(room, account.user_id)
                if s.content.get("body", "").startswith(("⏰", "🟢", "🔴"))
            ]

        await kill_after_first_reminder(bot, alice, room)
        assert len(reminders()) == 1

        # Stay dead past the second reminder's due time, then come back.
        bot = await restart_after_second_due(start, config_path, log_path, dead_after_due=2)

        await alice.wait_for(
            lambda s: s.room_id == room and s.content.get("body", "").startswith("🔴"), timeout=60
        )
        await asyncio.sleep(2)  # let any duplicate arrive before counting
        bodies = reminders()
        assert [b[:1] for b in bodies] == ["⏰", "⏰", "🟢", "🔴"], bodies
        assert "(sent late)" not in bodies[0]
        assert "(sent late)" in bodies[1]  # due while the bot was dead: sent late, and says so
        assert "(sent late)" not in bodies[2]
    finally:
        bot.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(bot.wait, 30) == 0
        await alice.close()

    with sqlite3.connect(tmp_path / "bot" / "actionbot.db") as db:
        rows = db.execute("SELECT offset_key, status FROM reminders ORDER BY due_at").fetchall()
        outbox = db.execute(
            "SELECT status, COUNT(*) FROM outbox WHERE key LIKE 'reminder:%' GROUP BY status"
        ).fetchall()
    assert rows == [("10s", "fired"), ("5s", "fired"), ("start", "fired"), ("end", "fired")]
    assert outbox == [("sent", 4)]
    # The audit view: `actionbot windows --json` reads the same database.
    listed = subprocess.run(
        [
            sys.executable,
            "-m",
            "actionbot",
            "windows",
            "--json",
            "--per-node",
            "-c",
            str(config_path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    (record,) = json.loads(listed.stdout)
    assert record["id"] == window_id and record["title"] == "Vigil"
    assert record["state"] == "done" and record["mode"] == "global"
    assert record["start_utc"] == start.isoformat() and record["duration_s"] == 3
    assert list(record["node_starts_utc"].values()) == [start.isoformat()]
    assert list(record["votes"].values()) == ["yes"]
    log_text = log_path.read_text()
    assert account.password not in log_text
    assert "schedule rebuilt from the database" in log_text
    # Killed mid-run (its write-ahead log left behind), restarted, stopped: nobody named.
    assert_no_person_in(tmp_path / "bot" / "actionbot.db", account.user_id)


async def test_reminder_too_late_after_a_crash_is_skipped_and_listed(
    synapse: LocalSynapse, tmp_path: Path
) -> None:
    """Past the grace period a missed reminder is not sent late: the coordination room is
    told which one was skipped (by window and node, never by person)."""
    account = synapse.register(f"bot{os.urandom(3).hex()}")
    alice = await MatrixUser.register_on(synapse, tmp_path / "alice", "alice")
    coordination = await alice.create_room(encrypted=True, name="coordination")
    config_path = write_config(
        tmp_path, synapse, account, late_grace="2s", coordination=coordination
    )
    log_path = tmp_path / "bot.log"
    bot = start_bot(config_path, log_path)
    try:
        await alice.invite(coordination, account.user_id)
        room = await node_room(alice, account.user_id, encrypted=False, register="Solo tz=UTC")
        start = (datetime.now(UTC) + timedelta(seconds=20)).replace(microsecond=0)
        window_id = await propose_and_approve(alice, room, start)
        await kill_after_first_reminder(bot, alice, room)
        bot = await restart_after_second_due(start, config_path, log_path, dead_after_due=4)

        report = await alice.wait_for(
            lambda s: (
                s.room_id == coordination
                and s.content.get("body", "").startswith("Skipped: the reminder")
            ),
            timeout=60,
        )
        body = report.content["body"]
        assert window_id in body and "the reminder 5 seconds before for node Solo" in body
        assert alice.user_id not in report.content["body"]
        await alice.wait_for(
            lambda s: s.room_id == room and s.content.get("body", "").startswith("🔴"), timeout=60
        )
        bodies = [
            s.content["body"][:1]
            for s in alice.notices_in(room, account.user_id)
            if s.content.get("body", "").startswith(("⏰", "🟢", "🔴"))
        ]
        assert bodies == ["⏰", "🟢", "🔴"]
    finally:
        bot.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(bot.wait, 30) == 0
        await alice.close()
    with sqlite3.connect(tmp_path / "bot" / "actionbot.db") as db:
        rows = db.execute("SELECT offset_key, status FROM reminders ORDER BY due_at").fetchall()
    assert rows == [("10s", "fired"), ("5s", "skipped"), ("start", "fired"), ("end", "fired")]
