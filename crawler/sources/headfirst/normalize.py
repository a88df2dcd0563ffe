"""A HeadFirst list item (Striive, Inhuurdesk) → `Tender`: sections 4-10 of
`shared/sources/striive.md`. Pure; the clock is passed in. What differs per platform is a
`Platform`; everything else is one rule for both.

Times: every datetime of this schema is UTC without a `Z` (the doc's evidence: start dates
at 22:00 in summer and 23:00 in winter, switching exactly at the DST changes). Start and end
keep the Europe/Amsterdam calendar date; the deadline is `closingDateInvoice` (what Striive's
supplier page calls "Reageren kan t/m"), else `closingDateClient`, in Europe/Amsterdam.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from crawler import listing_text, regions
from crawler.json_values import EARLIEST_REAL_YEAR, attempt
from schemas.tender import HoursRange, ProfessionalsRange, Start, Tender
from schemas.zone import AMSTERDAM

Item = dict[str, Any]


@dataclass(frozen=True)
class Platform:
    """What one platform on the HeadFirst schema does its own way."""

    source: str
    public_url: Callable[[Item], str]
    client_reference: Callable[[Item], str | None]
    listing_refs: Callable[[Item], list[str]]
    coordinates_mean_the_city: (
        bool  # Striive's `regionLocation` is the city; Inhuurdesk sends [0, 0]
    )


def utc_moment(value: Any) -> datetime | None:
    """A naive ISO datetime of this schema, read as UTC; None for empty or placeholder values.
    Not a string, or not a date: ValueError (the caller records a warning)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValueError("not a string")
    moment = datetime.fromisoformat(value.strip().removesuffix("Z"))
    if moment.year < EARLIEST_REAL_YEAR:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def local_moment(value: Any) -> datetime | None:
    moment = utc_moment(value)
    return moment.astimezone(AMSTERDAM) if moment else None


def local_date(value: Any) -> date | None:
    moment = local_moment(value)
    return moment.date() if moment else None


def _number(value: Any) -> float | None:
    """A JSON number as a float; None for anything else (booleans, strings, out of range)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _count(value: Any) -> int | None:
    """0 and null mean unknown (rule 10.2)."""
    number = _number(value)
    return int(number) if number is not None and number >= 1 else None


def hours(item: Item, warnings: list[str]) -> HoursRange | None:
    """Rule 10.2: structured values only; one known → that figure as min and max."""
    known = [
        value
        for value in (_count(item.get("hoursPerWeekMin")), _count(item.get("hoursPerWeekMax")))
        if value is not None
    ]
    if not known:
        return None
    low, high = min(known), max(known)
    if high > 168:
        warnings.append(f"hours_per_week: {high} hours a week is more than a week has")
        return None
    return HoursRange(min=low, max=high)


def deadline(item: Item, warnings: list[str]) -> datetime | None:
    invoice = attempt(warnings, "deadline", item.get("closingDateInvoice"), local_moment)
    client = attempt(warnings, "deadline", item.get("closingDateClient"), local_moment)
    if invoice is not None and client is not None and invoice > client:
        warnings.append(
            "deadline: closingDateInvoice is after closingDateClient; closingDateInvoice taken"
        )
    return invoice or client


def normalise(item: Item, platform: Platform, *, fetched_at: datetime, now: datetime) -> Tender:
    """One list item → `Tender`; a value that cannot be read is null plus a warning."""
    warnings: list[str] = []
    external_id = item["id"].strip()
    lines, sections = listing_text.content_sections(
        item.get("content") if isinstance(item.get("content"), str) else None
    )
    location = listing_text.clean(
        item.get("location") if isinstance(item.get("location"), str) else None
    )
    coordinates = None
    point = item.get("regionLocation")
    if (
        platform.coordinates_mean_the_city
        and isinstance(point, dict)
        and isinstance(point.get("coordinates"), list)
        and len(point["coordinates"]) == 2
    ):
        longitude, latitude = (_number(value) for value in point["coordinates"])
        if (
            longitude is not None
            and latitude is not None
            and -180 <= longitude <= 180
            and -90 <= latitude <= 90
        ):
            coordinates = (longitude, latitude)
    region = regions.province_of(location, coordinates)
    if region is None and (location or coordinates):
        warnings.append(f"region: no province for location {location!r}")
    closing = deadline(item, warnings)
    start_date = attempt(warnings, "start", item.get("startDate"), local_date)
    rate = _number(item.get("hourlyRateMax"))
    max_rate = rate if rate is not None and rate > 0 else listing_text.max_rate_in_text(lines)
    zzp = listing_text.zzp_statement(lines)
    if zzp.warning:
        warnings.append(zzp.warning)
    positions = _count(item.get("numberOfPositions"))
    marker = " ".join(str(item.get(key) or "") for key in ("procedureSpecification", "segmentName"))
    segment = listing_text.clean(
        item.get("segmentName") if isinstance(item.get("segmentName"), str) else None
    )
    criteria = listing_text.criteria_from_sections(sections)
    tender = Tender(
        id=f"{platform.source}:{external_id}",
        source=platform.source,
        external_id=external_id,
        url=platform.public_url(item),
        title=listing_text.clean(item["title"]) or external_id,
        client=listing_text.clean(
            item.get("clientName") if isinstance(item.get("clientName"), str) else None
        ),
        region=region,
        status="expired" if closing is not None and closing <= now else "open",
        hours_per_week=hours(item, warnings),
        deadline=closing,
        start=Start(date=start_date, precision="day") if start_date else None,
        end_date=attempt(warnings, "end_date", item.get("endDate"), local_date),
        das=True if re.search(r"\bDAS\b", marker) else None,
        max_hourly_rate=max_rate,
        professionals=ProfessionalsRange(min=positions, max=positions) if positions else None,
        **criteria.tender_fields(),
        zzp_allowed=zzp.allowed,
        **listing_text.text_fields(lines, sections),
        fields_of_work=[segment] if segment and not re.fullmatch(r"DAS", segment) else [],
        client_reference=platform.client_reference(item),
        listing_refs=platform.listing_refs(item),
        fetched_at=fetched_at,
        warnings=warnings,
    )
    return tender.with_content_hash()


def no_refs(item: Item) -> list[str]:
    return []


def reference(value: Any) -> str | None:
    """A reference code as printed, or None for empty."""
    return listing_text.clean(value) if isinstance(value, str) else None
