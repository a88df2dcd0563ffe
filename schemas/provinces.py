"""The twelve provinces of the Netherlands: the only values a `Tender.region` or a search's
region can take, and how their names are written (Dutch, English, Frisian, any case).

Lives on the lowest floor so the search filter can refuse a region that can never match, and
the crawler (`crawler.regions`) reads a listing's location into one of these names.
"""

from __future__ import annotations

import difflib
import unicodedata

PROVINCES = (
    "Groningen",
    "Friesland",
    "Drenthe",
    "Overijssel",
    "Flevoland",
    "Gelderland",
    "Utrecht",
    "Noord-Holland",
    "Zuid-Holland",
    "Zeeland",
    "Noord-Brabant",
    "Limburg",
)
# Spellings beyond the Dutch official name: Frisian and English.
ALSO_WRITTEN = {
    "fryslan": "Friesland",
    "fryslân": "Friesland",
    "frisia": "Friesland",
    "north holland": "Noord-Holland",
    "south holland": "Zuid-Holland",
    "north brabant": "Noord-Brabant",
}


def name_key(text: str) -> str:
    """A name compared as people mean it: no case, accents, dashes or extra spaces."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(character for character in folded if not unicodedata.combining(character))
    return " ".join(folded.replace("’", "'").replace("-", " ").split())


PROVINCE_BY_KEY = {name_key(name): name for name in PROVINCES} | {
    name_key(name): province for name, province in ALSO_WRITTEN.items()
}


def province_named(text: str | None) -> str | None:
    """The province when `text` is a province name (any case, Fryslân for Friesland), else None."""
    return PROVINCE_BY_KEY.get(name_key(text)) if text else None


def unknown_province_message(text: str) -> str:
    """Why `text` is not a region, with a "did you mean" where a province's name is close."""
    close = difflib.get_close_matches(name_key(text), list(PROVINCE_BY_KEY), n=1, cutoff=0.6)
    hint = (
        f"; did you mean {PROVINCE_BY_KEY[close[0]]}?"
        if close
        else f"; one of {', '.join(PROVINCES)}"
    )
    return f"{text.strip()[:60]!r} is not a province of the Netherlands{hint}"
