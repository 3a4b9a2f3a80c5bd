"""Kill the bot (SIGKILL, no clean-up) between two reminders, restart it: every reminder
arrives exactly once; the one due while it was dead comes late, marked "(late)"."""

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


async def test_hard_kill_between_reminders_loses_and_doubles_nothing(
    synapse: LocalSynapse, tmp_path: Path
) -> None:
    account = synapse.register(f"bot{os.urandom(3).hex()}")
    config_path = tmp_path / "config.yaml"
    config_path.write_text(
        yaml.safe_dump(
            {
                "matrix": {
                    "homeserver": synapse.url,
                    "user_id": account.user_id,
                    "password": account.password,
                },
                "store": {"path": str(tmp_path / "bot")},
                "sending": {"sync_timeout": "2s", "retry_base": "1s"},
                "windows": {
                    "reminders": ["10s", "5s", "start", "end"],
                    "late_after": "1s",
                    "late_grace": "1m",
                },
            }
        )
    )
    log_path = tmp_path / "bot.log"
    bot = start_bot(config_path, log_path)
    alice = await MatrixUser.register_on(synapse, tmp_path / "alice", "alice")
    try:
        room = await node_room(alice, account.user_id, encrypted=True, register="Solo tz=UTC")
        start = (datetime.now(UTC) + timedelta(seconds=20)).replace(microsecond=0)
        proposal = await alice.send_text(
            room, f"!window propose {start:%Y-%m-%dT%H:%M:%SZ} for 3s; Vigil"
        )
        window_id = WINDOW_ID.search(
            (await alice.wait_for_reply(room, proposal)).content["body"]
        ).group(1)
        await alice.wait_for_reply(room, await alice.send_text(room, f"!vote {window_id} yes"))

        def reminders() -> list[str]:
            return [
                s.content["body"]
                for s in alice.notices_in(room, account.user_id)
                if s.content.get("body", "").startswith(("⏰", "🟢", "🔴"))
            ]

        await alice.wait_for(
            lambda s: s.room_id == room and s.content.get("body", "").startswith("⏰"), timeout=60
        )
        bot.send_signal(signal.SIGKILL)  # no graceful shutdown, no flush
        bot.wait()
        assert len(reminders()) == 1

        # Stay dead past the second reminder's due time, then come back.
        second_due = start - timedelta(seconds=5)
        await asyncio.sleep(max(0.0, (second_due - datetime.now(UTC)).total_seconds()) + 2)
        bot = start_bot(config_path, log_path)

        await alice.wait_for(
            lambda s: s.room_id == room and s.content.get("body", "").startswith("🔴"), timeout=60
        )
        await asyncio.sleep(2)  # let any duplicate arrive before counting
        bodies = reminders()
        assert [b[:1] for b in bodies] == ["⏰", "⏰", "🟢", "🔴"], bodies
        assert "(late)" not in bodies[0]
        assert "(late)" in bodies[1]  # due while the bot was dead: sent late, and says so
        assert "(late)" not in bodies[2]
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
        [sys.executable, "-m", "actionbot", "windows", "--json", "-c", str(config_path)],
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


async def test_reminder_too_late_after_a_crash_is_skipped_and_listed(
    synapse: LocalSynapse, tmp_path: Path
) -> None:
    """Past the grace period a missed reminder is not sent late: the coordination room is
    told which one was skipped (by window and node, never by person)."""
    account = synapse.register(f"bot{os.urandom(3).hex()}")
    alice = await MatrixUser.register_on(synapse, tmp_path / "alice", "alice")
    coordination = await alice.create_room(encrypted=True, name="coordination")
    config_path = tmp_path / "config.yaml"
    config_path.write_text(
        yaml.safe_dump(
            {
                "matrix": {
                    "homeserver": synapse.url,
                    "user_id": account.user_id,
                    "password": account.password,
                },
                "bot": {"coordination_room": coordination},
                "store": {"path": str(tmp_path / "bot")},
                "sending": {"sync_timeout": "2s", "retry_base": "1s"},
                "windows": {
                    "reminders": ["10s", "5s", "start", "end"],
                    "late_after": "1s",
                    "late_grace": "2s",
                },
            }
        )
    )
    log_path = tmp_path / "bot.log"
    bot = start_bot(config_path, log_path)
    try:
        await alice.invite(coordination, account.user_id)
        room = await node_room(alice, account.user_id, encrypted=False, register="Solo tz=UTC")
        start = (datetime.now(UTC) + timedelta(seconds=20)).replace(microsecond=0)
        proposal = await alice.send_text(
            room, f"!window propose {start:%Y-%m-%dT%H:%M:%SZ} for 3s; Vigil"
        )
        window_id = WINDOW_ID.search(
            (await alice.wait_for_reply(room, proposal)).content["body"]
        ).group(1)
        await alice.wait_for_reply(room, await alice.send_text(room, f"!vote {window_id} yes"))
        await alice.wait_for(
            lambda s: s.room_id == room and s.content.get("body", "").startswith("⏰"), timeout=60
        )
        bot.send_signal(signal.SIGKILL)
        bot.wait()
        second_due = start - timedelta(seconds=5)
        await asyncio.sleep(max(0.0, (second_due - datetime.now(UTC)).total_seconds()) + 4)
        bot = start_bot(config_path, log_path)

        report = await alice.wait_for(
            lambda s: s.room_id == coordination and "Reminder skipped" in s.content.get("body", ""),
            timeout=60,
        )
        assert (
            window_id in report.content["body"] and "node Solo, 5s before" in report.content["body"]
        )
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
