"""Translation catalogs: the ``.po`` files in ``actionbot/locale``, loaded at start-up.

No compiled ``.mo`` files are kept in the repository: each ``.po`` is read with Babel and
compiled in memory once, when the bot starts (a few milliseconds per language), so what is
reviewed in the repository is exactly what runs. Fuzzy entries are not used: an entry a
translator has not confirmed is shown in English rather than half-right.

Regenerate after changing messages (see the README)::

    pybabel extract -F babel.cfg -o actionbot/locale/messages.pot .
    pybabel update -i actionbot/locale/messages.pot -d actionbot/locale
"""

from __future__ import annotations

import gettext
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from actionbot.core.nodes import Node
from actionbot.render.languages import LANGUAGES, SOURCE
from actionbot.render.voice import Voice

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"


def po_path(code: str, root: Path = LOCALE_DIR) -> Path:
    return root / LANGUAGES[code][0] / "LC_MESSAGES" / f"{DOMAIN}.po"


def _compile(path: Path, locale: str) -> gettext.NullTranslations:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


class Catalogs:
    """Every shipped language's translations, loaded once; built by the composition root."""

    def __init__(self, translations: dict[str, gettext.NullTranslations]) -> None:
        self._translations = translations

    @classmethod
    def load(cls, root: Path = LOCALE_DIR) -> Catalogs:
        loaded: dict[str, gettext.NullTranslations] = {SOURCE: gettext.NullTranslations()}
        for code, (locale, _name) in LANGUAGES.items():
            path = po_path(code, root)
            if code != SOURCE and path.exists():
                loaded[code] = _compile(path, locale)
        return cls(loaded)

    @classmethod
    def source_only(cls) -> Catalogs:
        """English only: for tests and tools that check wording, not translations."""
        return cls({SOURCE: gettext.NullTranslations()})

    def translations(self, code: str) -> gettext.NullTranslations:
        return self._translations.get(code) or self._translations[SOURCE]


class Voices:
    """Gives each room its voice: a node speaks its language in its zone; any other room
    (the coordination room included) hears ``bot.default_language`` and reads UTC."""

    def __init__(self, catalogs: Catalogs, default_language: str) -> None:
        self._catalogs = catalogs
        self._default = default_language

    def of(self, node: Node | None) -> Voice:
        if node is None:
            return self.default()
        return Voice(node.language, node.timezone, self._catalogs.translations(node.language))

    def default(self) -> Voice:
        return Voice(self._default, "UTC", self._catalogs.translations(self._default))

    def for_language(self, language: str | None) -> Voice:
        """A voice for a page that is not a room (an export): its language, in UTC."""
        code = language or self._default
        return Voice(code, "UTC", self._catalogs.translations(code))
