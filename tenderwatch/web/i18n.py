"""The web pages' languages: Dutch first (the users are Dutch), English second.

Every string of the pages is a gettext message in one catalog per language
(`tenderwatch/web/locales/<lang>/LC_MESSAGES/messages.po`, extracted with Babel: `pybabel extract -F
tenderwatch/web/babel.cfg -o tenderwatch/web/locales/messages.pot .`, then `pybabel update -i
tenderwatch/web/locales/messages.pot -d
tenderwatch/web/locales` and translate what is new; a test fails while a message has no Dutch
translation); the catalogs are read with Babel when the app
starts, so there is no compiled file to keep in step. A page's language: the `lang` query
value or cookie (the switch on every page), else the best of `Accept-Language`, else Dutch.
"""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
LOCALES = Path(__file__).parent / "locales"


@cache
def translations(language: str) -> Translations:
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def language_of(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    for chosen in (query, cookie):
        if chosen in LANGUAGES:
            return chosen
    return best_accepted(accept_language or "")


def best_accepted(header: str) -> str:
    """The first language of `Accept-Language` (by q) that the pages speak; Dutch otherwise."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        if parameters.strip().startswith("q="):
            try:
                quality = float(parameters.strip()[2:])
            except ValueError:
                quality = 0.0
        try:
            language = (
                Locale.parse(tag.strip().replace("-", "_")).language
                if tag.strip() not in ("", "*")
                else None
            )
        except (ValueError, UnknownLocaleError):
            language = None
        if language in LANGUAGES and quality > 0:
            weighted.append((-quality, position, language))
    return min(weighted)[2] if weighted else DEFAULT_LANGUAGE
