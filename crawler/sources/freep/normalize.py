"""A Freep assignment (its list entry and, when fetched, its detail) → `Tender`: section 7 of
`shared/sources/freep.md`. Pure; the clock is passed in.

- The deadline is the detail's `closing_date`: an offset is converted to Europe/Amsterdam; a
  naive datetime is read as Amsterdam wall-clock; a date alone closes at 23:59:59 Amsterdam
  with the warning "closing time not stated" (so expiry still works, and nobody mistakes it
  for a stated time). Without a detail there is no deadline.
- The maximum rate: the detail's `rate_max` > 0, else the list's (a string; "0" = not given),
  else the largest amount after "tarief" in the text.
- Numbers may come as numbers or numeric strings; dates as dates or datetimes; "1900-01-01"
  and any year before 2000 mean empty.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from crawler import dutch, listing_text, regions
from crawler.json_values import (
    EARLIEST_REAL_YEAR,
    amsterdam_moment,
    attempt,
    calendar_date,
    positive_number,
)
from crawler.sources.freep.pages import public_url
from schemas.tender import HoursRange, Start, Tender

SOURCE = "freep"


def closing_moment(value: Any, warnings: list[str]) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if len(text) <= 10:
        day = date.fromisoformat(text)
        if day.year < EARLIEST_REAL_YEAR:
            return None
        return dutch.closing_at_end_of(day, warnings)
    return amsterdam_moment(text)


def normalise(
    item: dict[str, Any], detail: dict[str, Any] | None, *, fetched_at: datetime, now: datetime
) -> Tender:
    """One assignment → `Tender`; a value that cannot be read is null plus a warning."""
    warnings: list[str] = []
    detail = detail or {}
    external_id = str(item["id"]).strip()
    content = detail.get("content") if isinstance(detail.get("content"), str) else None
    lines, sections = listing_text.content_sections(content)
    province_text = listing_text.clean(
        item.get("location_province") if isinstance(item.get("location_province"), str) else None
    )
    region = regions.province_named(province_text) if province_text else None
    if province_text and region is None:
        warnings.append(f"region: {province_text!r} is not one of the twelve provinces")
    closing = attempt(
        warnings,
        "deadline",
        detail.get("closing_date"),
        lambda value: closing_moment(value, warnings),
    )
    if not detail:
        warnings.append("deadline: no detail answer yet, so no closing date")
    start = attempt(warnings, "start", detail.get("start_date"), calendar_date)
    hours = positive_number(item.get("hours"))
    rate = (
        positive_number(detail.get("rate_max"))
        or positive_number(item.get("rate_max"))
        or listing_text.max_rate_in_text(lines)
    )
    zzp = listing_text.zzp_statement(lines) if content else listing_text.ZzpStatement(None)
    if zzp.warning:
        warnings.append(zzp.warning)
    criteria = listing_text.criteria_from_sections(sections)
    segment = listing_text.clean(
        item.get("segment") if isinstance(item.get("segment"), str) else None
    )
    tender = Tender(
        id=f"{SOURCE}:{external_id}",
        source=SOURCE,
        external_id=external_id,
        url=public_url(item),
        title=listing_text.clean(item["title"]) or external_id,
        client=listing_text.clean(
            item.get("company_name") if isinstance(item.get("company_name"), str) else None
        ),
        region=region,
        status="expired" if closing is not None and closing <= now else "open",
        hours_per_week=HoursRange(min=int(hours), max=int(hours))
        if hours and hours <= 168
        else None,
        deadline=closing,
        start=Start(date=start, precision="day") if start else None,
        end_date=attempt(warnings, "end_date", detail.get("end_date"), calendar_date),
        max_hourly_rate=rate,
        **criteria.tender_fields(),
        zzp_allowed=zzp.allowed,
        **listing_text.text_fields(lines, sections),
        fields_of_work=[segment] if segment else [],
        fetched_at=fetched_at,
        warnings=warnings,
    )
    return tender.with_content_hash()
