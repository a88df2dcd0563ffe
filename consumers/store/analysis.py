"""Dutch text analysis in Python, the same steps as the Elasticsearch analyzer `tender_dutch`
(deploy/elasticsearch/tenders-template.json): standard tokenizer, lowercase, ASCII folding,
Dutch stop words (Lucene's `_dutch_` list) and the Snowball Dutch stemmer (Lucene's
"Dutch" is the classic algorithm, PyStemmer's `dutch_porter`: "projectleiders" →
"projectleider", "gemeenten" → "gemeent").

The tokenizer approximates Unicode word segmentation (UAX #29): runs of letters and digits,
kept together across `'`, `.` and `,` between letters or digits ("cv's", "09.00").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

DUTCH_STOP_WORDS = frozenset("""
de en van ik te dat die in een hij het niet zijn is was op aan met als voor had er maar om hem
dan zou of wat mijn men dit zo door over ze zich bij ook tot je mij uit der daar haar naar heb
hoe heeft hebben deze u want nog zal me zij nu ge geen omdat iets worden toch al waren veel meer
doen toen moet ben zonder kan hun dus alles onder ja eens hier wie werd altijd doch wordt wezen
kunnen ons zelf tegen na reeds wil kon niets uw iemand geweest andere
""".split())

TOKEN = re.compile(r"[^\W_]+(?:['’.,][^\W_]+)*")
_stemmer = Stemmer.Stemmer("dutch_porter")


def fold(text: str) -> str:
    """Lowercase and strip accents: "Coördinator" → "coordinator"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=65536)
def _stem(token: str) -> str:
    return _stemmer.stemWord(token)


def analyze(text: str) -> list[str]:
    """Text → the terms that are indexed and searched, in order."""
    terms = []
    for match in TOKEN.finditer(text):
        token = fold(match.group(0)).replace("’", "'")
        if token and token not in DUTCH_STOP_WORDS:
            terms.append(_stem(token))
    return terms
