"""The page's language: the `lang` query value or cookie (the switch on every page), else the
best of `Accept-Language`, else Dutch. The catalogs and the ways of writing amounts and dates
are `tenderwatch.common.i18n`'s, shared with the mails."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

from tenderwatch.common.i18n import DEFAULT_LANGUAGE, LANGUAGES, LOCALES, translations

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LOCALES",
    "best_accepted",
    "language_of",
    "translations",
]


def language_of(
    query: str | None,
    cookie: str | None,
    accept_language: str | None,
    default: str | None = None,
) -> str:
    """The switch, its cookie, then `default` (what the page is about says: a saved search's
    own language on its unsubscribe page), then the browser's languages."""
    for chosen in (query, cookie, default):
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
