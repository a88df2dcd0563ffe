"""The two languages tenderwatch speaks to people: Dutch first (the users are Dutch), English
second. One gettext catalog per language serves the web pages and every mail.

The catalogs are `tenderwatch/common/locales/<lang>/LC_MESSAGES/messages.po`, extracted with
Babel:

    pybabel extract -F tenderwatch/common/babel.cfg -o tenderwatch/common/locales/messages.pot .
    pybabel update -i tenderwatch/common/locales/messages.pot -d tenderwatch/common/locales

then translate what is new (a test fails while a message has no Dutch translation). They are
read with Babel when first used, so there is no compiled file to keep in step.

Amounts and moments are written the reader's way with Babel's CLDR data (`€ 110,00` in
Dutch, `€110.00` in English), always in Amsterdam time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

from schemas.search import SearchFilter
from schemas.search_query import FilterProblem, described, label_of_param
from schemas.zone import AMSTERDAM

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}  # each in its own language
LOCALES = Path(__file__).parent / "locales"
BABEL_LOCALE = {"nl": "nl_NL", "en": "en_GB"}  # en_GB: day-month order, 24-hour clock


@cache
def translations(language: str) -> Translations:
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def money(amount: float, language: str) -> str:
    """`€ 110` / `€ 110,50` in Dutch, `€110` / `€110.50` in English: cents only when there are.
    The locale's own pattern, without its decimals for a whole amount."""
    locale = Locale.parse(BABEL_LOCALE[language])
    pattern = locale.currency_formats["standard"].pattern
    if float(amount).is_integer():
        pattern = pattern.replace(".00", "")
    text = format_currency(amount, "EUR", locale=locale, currency_digits=False, format=pattern)
    return text.replace("\xa0", " ")


def number(value: float, language: str) -> str:
    return format_decimal(value, locale=BABEL_LOCALE[language])


def moment(value: datetime, language: str) -> str:
    """A deadline as people write it: `8 jul 2026 09:00` / `8 Jul 2026 09:00`, Amsterdam time."""
    return format_datetime(
        value.astimezone(AMSTERDAM), "d MMM y HH:mm", locale=BABEL_LOCALE[language]
    ).replace(".", "")


def day(value: date, language: str, *, month_only: bool = False) -> str:
    """`13 jul 2026` (or `jul 2026`)."""
    pattern = "MMM y" if month_only else "d MMM y"
    return format_date(value, pattern, locale=BABEL_LOCALE[language]).replace(".", "")


def platform_name(source: str, platforms: Mapping[str, str]) -> str:
    """A platform as people know it ("Need Staffing"), from the registry's labels; an unknown
    one keeps its name."""
    return platforms.get(source, source)


def template_environment(
    folder: Path, language: str, platforms: Mapping[str, str], **options: Any
) -> Environment:
    """Jinja templates of `folder` in one language (`install`); `.html` ones autoescaped
    (listing text is untrusted), others (plain-text mail) not. One environment per language:
    installing translations per use on a shared one let a page come out in another request's
    language."""
    environment = Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        **options,
    )
    install(environment, language, platforms)
    return environment


def install(environment: Environment, language: str, platforms: Mapping[str, str]) -> None:
    """Give a Jinja environment the language's messages, filters (`money`, `local`, `day`,
    `month`, `platform`) and `in_words(search)`: the pages and the mails write alike."""
    environment.install_gettext_translations(translations(language), newstyle=True)
    environment.filters.update(
        money=lambda amount: money(amount, language),
        local=lambda value: moment(value, language),
        day=lambda value: day(value, language),
        month=lambda value: day(value, language, month_only=True),
        platform=lambda source: platform_name(source, platforms),
    )
    environment.globals["in_words"] = lambda search: search_in_words(search, language, platforms)
    environment.globals["problem_text"] = lambda problem: problem_text(problem, language)


def search_in_words(search: SearchFilter, language: str, platforms: Mapping[str, str]) -> str:
    """A saved search as a person reads it, never a URL query: "java · Utrecht, Gelderland ·
    Sluitingsdatum tot 17 dec 2026". The keywords, provinces and platforms as they are; every
    other filter with its label."""
    gettext = translations(language).gettext
    parts: list[str] = []
    for term, value, translated in described(search):
        if term.field in ("keyword", "regions"):  # the words themselves say what they are
            parts.append(value)
        elif term.field == "sources":
            parts.append(", ".join(platform_name(source, platforms) for source in search.sources))
        else:
            shown = getattr(search, term.field)
            if isinstance(shown, date):
                value = day(shown, language)
            parts.append(f"{gettext(term.label)}: {gettext(value) if translated else value}")
    return " · ".join(parts) or gettext("every open assignment")


def problem_text(problem: FilterProblem, language: str) -> str:
    """ "Pay scale from: a whole number from 1 to 18", in the reader's language."""
    gettext = translations(language).gettext
    return f"{gettext(label_of_param(problem.field))}: {problem.expected_text(gettext)}"
