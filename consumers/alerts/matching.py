"""Matching tenders against saved searches, the way Lucene's Monitor (Luwak) does it.

Running every saved search against every tender costs O(saved searches) per tender. Instead
the searches are indexed once: each is registered under one *anchor* that a tender must
have for the search to match at all, and a tender only visits the searches whose anchor it
carries; those candidates are then verified in full.

- A search with keywords: every analysed term must occur in the tender, so any one term is
  a sound anchor. The longest is taken (Monitor's heuristic: long terms are rare terms). With
  regions too, the anchor is the pair (region, term): a tender opens only its own region's.
- Without keywords but with regions: each region is an anchor (one of them must hold).
- Without either but with a pay scale range: each scale in it (an overlap shares one).
- Otherwise: the search is a candidate for every tender (kept few in practice).

Verification uses the semantics of `schemas.search` exactly (the shared store suite checks
the stores against this module on the same documents): the same Dutch analysis, ranges that
overlap, Amsterdam calendar days for deadlines, and a tender without a value does not match a
filter on it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from schemas.analysis import TOKEN, analyze, fold
from schemas.saved_search import KeywordHit, Reasons, SavedSearch
from schemas.search import SearchFilter
from schemas.tender import Tender


@dataclass(frozen=True)
class TenderFacts:
    """What matching needs of one tender, computed once per tender (plain values: the checks
    run thousands of times per tender and pydantic attribute access is not free)."""

    tender: Tender
    title_terms: frozenset[str]
    description_terms: frozenset[str]
    terms: frozenset[str]
    region: str | None
    client: str | None
    status: str
    pay_scale: tuple[int, int] | None
    hours: tuple[int, int] | None
    deadline: datetime | None
    education_level: str | None
    das: bool | None
    zzp_allowed: bool | None

    @classmethod
    def of(cls, tender: Tender) -> TenderFacts:
        title_terms = frozenset(analyze(tender.title))
        description_terms = frozenset(analyze(tender.description))
        return cls(
            tender=tender,
            title_terms=title_terms,
            description_terms=description_terms,
            terms=title_terms | description_terms,
            region=fold(tender.region) if tender.region else None,
            client=fold(tender.client) if tender.client else None,
            status=tender.status,
            pay_scale=(tender.pay_scale.min, tender.pay_scale.max) if tender.pay_scale else None,
            hours=(tender.hours_per_week.min, tender.hours_per_week.max)
            if tender.hours_per_week
            else None,
            deadline=tender.deadline,
            education_level=tender.education_level,
            das=tender.das,
            zzp_allowed=tender.zzp_allowed,
        )


Check = Callable[[TenderFacts], bool]
Explain = Callable[[TenderFacts], str]
PAIR = "\x1f"  # joins region and term in one anchor key; occurs in neither


def _within(
    low: object | None,
    high: object | None,
    *,
    at_least: str = "at least",
    at_most: str = "at most",
    separator: str = "-",
) -> str:
    """A range in words: "within 9-11", "at least 11", "at most 11" (an open end is not shown)."""
    if low is not None and high is not None:
        return f"within {low}{separator}{high}"
    return f"{at_least} {low}" if low is not None else f"{at_most} {high}"


def _range_criterion(
    name: str, attribute: str, shown: Callable[[Tender], str], low: int | None, high: int | None
) -> tuple[Check, Explain]:
    def check(facts: TenderFacts) -> bool:
        value = getattr(facts, attribute)
        return (
            value is not None
            and (low is None or value[1] >= low)
            and (high is None or value[0] <= high)
        )

    return check, lambda facts: f"{name} {shown(facts.tender)} is {_within(low, high)}"


def _hours_shown(tender: Tender) -> str:
    hours = tender.hours_per_week
    return f"{hours.min}" if hours.min == hours.max else f"{hours.min}-{hours.max}"


def compile_criteria(search: SearchFilter, regions: frozenset[str]) -> list[tuple[Check, Explain]]:
    """One (check, explanation) per criterion the filter sets; criteria it leaves open cost
    nothing. The checks run for every candidate; an explanation only for an alert that goes out."""
    criteria: list[tuple[Check, Explain]] = []
    if search.status != "all":
        status = search.status
        criteria.append((lambda facts: facts.status == status, lambda facts: f"status is {status}"))
    if regions:
        criteria.append(
            (
                lambda facts: facts.region in regions,
                lambda facts: f"region is {facts.tender.region}",
            )
        )
    if search.pay_scale_min is not None or search.pay_scale_max is not None:
        criteria.append(
            _range_criterion(
                "pay scale",
                "pay_scale",
                lambda tender: tender.pay_scale.label,
                search.pay_scale_min,
                search.pay_scale_max,
            )
        )
    if search.hours_min is not None or search.hours_max is not None:
        criteria.append(
            _range_criterion(
                "hours per week", "hours", _hours_shown, search.hours_min, search.hours_max
            )
        )
    start, end = search.deadline_bounds()
    if start is not None or end is not None:
        wanted_days = _within(
            search.deadline_after,
            search.deadline_before,
            at_least="on or after",
            at_most="on or before",
            separator=" to ",
        )
        criteria.append(
            (
                lambda facts: (
                    facts.deadline is not None
                    and (start is None or facts.deadline >= start)
                    and (end is None or facts.deadline < end)
                ),
                lambda facts: f"deadline {facts.deadline.date().isoformat()} is {wanted_days}",
            )
        )
    for name, attribute in (
        ("education level", "education_level"),
        ("DAS", "das"),
        ("solo freelancers allowed", "zzp_allowed"),
    ):
        wanted = getattr(search, attribute)
        if wanted is not None:
            criteria.append(
                (
                    lambda facts, attribute=attribute, wanted=wanted: (
                        getattr(facts, attribute) == wanted
                    ),
                    lambda facts, name=name, wanted=wanted: f"{name} is {wanted}",
                )
            )
    if search.client:
        client = fold(search.client)
        criteria.append(
            (lambda facts: facts.client == client, lambda facts: f"client is {facts.tender.client}")
        )
    if search.sources:
        sources = frozenset(search.sources)
        criteria.append(
            (
                lambda facts: facts.tender.source in sources,
                lambda facts: f"listed on {facts.tender.source}",
            )
        )
    return criteria


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
    checks: tuple[Check, ...]
    explanations: tuple[Explain, ...]

    @classmethod
    def of(cls, search: SearchFilter) -> CompiledFilter:
        regions = frozenset(fold(region) for region in search.regions)
        criteria = compile_criteria(search, regions)
        return cls(
            search=search,
            terms=tuple(keyword_terms(search.keyword)),
            regions=regions,
            checks=tuple(check for check, _ in criteria),
            explanations=tuple(explain for _, explain in criteria),
        )

    def holds(self, facts: TenderFacts) -> bool:
        """Whether the tender matches: the fast path, run for every candidate."""
        title_terms, description_terms = facts.title_terms, facts.description_terms
        for _, term in self.terms:
            if term not in title_terms and term not in description_terms:
                return False
        for check in self.checks:
            if not check(facts):
                return False
        return True

    def reasons(self, facts: TenderFacts) -> Reasons | None:
        """Why the tender matches (keywords found, filters that held), or None when it does not."""
        hits: list[KeywordHit] = []
        for word, term in self.terms:
            found_in = [
                name
                for name, terms in (
                    ("title", facts.title_terms),
                    ("description", facts.description_terms),
                )
                if term in terms
            ]
            if not found_in:
                return None
            hits.append(KeywordHit(keyword=word, term=term, found_in=found_in))
        if not all(check(facts) for check in self.checks):
            return None
        return Reasons(keywords=hits, filters=[explain(facts) for explain in self.explanations])


@dataclass(eq=False)  # identity hash: an entry sits in anchor sets
class _Entry:
    """One distinct filter and every active saved search that uses it."""

    compiled: CompiledFilter
    search_ids: set[str] = field(default_factory=set)


@dataclass
class MatchIndex:
    """Active saved searches, indexed by anchor.

    Saved searches with the same filter share one entry, verified once per tender: popular
    searches ("everything in Overijssel") are common, and verifying thousands of copies of
    one filter would make matching cost grow with the audience instead of the variety."""

    by_term: dict[str, set[_Entry]] = field(default_factory=dict)
    by_region_term: dict[str, set[_Entry]] = field(default_factory=dict)
    by_region: dict[str, set[_Entry]] = field(default_factory=dict)
    by_pay_scale: dict[int, set[_Entry]] = field(default_factory=dict)
    unanchored: set[_Entry] = field(default_factory=set)
    entries: dict[SearchFilter, _Entry] = field(default_factory=dict)
    searches: dict[str, SavedSearch] = field(default_factory=dict)
    compiled_by_search: dict[str, CompiledFilter] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.searches)

    def upsert(self, saved_search: SavedSearch) -> None:
        self.remove(saved_search.id)
        if not saved_search.active:
            return
        self.searches[saved_search.id] = saved_search
        entry = self.entries.get(saved_search.filter)
        if entry is None:
            entry = self.entries[saved_search.filter] = _Entry(
                CompiledFilter.of(saved_search.filter)
            )
            anchors = self._anchors(entry.compiled)
            for bucket, keys in anchors:
                for key in keys:
                    bucket.setdefault(key, set()).add(entry)
            if not anchors:
                self.unanchored.add(entry)
        entry.search_ids.add(saved_search.id)
        self.compiled_by_search[saved_search.id] = entry.compiled

    def remove(self, saved_search_id: str) -> None:
        saved_search = self.searches.pop(saved_search_id, None)
        if saved_search is None:
            return
        del self.compiled_by_search[saved_search_id]
        entry = self.entries[saved_search.filter]
        entry.search_ids.discard(saved_search_id)
        if entry.search_ids:
            return
        del self.entries[saved_search.filter]
        for bucket, keys in self._anchors(entry.compiled):
            for key in keys:
                members = bucket.get(key)
                if members is not None:
                    members.discard(entry)
                    if not members:
                        del bucket[key]
        self.unanchored.discard(entry)

    def _anchors(self, compiled: CompiledFilter) -> list[tuple[dict, Iterable[Hashable]]]:
        if compiled.terms:
            longest = max((term for _, term in compiled.terms), key=lambda term: (len(term), term))
            if compiled.regions:  # both must hold: anchor on the pair
                return [
                    (
                        self.by_region_term,
                        [f"{region}{PAIR}{longest}" for region in compiled.regions],
                    )
                ]
            return [(self.by_term, [longest])]
        if compiled.regions:
            return [(self.by_region, compiled.regions)]
        search = compiled.search
        if search.pay_scale_min is not None or search.pay_scale_max is not None:
            return [
                (
                    self.by_pay_scale,
                    range(search.pay_scale_min or 1, (search.pay_scale_max or 18) + 1),
                )
            ]
        return []

    def _groups(self, facts: TenderFacts) -> list[set[_Entry]]:
        """The anchor buckets this tender opens. A filter sits in one term bucket (or one
        region-and-term bucket per region, of which the tender opens one), so only the
        pay-scale buckets can repeat a filter; they are merged."""
        groups: list[set[_Entry]] = [self.unanchored]
        by_term = self.by_term
        groups.extend(by_term[term] for term in facts.terms if term in by_term)
        if facts.region is not None:
            if facts.region in self.by_region:
                groups.append(self.by_region[facts.region])
            if self.by_region_term:
                by_region_term, prefix = self.by_region_term, facts.region + PAIR
                for term in facts.terms:
                    members = by_region_term.get(prefix + term)
                    if members:
                        groups.append(members)
        if facts.pay_scale is not None and self.by_pay_scale:
            scales = [
                self.by_pay_scale[value]
                for value in range(facts.pay_scale[0], facts.pay_scale[1] + 1)
                if value in self.by_pay_scale
            ]
            groups.append(
                set().union(*scales) if len(scales) > 1 else scales[0] if scales else set()
            )
        return groups

    def candidates(self, facts: TenderFacts) -> set[_Entry]:
        """The distinct filters worth verifying for this tender."""
        return set().union(*self._groups(facts))

    def match(self, facts: TenderFacts) -> list[str]:
        """The ids of every active saved search the tender matches, in no particular order."""
        matched: list[str] = []
        for group in self._groups(facts):
            for entry in group:
                if entry.compiled.holds(facts):
                    matched.extend(entry.search_ids)
        return matched

    def explain(self, saved_search_id: str, facts: TenderFacts) -> Reasons:
        """Why a matched tender matches the saved search (built only for alerts that go out)."""
        reasons = self.compiled_by_search[saved_search_id].reasons(facts)
        if reasons is None:
            raise ValueError(f"{facts.tender.id} does not match {saved_search_id}")
        return reasons

    def match_naively(self, facts: TenderFacts) -> list[str]:
        """The baseline the index is measured against: every saved search, verified in turn."""
        return [
            saved_search_id
            for saved_search_id, compiled in self.compiled_by_search.items()
            if compiled.holds(facts)
        ]
