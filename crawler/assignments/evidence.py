"""Whether two listings are the same assignment, and why: pure rules on two `Tender`s.

Evidence, strongest first; the first that holds is the link's reason:

1. `origin` — an aggregator's copy names the other listing: its `origin.listing_refs` hold the
   other's tender id or one of its `listing_refs`, or its `origin.url` is the other's URL.
2. `client_reference` — both carry the same client reference code (normalised: case, spaces,
   dashes), and their clients are compatible or their titles equal.
   `reference_in_text` — one's code appears in the other's title or text, clients compatible.
3. `title` — the same normalised title, compatible clients.

Rules 2 and 3 also need the two listings to have been open at the same time, with deadlines
at most `DEADLINE_TOLERANCE` apart, and are vetoed when both name their request's code
(client reference, or a code in the title) and no code is shared. Different clients never
merge on a title; a listing closed before the other appeared (a re-publication) never merges
on 2 or 3.

Why 14 days: the samples show aggregators closing their intake one working day before the
source, at 16:00 (Opdrachtoverheid: up to 4 calendar days over a weekend with a holiday),
brokers handing over 1-3 days after the deadline they publish (Striive's client date), and
one real assignment listed with deadlines ten days apart. 10 days plus the 4 of an
aggregator's copy of it is 14.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from schemas.analysis import fold
from schemas.tender import Tender

DEADLINE_TOLERANCE = timedelta(days=14)
# A copy can appear a little after the original closed (the aggregator's crawl lags).
OPEN_TOGETHER_SLACK = timedelta(days=2)
REASONS = ("origin", "client_reference", "reference_in_text", "title")

CODE = re.compile(r"[a-z0-9]+(?:[-_./][a-z0-9]+)*")
WORD = re.compile(r"[a-z0-9]+")
# Organisation kinds: two names of different kinds are different clients ("Provincie Utrecht"
# is not "Gemeente Utrecht"), whatever else they share.
ORGANISATION_KINDS = {
    "gemeente": "gemeente",
    "provincie": "provincie",
    "waterschap": "waterschap",
    "ministerie": "ministerie",
    "hoogheemraadschap": "waterschap",
}
CLIENT_NOISE = frozenset(
    {"van", "de", "het", "der", "en", "voor", "bv", "b", "v", "nv", "n", "the", "of"}
)


def code_key(text: str) -> str:
    """A reference code compared as codes are: case, spaces, dashes and dots do not count."""
    return re.sub(r"[\s\-_./]", "", fold(text)).upper()


def is_code(key: str) -> bool:
    """Long enough and with a digit: SRQ202742, SO261658, 24835384; not "2026" or a word."""
    return len(key) >= 5 and any(character.isdigit() for character in key)


def codes_in(text: str) -> set[str]:
    return {key for key in (code_key(token) for token in CODE.findall(fold(text))) if is_code(key)}


def title_key(title: str) -> str:
    """Lower case, no accents or punctuation, "&" read as "en", without codes or numbers
    ("(SO26-1658)", "2x")."""
    words = [
        word
        for word in WORD.findall(fold(title).replace("&", " en "))
        if not any(character.isdigit() for character in word)
    ]
    return " ".join(words)


@dataclass(frozen=True)
class ClientName:
    kind: str | None
    words: tuple[str, ...]


@lru_cache(maxsize=4096)
def client_name(client: str | None) -> ClientName | None:
    """ "HAERT inzake Gemeente Hoeksche Waard" → kind gemeente, words (hoeksche, waard)."""
    if not client:
        return None
    folded = fold(client)
    if " inzake " in folded:  # an intermediary acting for the client
        folded = folded.split(" inzake ", 1)[1]
    words = WORD.findall(folded)
    kinds = {ORGANISATION_KINDS[word] for word in words if word in ORGANISATION_KINDS}
    rest = tuple(
        word for word in words if word not in ORGANISATION_KINDS and word not in CLIENT_NOISE
    )
    if not rest:
        return None
    return ClientName(kind=kinds.pop() if len(kinds) == 1 else None, words=rest)


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    return any(
        longer[start : start + len(shorter)] == shorter
        for start in range(len(longer) - len(shorter) + 1)
    )


def compatible_clients(first: str | None, second: str | None) -> bool:
    """One name contains the other (as words) once kinds, "van", legal forms and intermediaries
    are set aside, and they are not of two different kinds of organisation."""
    one, other = client_name(first), client_name(second)
    if one is None or other is None:
        return False
    if one.kind and other.kind and one.kind != other.kind:
        return False
    shorter, longer = sorted((one.words, other.words), key=len)
    return _contains(longer, shorter) and sum(len(word) for word in shorter) >= 3


@dataclass(frozen=True)
class ListingFacts:
    """What the rules read of a listing: small, so the crawl state keeps it per listing and
    compares a new listing with its candidates without reading their whole tenders."""

    tender_id: str
    source: str
    url: str
    identities: frozenset[str]  # its tender id, `listing_refs` and URL
    pointers: frozenset[str]  # what an aggregator's copy names of its original
    reference: str | None  # the client's code, normalised
    title_codes: frozenset[str]  # codes in its title (request numbers), normalised
    codes: frozenset[str]  # codes in its title and text, normalised
    title: str  # normalised
    client: str | None
    deadline: datetime | None
    opened: datetime  # first seen (or fetched)

    @classmethod
    def of(cls, tender: Tender) -> ListingFacts:
        origin = tender.origin
        reference = code_key(tender.client_reference) if tender.client_reference else ""
        title_codes = frozenset(codes_in(tender.title))
        return cls(
            tender_id=tender.id,
            source=tender.source,
            url=tender.url,
            identities=frozenset({tender.id, *tender.listing_refs, _url_key(tender.url)}),
            pointers=frozenset(
                {*origin.listing_refs, *((_url_key(origin.url),) if origin.url else ())}
            )
            if origin
            else frozenset(),
            reference=reference if is_code(reference) else None,
            title_codes=title_codes,
            codes=title_codes | codes_in(tender.description),
            title=title_key(tender.title),
            client=tender.client,
            deadline=tender.deadline,
            opened=tender.first_seen or tender.fetched_at,
        )

    def keys(self) -> set[str]:
        """Blocking keys, stored: two listings can only be linked if one's `lookup_keys` meets
        the other's `keys`."""
        keys = {f"id:{identity}" for identity in self.identities | self.pointers}
        keys |= {f"txt:{code}" for code in self.codes}
        if self.reference:
            keys.add(f"ref:{self.reference}")
        if self.title:
            keys.add(f"title:{self.title}")
        return keys

    def lookup_keys(self) -> set[str]:
        """What to look up: identities and pointers, the same title, the same reference, this
        reference in another's text, another's reference in this text. A code in two texts
        alone (a date, a phone number) links nothing, so it is not looked up."""
        keys = {f"id:{identity}" for identity in self.identities | self.pointers}
        keys |= {f"ref:{code}" for code in self.codes}
        if self.reference:
            keys |= {f"ref:{self.reference}", f"txt:{self.reference}"}
        if self.title:
            keys.add(f"title:{self.title}")
        return keys

    def to_json(self) -> dict:
        return {
            "tender_id": self.tender_id,
            "source": self.source,
            "url": self.url,
            "identities": sorted(self.identities),
            "pointers": sorted(self.pointers),
            "reference": self.reference,
            "title_codes": sorted(self.title_codes),
            "codes": sorted(self.codes),
            "title": self.title,
            "client": self.client,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "opened": self.opened.isoformat(),
        }

    @classmethod
    def from_json(cls, document: dict) -> ListingFacts:
        return cls(
            **{
                **document,
                "identities": frozenset(document["identities"]),
                "pointers": frozenset(document["pointers"]),
                "codes": frozenset(document["codes"]),
                "title_codes": frozenset(document["title_codes"]),
                "deadline": datetime.fromisoformat(document["deadline"])
                if document["deadline"]
                else None,
                "opened": datetime.fromisoformat(document["opened"]),
            }
        )


