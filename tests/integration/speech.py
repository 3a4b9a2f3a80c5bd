"""What the bot should say, computed from the shipped catalogs: tests check that each room
hears its own language without copying translations into the tests."""

from __future__ import annotations

from functools import cache

from actionbot.render.catalogs import Catalogs
from actionbot.render.reply import reply
from actionbot.render.voice import Voice


@cache
def _catalogs() -> Catalogs:
    return Catalogs.load()


def voice(language: str, zone: str = "UTC") -> Voice:
    return Voice(language, zone, _catalogs().translations(language))


def said(speaker: Voice, message: str, **values: object) -> str:
    """One line of a message as its plain-text body shows it (code spans in backticks)."""
    return reply(speaker._(message, **values)).plain()
