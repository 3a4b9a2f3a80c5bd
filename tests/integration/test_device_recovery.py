"""A lost encryption store: the bot replaces its device (with its password) or stops with
recovery steps (without one) — never the silent "key has changed" of a reused device id."""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

import pytest
from nio import AsyncClient, LoginResponse

from actionbot.app import Bot
from actionbot.config import Config, parse_config
from actionbot.matrix.http import Answer, call
from tests.integration.conftest import RunningBot, assert_no_person_in

pytestmark = pytest.mark.integration


async def _devices_on_server(client: AsyncClient, user_id: str) -> set[str]:
    """The bot's devices as another user's client sees them (keys/query)."""
    answer = await call(client, "POST", "keys/query", {"device_keys": {user_id: []}})
    assert isinstance(answer, Answer) and answer.ok, answer
    return set(answer.body["device_keys"].get(user_id, {}))


def _wipe_store(config: Config) -> None:
    shutil.rmtree(config.crypto_store_path)


async def test_lost_store_gives_a_new_device_announced_and_the_old_one_deleted(
    new_user, make_bot, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="actionbot")
    alice = await new_user("alice")
    coordination = await alice.create_room(encrypted=True, name="coordination")
    bot = await make_bot(bot__coordination_room=coordination, bot__coordinators=[alice.user_id])
    await alice.invite(coordination, bot.user_id)
    await alice.wait_for(
        lambda s: s.room_id == coordination and getattr(s.event, "sender", "") == bot.user_id
    )
    old_device = bot.bot.connection.device_id
    assert old_device in await _devices_on_server(alice.client, bot.user_id)
    assert await bot.stop() == 0

    _wipe_store(bot.config)
    restarted = await RunningBot(bot.config).start()
    connection = restarted.bot.connection
    new_device = connection.device_id
    assert new_device and new_device != old_device
    assert connection.replaced is not None and connection.replaced.store_was_missing

    notice = await alice.wait_for(
        lambda s: s.room_id == coordination and new_device in s.content.get("body", "")
    )
    body = notice.content["body"]
    assert "new device" in body and old_device in body and "is deleted" in body
    assert connection.fingerprint in body
    assert getattr(notice.event, "decrypted", False)  # alice's client trusts the new keys
    devices = await _devices_on_server(alice.client, bot.user_id)
    assert new_device in devices and old_device not in devices
    assert any(
        r.levelno == logging.ERROR and "did not match" in r.getMessage() for r in caplog.records
    )

    # Encrypted commands work both ways with the new device.
    asked = await alice.send_text(coordination, "!help")
    answer = await alice.wait_for_reply(coordination, asked)
    assert getattr(answer.event, "decrypted", False)
    assert await restarted.stop() == 0

    # The next start keeps the new device: nothing to replace, nothing announced again.
    again = await RunningBot(bot.config).start()
    assert again.bot.connection.device_id == new_device
    assert again.bot.connection.replaced is None
    barrier = await alice.send_text(coordination, "!nodes")
    await alice.wait_for_reply(coordination, barrier)
    announcements = [
        s
        for s in alice.notices_in(coordination, bot.user_id)
        if "new device" in s.content.get("body", "")
    ]
    assert len(announcements) == 1
    assert await again.stop() == 0
    assert_no_person_in(bot.config.db_path, bot.user_id)


async def test_lost_store_without_a_password_stops_with_recovery_steps(
    synapse, tmp_path: Path, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="actionbot")
    account = synapse.register("tokenbot")
    login_client = AsyncClient(synapse.url, account.user_id)
    login = await login_client.login(password=account.password, device_name="operator")
    assert isinstance(login, LoginResponse)
    await login_client.close()  # the token stays valid: the bot adopts it
    config = parse_config(
        {
            "matrix": {
                "homeserver": synapse.url,
                "user_id": account.user_id,
                "access_token": login.access_token,
            },
            "store": {"path": str(tmp_path / "store")},
            "sending": {"sync_timeout": "5s"},
            "network": {"admission": "open"},
        },
        env={},
    )
    assert isinstance(config, Config), config
    first = await RunningBot(config).start()
    assert first.bot.connection.device_id == login.device_id
    assert await first.stop() == 0

    _wipe_store(config)
    caplog.clear()
    code = await asyncio.wait_for(Bot(config).run(asyncio.Event()), 60)
    assert code != 0
    failed = [r for r in caplog.records if r.levelno >= logging.ERROR]
    text = " ".join(r.getMessage() + str(getattr(r, "reason", "")) for r in failed)
    assert "does not match" in text and "actionbot backup" in text and "password" in text
