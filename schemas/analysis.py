"""Dutch text analysis in Python, the same steps as the Elasticsearch analyzer `tender_dutch`
(deploy/elasticsearch/tenders-template.json): standard tokenizer, lowercase, ASCII folding,
Dutch stop words (Lucene's `_dutch_` list) and the Snowball Dutch stemmer (Lucene's
"Dutch" is the classic algorithm, PyStemmer's `dutch_porter`: "projectleiders" →
"projectleider", "gemeenten" → "gemeent").

The tokenizer approximates Unicode word segmentation (UAX #29): runs of letters, digits and
`_`, kept together across `'`, `.` and `,` between them ("cv's", "09.00", "match_all").

Speed: a tender description is ~11 KB, and the regular expression alone took ~1 ms a
description. Text that folds to ASCII (nearly every Dutch text) takes a path of C-level
string operations instead; the regular expression is the reference and the fallback, and a
property test holds the two to the same output.
"""

from __future__ import annotations

import codecs
import re
import threading
import unicodedata

import Stemmer

DUTCH_STOP_WORDS = frozenset(
    """
de en van ik te dat die in een hij het niet zijn is was op aan met als voor had er maar om hem
dan zou of wat mijn men dit zo door over ze zich bij ook tot je mij uit der daar haar naar heb
hoe heeft hebben deze u want nog zal me zij nu ge geen omdat iets worden toch al waren veel meer
doen toen moet ben zonder kan hun dus alles onder ja eens hier wie werd altijd doch wordt wezen
kunnen ons zelf tegen na reeds wil kon niets uw iemand geweest andere
""".split()
)

TOKEN = re.compile(r"\w+(?:['.,]\w+)*")
JOINERS = "'.,"
# Combining marks left by NFKD decomposition ("ö" → "o" + U+0308): removed to fold accents.
COMBINING_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
_WORD_CHARACTER = re.compile(r"\w")
# On ASCII text: every byte that is neither a word character nor a joiner becomes a space.
_SEPARATOR_BYTES = bytes(
    byte for byte in range(128) if not (chr(byte).isalnum() or chr(byte) in "_" + JOINERS)
)
_SEPARATORS_TO_SPACE = bytes.maketrans(_SEPARATOR_BYTES, b" " * len(_SEPARATOR_BYTES))
_DOUBLED_JOINERS = tuple(first + second for first in JOINERS for second in JOINERS)

_stemmer = Stemmer.Stemmer("dutch_porter")
_stemmer_lock = threading.Lock()  # a PyStemmer object must not be used by two threads at once
_MAX_CACHED_WORDS = 200_000
_stems: dict[str, str] = {}  # folded word → its stem, or "" for a stop word


def fold(text: str) -> str:
    """Lowercase and strip accents: "Coördinator" → "coordinator"."""
    return COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text.lower())).replace("’", "'")


def analyze(text: str) -> list[str]:
    """Text → the terms that are indexed and searched, in order."""
    return _terms(_tokens(text))


def tokens_by_regex(text: str) -> list[str]:
    """The reference tokenization: fold, then the TOKEN expression."""
    return TOKEN.findall(fold(text))


class _NotAsciiFoldable(Exception):
    """A letter or digit without an ASCII decomposition ("ø", "ß", Cyrillic): regex path."""


def _fold_to_ascii(error: UnicodeError) -> tuple[str, int]:
    """Encoding error handler, called once per run of non-ASCII characters of lowercased
    text: each is decomposed (NFKD) and, as in `fold`, its marks dropped and `’` made `'`;
    other characters that are not letters or digits become a space."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    replacement = []
    for character in unicodedata.normalize("NFKD", error.object[error.start : error.end]):
        if character.isascii():
            replacement.append(character)
        elif COMBINING_MARKS.match(character):
            continue
        elif character == "’":
            replacement.append("'")
        elif _WORD_CHARACTER.match(character):
            raise _NotAsciiFoldable(character)
        else:
            replacement.append(" ")
    return "".join(replacement), error.end


codecs.register_error("tenderwatch-fold", _fold_to_ascii)


def _tokens(text: str) -> list[str]:
    try:
        folded = text.lower().encode("ascii", "tenderwatch-fold")
    except _NotAsciiFoldable:
        return tokens_by_regex(text)
    chunks = folded.translate(_SEPARATORS_TO_SPACE).decode("ascii").split()
    # A chunk is word characters and joiners. Without joiners at its ends, it is exactly one
    # token, unless two joiners meet inside it ("a..b"): then the regex decides.
    words = [chunk.strip(JOINERS) for chunk in chunks]
    inside = " ".join(words)
    if any(doubled in inside for doubled in _DOUBLED_JOINERS):
        return tokens_by_regex(text)
    return list(filter(None, words))


def _terms(tokens: list[str]) -> list[str]:
    stems = _stems
    words = set(tokens)
    if not words.issubset(stems):
        stems = _remember(words)
    return list(filter(None, map(stems.__getitem__, tokens)))


def _remember(words: set[str]) -> dict[str, str]:
    """A cache holding every one of `words`, stemming those it lacks. When full, a new cache
    takes its place; a thread still reading the old one has all it needs there."""
    global _stems
    with _stemmer_lock:
        stems = _stems if len(_stems) + len(words) <= _MAX_CACHED_WORDS else {}
        unseen = list(words.difference(stems))
        for word, stem in zip(unseen, _stemmer.stemWords(unseen), strict=True):
            stems[word] = "" if word in DUTCH_STOP_WORDS else stem
        _stems = stems
        return stems
