"""The bot cross-signs its own device; the signatures are checked here with signedjson
on what the server hands to anyone (``/keys/query``), not with the bot's own code."""

from __future__ import annotations

import logging
import secrets
import shutil
from typing import Any

import pytest
from nio import AsyncClient, LoginResponse
from signedjson.key import decode_verify_key_bytes
from signedjson.sign import verify_signed_json
from unpaddedbase64 import decode_base64

from actionbot.matrix.cross_signing import CrossSigningKeys
from actionbot.matrix.http import Answer, call
from tests.integration.conftest import RunningBot

pytestmark = pytest.mark.integration


async def _published(client, user_id: str) -> dict[str, Any]:
    answer = await call(client, "POST", "keys/query", {"device_keys": {user_id: []}})
    assert isinstance(answer, Answer) and answer.ok, answer
    return answer.body


def _verify_key(key_object: dict[str, Any]):
    ((key_id, public),) = key_object["keys"].items()
    assert key_id == f"ed25519:{public}"
    return key_id, decode_verify_key_bytes(key_id, decode_base64(public))


def _check_signed(body: dict[str, Any], user_id: str, device_id: str) -> str:
    """Master → self-signing → device, each signature verified; returns the master key id."""
    master = body["master_keys"][user_id]
    self_signing = body["self_signing_keys"][user_id]
    assert master["usage"] == ["master"] and self_signing["usage"] == ["self_signing"]
    master_id, master_key = _verify_key(master)
    ssk_id, ssk = _verify_key(self_signing)
    verify_signed_json(self_signing, user_id, master_key)  # raises if not signed by master
    device = body["device_keys"][user_id][device_id]
    assert ssk_id in device["signatures"][user_id]
    verify_signed_json(device, user_id, ssk)  # raises if the device is not cross-signed
    return master_id


async def test_the_bot_device_is_cross_signed_and_stays_so(new_user, make_bot, caplog) -> None:
    caplog.set_level(logging.INFO, logger="actionbot")
    alice = await new_user("alice")
    coordination = await alice.create_room(encrypted=True, name="coordination")
    bot = await make_bot(bot__coordination_room=coordination)
    await alice.invite(coordination, bot.user_id)
    device = bot.bot.connection.device_id
    master_id = _check_signed(await _published(alice.client, bot.user_id), bot.user_id, device)
    assert await bot.stop() == 0

    # A restart finds everything in place and uploads nothing.
    caplog.clear()
    again = await RunningBot(bot.config).start()
    assert again.bot.connection.device_id == device
    assert not [r for r in caplog.records if "cross-signed" in r.getMessage()]
    assert await again.stop() == 0

    # A lost store gives a new device, signed by the same identity people verified.
    shutil.rmtree(bot.config.crypto_store_path)
    replaced = await RunningBot(bot.config).start()
    new_device = replaced.bot.connection.device_id
    assert new_device != device
    body = await _published(alice.client, bot.user_id)
    assert _check_signed(body, bot.user_id, new_device) == master_id
    assert device not in body["device_keys"][bot.user_id]
    assert await replaced.stop() == 0

    # Someone resets the account's cross-signing from another client (password required):
    # at the next start the bot makes a new identity of its own (Synapse refuses a master
    # key it held before), uploads it with its password and signs its device again.
    other = AsyncClient(bot.config.homeserver, bot.user_id)
    assert isinstance(await other.login(password=bot.config.password), LoginResponse)
    foreign = CrossSigningKeys.from_seeds(*[secrets.token_bytes(32) for _ in range(3)])
    upload = foreign.uploads(bot.user_id)
    first = await call(other, "POST", "keys/device_signing/upload", upload)
    assert isinstance(first, Answer) and first.status == 401
    upload["auth"] = {
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": bot.user_id},
        "password": bot.config.password,
        "session": first.body["session"],
    }
    second = await call(other, "POST", "keys/device_signing/upload", upload)
    assert isinstance(second, Answer) and second.ok, second
    await other.close()
    body = await _published(alice.client, bot.user_id)
    foreign_id = _verify_key(body["master_keys"][bot.user_id])[0]
    assert foreign_id != master_id

    back = await RunningBot(bot.config).start()
    body = await _published(alice.client, bot.user_id)
    own_again = _check_signed(body, bot.user_id, new_device)
    assert own_again not in (master_id, foreign_id)
    # ... and tells the coordinators, who must verify it again (and ask who reset it).
    told = await alice.wait_for(
        lambda s: (
            s.room_id == coordination and "cross-signing identity" in s.content.get("body", "")
        )
    )
    assert own_again.removeprefix("ed25519:") in told.content["body"]
    assert await back.stop() == 0
    # Kept: the next start finds its new identity in place.
    caplog.clear()
    last = await RunningBot(bot.config).start()
    assert (
        _check_signed(await _published(alice.client, bot.user_id), bot.user_id, new_device)
        == own_again
    )
    assert not [r for r in caplog.records if "cross-signed" in r.getMessage()]
    assert await last.stop() == 0
