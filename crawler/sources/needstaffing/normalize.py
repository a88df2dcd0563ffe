"""A Need Staffing card (and, when fetched, its detail page) → `Tender`: section 6 of
`shared/sources/needstaffing.md`. Pure; the clock is passed in.

- Dates come from the epoch attributes: the deadline is a true UTC instant shown in Amsterdam
  time (settled by detail 15574: epoch 14:00Z, its text "16:00 uur"); the start is the UTC
  date of its epoch (a UTC midnight).
- The client is the card's logo `alt` (a detail names none), else the summary sentence.
- The client's request code is the title's trailing code (`24835384`, `2026-BZB-0474`,
  `T2026-IBS-0316`, `202609A077`), a trailing "(vervanging)" allowed.
- The rate is the upper bound of "Verwachte compensatie" (a band, with a warning naming it).
- The end date is the detail's "Initiële einddatum" when the text states one (Defensie's
  "Inzetgegevens"); otherwise only a duration is known.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from crawler import dutch, listing_text, regions
from crawler.json_values import attempt
from crawler.pages.html_text import split_sections
from crawler.sources.needstaffing.pages import PUBLIC_SITE, Card, DetailPage, Item
from schemas.tender import Extension, HoursRange, Start, Tender
from schemas.zone import AMSTERDAM

SOURCE = "needstaffing"
LOCATION, HOURS, PERIOD, RATE, START, DEADLINE = (
    "Locatie",
    "Verwacht aantal uren per week",
    "Verwachte periode",
    "Verwachte compensatie",
    "Verwachte startdatum",
    "Deadline voor reageren",
)
REQUEST_CODE = re.compile(
    r"(?:^|\s)(\d{8}|[A-Z]?\d{4}-[A-Z&]+-\d{4}|\d{6}A\d{3})(?:\s*\(vervanging\))?\s*$"
)
SUMMARY_CLIENT = re.compile(r"opdrachtgever\s+(.+?)\s+zijn\s+wij\s+op\s+zoek", re.IGNORECASE)
HYBRID = re.compile(r"hybride|thuis|remote", re.IGNORECASE)
ON_SITE = re.compile(r"volledig\s+op\s+locatie|\bop\s+locatie\b|0\s+dagen\s+thuis", re.IGNORECASE)
MONTHS = re.compile(r"^\s*(\d+)\s+maanden?", re.IGNORECASE)
EXTENSION = re.compile(r"verlen[gn]ing", re.IGNORECASE)
AMOUNT = re.compile(r"(\d+(?:[.,]\d+)?)")
END_DATE = re.compile(r"initi[eë]le\s+einddatum\s*:?\s*(.+)$", re.IGNORECASE)
EDUCATION = re.compile(r"\b(MBO|HBO|WO)\b")


def _item(items: dict[str, Item], label: str) -> Item | None:
    return items.get(label)


def region_of(location: str | None, warnings: list[str]) -> str | None:
    if not location:
        return None
    head = re.split(r"[/(]", location)[0]
    candidates = [head, *reversed(head.split(",")), *location.split()]
    for candidate in (part.strip(" ,.&") for part in candidates):
        if candidate:
            found = regions.province_of(candidate)
            if found:
                return found
    warnings.append(f"region: no province for {location!r}")
    return None


def hybrid_of(location: str | None) -> bool | None:
    if not location:
        return None
    if ON_SITE.search(location):
        return False
    return True if HYBRID.search(location) else None


def rate_of(text: str | None, warnings: list[str]) -> float | None:
    if not text:
        return None
    amounts = [float(found.replace(".", "").replace(",", ".")) for found in AMOUNT.findall(text)]
    if not amounts:
        return None  # "Marktconform", "ntb"
    if len(amounts) > 1:
        warnings.append(f"max_hourly_rate: a band ({text}); its upper bound taken")
    return max(amounts)


def deadline_of(item: Item | None) -> datetime | None:
    epoch = item.time_ms or item.date_ms if item else None
    return datetime.fromtimestamp(epoch / 1000, UTC).astimezone(AMSTERDAM) if epoch else None


def normalise(
    card: Card, detail: DetailPage | None, *, fetched_at: datetime, now: datetime
) -> Tender:
    """One card (and its detail page, when fetched) → `Tender`; a value that cannot be read is
    null plus a warning."""
    warnings: list[str] = []
    items = {**(detail.items if detail else {}), **card.items}
    location = items[LOCATION].text if LOCATION in items else None
    hours_text = items[HOURS].text if HOURS in items else None
    hours = (
        attempt(warnings, "hours_per_week", hours_text, dutch.parse_hours_per_week)
        if hours_text
        else None
    )
    if hours_text and "+" in hours_text:
        warnings.append(f"hours_per_week: {hours_text!r} is open-ended; its lower bound taken")
    period = items[PERIOD].text if PERIOD in items else ""
    months = MONTHS.match(period)
    if months and re.search(r"t/m|tot\s+en\s+met", period):
        warnings.append(f"duration_months: {period!r} also names a date; the months taken")
    start_item = _item(items, START)
    start = (
        datetime.fromtimestamp(start_item.date_ms / 1000, UTC).date()
        if start_item and start_item.date_ms
        else None
    )
    deadline = deadline_of(_item(items, DEADLINE))
    if deadline is None:
        warnings.append("deadline: no epoch in 'Deadline voor reageren'")
    lines = [line for line, _bold in detail.text] if detail else []
    sections = (
        {
            section.header.rstrip(":!"): section.lines
            for section in split_sections(list(detail.text))
        }
        if detail
        else {}
    )
    end_date = next(
        (
            attempt(warnings, "end_date", found.group(1), dutch.parse_date)
            for found in (END_DATE.search(line) for line in lines)
            if found
        ),
        None,
    )
    criteria = listing_text.criteria_from_sections(sections)
    education = next(
        (
            found.group(1)
            for line in criteria.knockout
            for found in [EDUCATION.search(line)]
            if found
        ),
        None,
    )
    zzp = listing_text.zzp_statement(lines) if detail else listing_text.ZzpStatement(None)
    if zzp.warning:
        warnings.append(zzp.warning)
    code = REQUEST_CODE.search(card.title)
    client = card.client
    if not client and card.summary:
        found = SUMMARY_CLIENT.search(card.summary)
        client = listing_text.clean(found.group(1)) if found else None
    if not client:
        warnings.append("client: the card names none")
    tender = Tender(
        id=f"{SOURCE}:{card.external_id}",
        source=SOURCE,
        external_id=card.external_id,
        url=f"{PUBLIC_SITE}/Opdrachten/{card.external_id}",
        title=listing_text.clean(card.title) or card.external_id,
        client=client,
        client_reference=code.group(1) if code else None,
        region=region_of(location, warnings),
        status="expired" if deadline is not None and deadline <= now else "open",
        education_level=education,
        hours_per_week=HoursRange(min=hours[0], max=hours[1]) if hours else None,
        deadline=deadline,
        start=Start(date=start, precision="day") if start else None,
        end_date=end_date,
        duration_months=int(months.group(1)) if months else None,
        extension=Extension(count=1) if EXTENSION.search(period) else None,
        max_hourly_rate=rate_of(items[RATE].text if RATE in items else None, warnings),
        hybrid=hybrid_of(location),
        **criteria.tender_fields(),
        zzp_allowed=zzp.allowed,
        requirements=listing_text.requirements_in_text(lines),
        **listing_text.text_fields(lines, sections),
        fetched_at=fetched_at,
        warnings=warnings,
    )
    return tender.with_content_hash()