def _url_key(url: str) -> str:
    return "url:" + re.sub(r"^https?://(www\.)?", "", url.strip().lower()).split("#")[0].rstrip("/")


def open_together(first: ListingFacts, second: ListingFacts) -> bool:
    """Both were open at one time and their deadlines are close enough to be one assignment's."""
    for one, other in ((first, second), (second, first)):
        if one.deadline is not None and one.deadline + OPEN_TOGETHER_SLACK < other.opened:
            return False  # closed before the other appeared: a re-publication
    deadlines = (first.deadline, second.deadline)
    if None not in deadlines:
        return abs(deadlines[0] - deadlines[1]) <= DEADLINE_TOLERANCE
    return abs(first.opened - second.opened) <= DEADLINE_TOLERANCE


def _request_codes(facts: ListingFacts) -> frozenset[str]:
    return facts.title_codes | ({facts.reference} if facts.reference else set())


def _different_requests(first: ListingFacts, second: ListingFacts) -> bool:
    """Both name their request's code (client reference, or a code in the title) and no code
    is shared: two requests, each with its own code."""
    if first.reference and second.reference:
        return first.reference != second.reference
    first_codes, second_codes = _request_codes(first), _request_codes(second)
    return bool(first_codes and second_codes and not first_codes & second_codes)


def link_reason(first: ListingFacts, second: ListingFacts) -> str | None:
    """The strongest evidence that the two are one assignment, or None. Symmetric."""
    if first.tender_id == second.tender_id:
        return None
    if first.pointers & second.identities or second.pointers & first.identities:
        return "origin"
    if _different_requests(first, second):
        return None
    if not open_together(first, second):
        return None
    clients_compatible = compatible_clients(first.client, second.client)
    if (
        first.reference
        and first.reference == second.reference
        and (clients_compatible or (first.title and first.title == second.title))
    ):
        return "client_reference"
    if clients_compatible and (
        (first.reference and first.reference in second.codes)
        or (second.reference and second.reference in first.codes)
    ):
        return "reference_in_text"
    if clients_compatible and first.title and first.title == second.title:
        return "title"
    return None


def same_assignment(first: Tender, second: Tender) -> str | None:
    return link_reason(ListingFacts.of(first), ListingFacts.of(second))
