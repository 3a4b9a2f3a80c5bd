"""The ``actionbot`` command as a person runs it: check-config, and the local demo."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from actionbot.localserver import free_port
from tests.integration.matrix_user import MatrixUser

pytestmark = pytest.mark.integration

CLI = [sys.executable, "-m", "actionbot"]


def test_check_config_names_the_wrong_field(tmp_path: Path) -> None:
    bad = tmp_path / "config.yaml"
    bad.write_text(
        yaml.safe_dump({"matrix": {"homeserver": "matrix.org", "user_id": "@b:x", "pasword": "x"}})
    )
    result = subprocess.run(
        [*CLI, "check-config", "-c", str(bad)],
        capture_output=True,
        text=True,
        env={**os.environ, "ACTIONBOT_PASSWORD": ""},
    )
    assert result.returncode == 2
    assert "matrix.homeserver: must start with https://" in result.stderr
    assert "matrix.pasword: unknown key (did you mean 'password'?)" in result.stderr

    good = tmp_path / "good.yaml"
    good.write_text(
        yaml.safe_dump(
            {
                "matrix": {"homeserver": "https://m.org", "user_id": "@b:m.org"},
                "bot": {"coordination_room": "!coord:m.org"},
            }
        )
    )
    result = subprocess.run(
        [*CLI, "check-config", "-c", str(good)],
        capture_output=True,
        text=True,
        env={**os.environ, "ACTIONBOT_PASSWORD": "pw"},
    )
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout and "pw" not in result.stdout


async def test_demo_runs_a_whole_network_and_stops_cleanly(tmp_path: Path) -> None:
    demo_dir = tmp_path / "demo"
    port = free_port()
    process = subprocess.Popen(
        [*CLI, "demo", "--dir", str(demo_dir), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = ""
        deadline = time.monotonic() + 90
        while "Password" not in banner and time.monotonic() < deadline:
            line = await asyncio.to_thread(process.stdout.readline)
            if not line and process.poll() is not None:
                pytest.fail(f"demo exited early: {process.stderr.read()[-2000:]}")
            banner += line
        fields = {
            key.strip(): value.strip()
            for key, value in (
                line.split(" : ", 1) for line in banner.splitlines() if " : " in line
            )
        }
        assert fields["Homeserver"] == f"http://127.0.0.1:{port}"
        user = await MatrixUser(
            url=fields["Homeserver"],
            user_id=fields["Log in as"],
            password=fields["Password"],
            store_dir=tmp_path / "u",
        ).login()
        try:
            room = yaml.safe_load((demo_dir / "config.yaml").read_text())["bot"][
                "coordination_room"
            ]
            await user.wait_for(
                lambda s: (
                    s.room_id == room
                    and getattr(s.event, "sender", "") == "@actionbot:localhost"
                    and "msgtype" in s.content
                ),
                timeout=60,
            )
            command = await user.send_text(room, "!help")
            answer = await user.wait_for_reply(room, command)
            assert "!node register" in answer.content["body"]
            # The demo lifts Synapse's message rate limit for the bot, as the README says
            # an operator should.
            assert _override_of(fields["Homeserver"], demo_dir) == {
                "messages_per_second": 0,
                "burst_count": 0,
            }
        finally:
            await user.close()
        process.send_signal(signal.SIGINT)
        assert await asyncio.to_thread(process.wait, 60) == 0
        stderr = process.stderr.read()
        assert fields["Password"] not in stderr
        assert "stopped" in stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
            # A killed demo cannot stop its Synapse: do it here so no server outlives the test.
            pid_file = demo_dir / "synapse" / "homeserver.pid"
            if pid_file.exists():
                try:
                    os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
                except (ProcessLookupError, ValueError):
                    pass


def _override_of(url: str, demo_dir: Path) -> dict:
    import json
    import urllib.request

    def call(path: str, body: dict | None = None, token: str | None = None) -> dict:
        request = urllib.request.Request(
            f"{url}{path}",
            data=json.dumps(body).encode() if body is not None else None,
            method="POST" if body is not None else "GET",
            headers={"Content-Type": "application/json"}
            | ({"Authorization": f"Bearer {token}"} if token else {}),
        )
        with urllib.request.urlopen(request, timeout=30) as resp:
            return json.loads(resp.read())

    password = (demo_dir / "admin-password").read_text().strip()
    login = call(
        "/_matrix/client/v3/login",
        {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": "demo-admin"},
            "password": password,
        },
    )
    return call(
        "/_synapse/admin/v1/users/@actionbot:localhost/override_ratelimit",
        token=login["access_token"],
    )
