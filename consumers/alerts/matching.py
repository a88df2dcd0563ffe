"""Matching tenders against saved searches, the way Lucene's Monitor (Luwak) does it.

Running every saved search against every tender costs O(saved searches) per tender. Instead
the searches are indexed once: each is registered under one *anchor* that a tender must
have for the search to match at all, and a tender only visits the searches whose anchor it
carries; those candidates are then verified in full.

- A search with keywords: every analysed term must occur in the tender, so any one term is
  a sound anchor. The longest is taken (Monitor's heuristic: long terms are rare terms).
- Without keywords but with regions: each region is an anchor (one of them must hold).
- Otherwise: the search is a candidate for every tender (kept few in practice).

Verification uses the semantics of `schemas.search` exactly (the shared store suite checks
the stores against this module on the same documents): the same Dutch analysis, ranges that
overlap, Amsterdam calendar days for deadlines, and a tender without a value does not match a
filter on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from consumers.store.analysis import TOKEN, analyze, fold
from schemas.saved_search import KeywordHit, Reasons, SavedSearch
from schemas.search import SearchFilter
from schemas.tender import Tender


@dataclass(frozen=True)
class TenderFacts:
    """What matching needs of one tender, computed once per tender."""

    tender: Tender
    title_terms: frozenset[str]
    description_terms: frozenset[str]
    region: str | None
    client: str | None

    @classmethod
    def of(cls, tender: Tender) -> TenderFacts:
        return cls(tender=tender, title_terms=frozenset(analyze(tender.title)),
                   description_terms=frozenset(analyze(tender.description)),
                   region=fold(tender.region) if tender.region else None,
                   client=fold(tender.client) if tender.client else None)

    @property
    def terms(self) -> frozenset[str]:
        return self.title_terms | self.description_terms


def keyword_terms(keyword: str | None) -> list[tuple[str, str]]:
    """(word as given, analysed term) for each word of the keyword that survives analysis."""
    if not keyword:
        return []
    pairs: list[tuple[str, str]] = []
    for word in TOKEN.findall(keyword):
        pairs.extend((word, term) for term in analyze(word))
    return pairs


@dataclass(frozen=True)
class CompiledFilter:
    """A `SearchFilter` prepared for fast checks against `TenderFacts`."""

    search: SearchFilter
    terms: tuple[tuple[str, str], ...]
    regions: frozenset[str]
    client: str | None
    deadline_from: datetime | None
    deadline_until: datetime | None

    @classmethod
    def of(cls, search: SearchFilter) -> CompiledFilter:
        start, end = search.deadline_bounds()
        return cls(search=search, terms=tuple(keyword_terms(search.keyword)),
                   regions=frozenset(fold(region) for region in search.regions),
                   client=fold(search.client) if search.client else None, deadline_from=start, deadline_until=end)

    def holds(self, facts: TenderFacts) -> bool:
        return self.reasons(facts) is not None

    def reasons(self, facts: TenderFacts) -> Reasons | None:
        """Why the tender matches (keywords found, filters that held), or None when it does not."""
        hits: list[KeywordHit] = []
        for word, term in self.terms:
            found_in = [name for name, terms in (("title", facts.title_terms), ("description", facts.description_terms))
                        if term in terms]
            if not found_in:
                return None
            hits.append(KeywordHit(keyword=word, term=term, found_in=found_in))
        filters = self._filters(facts)
        return None if filters is None else Reasons(keywords=hits, filters=filters)

    def _filters(self, facts: TenderFacts) -> list[str] | None:
        search, tender = self.search, facts.tender
        held: list[str] = []
        if search.status != "all":
            if tender.status != search.status:
                return None
            held.append(f"status is {search.status}")
        if self.regions:
            if facts.region not in self.regions:
                return None
            held.append(f"region is {tender.region}")
        for name, value, low, high in (("pay scale", tender.pay_scale, search.pay_scale_min, search.pay_scale_max),
                                       ("hours per week", tender.hours_per_week, search.hours_min, search.hours_max)):
            if low is None and high is None:
                continue
            if value is None or (low is not None and value.max < low) or (high is not None and value.min > high):
                return None
            shown = getattr(value, "label", None) or (f"{value.min}" if value.min == value.max else f"{value.min}-{value.max}")
            held.append(f"{name} {shown} is within {low if low is not None else '…'}-{high if high is not None else '…'}")
        if self.deadline_from is not None or self.deadline_until is not None:
            deadline = tender.deadline
            if (deadline is None or (self.deadline_from is not None and deadline < self.deadline_from)
                    or (self.deadline_until is not None and deadline >= self.deadline_until)):
                return None
            held.append(f"deadline {deadline.date().isoformat()} is within "
                        f"{search.deadline_after or '…'} – {search.deadline_before or '…'}")
        for name, wanted, actual in (("education level", search.education_level, tender.education_level),
                                     ("DAS", search.das, tender.das), ("solo freelancers allowed", search.zzp_allowed,
                                                                       tender.zzp_allowed)):
            if wanted is not None:
                if actual != wanted:
                    return None
                held.append(f"{name} is {wanted}")
        if self.client is not None:
            if facts.client != self.client:
                return None
            held.append(f"client is {tender.client}")
        return held


@dataclass(frozen=True)
class Candidate:
    saved_search: SavedSearch
    compiled: CompiledFilter


@dataclass
class MatchIndex:
    """Active saved searches, indexed by anchor."""

    by_term: dict[str, set[str]] = field(default_factory=dict)
    by_region: dict[str, set[str]] = field(default_factory=dict)
    unanchored: set[str] = field(default_factory=set)
    searches: dict[str, Candidate] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.searches)

    def upsert(self, saved_search: SavedSearch) -> None:
        self.remove(saved_search.id)
        if not saved_search.active:
            return
        compiled = CompiledFilter.of(saved_search.filter)
        self.searches[saved_search.id] = Candidate(saved_search, compiled)
        for bucket, keys in self._anchors(compiled):
            for key in keys:
                bucket.setdefault(key, set()).add(saved_search.id)
        if not compiled.terms and not compiled.regions:
            self.unanchored.add(saved_search.id)

    def remove(self, saved_search_id: str) -> None:
        candidate = self.searches.pop(saved_search_id, None)
        if candidate is None:
            return
        for bucket, keys in self._anchors(candidate.compiled):
            for key in keys:
                members = bucket.get(key)
                if members is not None:
                    members.discard(saved_search_id)
                    if not members:
                        del bucket[key]
        self.unanchored.discard(saved_search_id)

    def _anchors(self, compiled: CompiledFilter) -> Iterable[tuple[dict[str, set[str]], Iterable[str]]]:
        if compiled.terms:
            longest = max((term for _, term in compiled.terms), key=lambda term: (len(term), term))
            return [(self.by_term, [longest])]
        if compiled.regions:
            return [(self.by_region, compiled.regions)]
        return []

    def candidates(self, facts: TenderFacts) -> set[str]:
        found = set(self.unanchored)
        by_term = self.by_term
        for term in facts.terms:
            members = by_term.get(term)
            if members:
                found |= members
        if facts.region is not None and facts.region in self.by_region:
            found |= self.by_region[facts.region]
        return found

    def match(self, facts: TenderFacts) -> list[tuple[SavedSearch, Reasons]]:
        """Every active saved search the tender matches, with why; ordered by saved search id."""
        matched: list[tuple[SavedSearch, Reasons]] = []
        for saved_search_id in sorted(self.candidates(facts)):
            candidate = self.searches[saved_search_id]
            reasons = candidate.compiled.reasons(facts)
            if reasons is not None:
                matched.append((candidate.saved_search, reasons))
        return matched

    def match_naively(self, facts: TenderFacts) -> list[str]:
        """The baseline the index is measured against: every saved search, verified in turn."""
        return sorted(saved_search_id for saved_search_id, candidate in self.searches.items()
                      if candidate.compiled.holds(facts))
