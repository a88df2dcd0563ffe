"""Dutch text analysis in Python, the same steps as the Elasticsearch analyzer `tender_dutch`
(deploy/elasticsearch/tenders-template.json): standard tokenizer, lowercase, ASCII folding,
Dutch stop words (Lucene's `_dutch_` list) and the Snowball Dutch stemmer (Lucene's
"Dutch" is the classic algorithm, PyStemmer's `dutch_porter`: "projectleiders" →
"projectleider", "gemeenten" → "gemeent").

The tokenizer approximates Unicode word segmentation (UAX #29): runs of letters, digits and
`_`, kept together across `'`, `.` and `,` between them ("cv's", "09.00", "match_all").
"""

from __future__ import annotations

import re
import unicodedata

import Stemmer

DUTCH_STOP_WORDS = frozenset("""
de en van ik te dat die in een hij het niet zijn is was op aan met als voor had er maar om hem
dan zou of wat mijn men dit zo door over ze zich bij ook tot je mij uit der daar haar naar heb
hoe heeft hebben deze u want nog zal me zij nu ge geen omdat iets worden toch al waren veel meer
doen toen moet ben zonder kan hun dus alles onder ja eens hier wie werd altijd doch wordt wezen
kunnen ons zelf tegen na reeds wil kon niets uw iemand geweest andere
""".split())

TOKEN = re.compile(r"\w+(?:['.,]\w+)*")
# Combining marks left by NFKD decomposition ("ö" → "o" + U+0308): removed to fold accents.
COMBINING_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
_stemmer = Stemmer.Stemmer("dutch_porter")


def fold(text: str) -> str:
    """Lowercase and strip accents: "Coördinator" → "coordinator"."""
    return COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text.lower())).replace("’", "'")


def analyze(text: str) -> list[str]:
    """Text → the terms that are indexed and searched, in order. The whole text is folded
    once and stemmed in one call (PyStemmer, C): per-token Python work dominated indexing."""
    return _stemmer.stemWords([token for token in TOKEN.findall(fold(text)) if token not in DUTCH_STOP_WORDS])
