"""``actionbot demo``: a complete local network on this machine, no configuration.

It starts a throwaway Synapse on 127.0.0.1 (data under ``--dir``), registers the bot and
a demo user, creates an encrypted coordination room with the bot in it, writes the bot's
config next to the data, and runs the bot until Ctrl-C. Re-running reuses everything.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from pathlib import Path

import yaml
from nio import AsyncClient, LoginResponse, RoomCreateResponse

from actionbot.app import Bot
from actionbot.config import Config, load_config
from actionbot.localserver import LocalSynapse, free_port

DEMO_USER = "demo"
BOT_USER = "actionbot"


def _secret(path: Path) -> str:
    if not path.exists():
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


async def _create_coordination_room(url: str, user_id: str, password: str, bot_id: str) -> str:
    client = AsyncClient(url, user_id)
    try:
        login = await client.login(password=password, device_name="actionbot-demo-setup")
        if not isinstance(login, LoginResponse):
            raise RuntimeError(f"demo user could not log in: {login}")
        created = await client.room_create(
            name="actionbot coordination (demo)",
            topic="Coordination room of the local actionbot demo network",
            invite=[bot_id],
            initial_state=[
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            ],
        )
        if not isinstance(created, RoomCreateResponse):
            raise RuntimeError(f"could not create the coordination room: {created}")
        await client.logout()
        return created.room_id
    finally:
        await client.close()


def prepare(data_dir: Path, port: int | None) -> tuple[LocalSynapse, Config, dict[str, str]]:
    """Start Synapse and make sure users, room and config exist. Blocking."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    state_file = data_dir / "demo.json"
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    if port is None:
        port = state.get("port") or 8008
        try:
            import socket

            with socket.socket() as probe:
                probe.bind(("127.0.0.1", port))
        except OSError:
            port = free_port()
    server = LocalSynapse(data_dir / "synapse", port=port)
    server.start()
    demo_password = _secret(data_dir / "demo-user-password")
    bot_password = _secret(data_dir / "bot-password")
    demo = server.register(DEMO_USER, demo_password, exist_ok=True)
    bot = server.register(BOT_USER, bot_password, exist_ok=True)
    # As an operator should (README, "Scale"): the bot posts to every node room at once.
    admin = server.register(
        "demo-admin", _secret(data_dir / "admin-password"), admin=True, exist_ok=True
    )
    server.lift_rate_limit(bot.user_id, admin)
    if "coordination_room" not in state:
        state["coordination_room"] = asyncio.run(
            _create_coordination_room(server.url, demo.user_id, demo_password, bot.user_id)
        )
    state["port"] = port
    state_file.write_text(json.dumps(state, indent=2))
    config_path = data_dir / "config.yaml"
    config_path.write_text(
        yaml.safe_dump(
            {
                "matrix": {
                    "homeserver": server.url,
                    "user_id": bot.user_id,
                    "password": bot_password,
                },
                "bot": {"coordination_room": state["coordination_room"]},
                "store": {"path": str(data_dir / "bot")},
            }
        )
    )
    config_path.chmod(0o600)
    config = load_config(config_path, env={})
    if isinstance(config, list):  # pragma: no cover - we wrote it ourselves
        server.stop()
        raise RuntimeError("; ".join(map(str, config)))
    return (
        server,
        config,
        {
            "url": server.url,
            "user": demo.user_id,
            "password": demo_password,
            "room": state["coordination_room"],
        },
    )


def banner(info: dict[str, str]) -> str:
    return "\n".join(
        [
            "",
            "actionbot demo is running.",
            f"  Homeserver : {info['url']}",
            f"  Log in as  : {info['user']}",
            f"  Password   : {info['password']}",
            "  The encrypted room 'actionbot coordination (demo)' already has the bot in it;",
            "  send !help there. Invite the bot (@actionbot:localhost) to more rooms to add nodes.",
            "  Press Ctrl-C to stop.",
            "",
        ]
    )


async def run_demo(config: Config, stop: asyncio.Event) -> int:
    return await Bot(config).run(stop)
