"""A Haert assignment page → `Tender`: section 4 of `shared/sources/haert.md`. Pure; the clock
is passed in.

- The client is the hero's briefcase item, else the "In opdracht van" heading; never the
  JobPosting's `hiringOrganization` (always Haert, the broker). "Haert inzake X" → X.
- The deadline is `validThrough` (a date) at 23:59:59 Amsterdam, with a warning; without it,
  the badge "Reageer uiterlijk 18 september" in the first year on or after `datePosted`,
  with a warning. "Reactietermijn gesloten" on the page → expired.
- The rate: `baseSalary` in EUR per HOUR above 0, else the hero's rate item.
- The period "17 sep 2026 - 31 mrt 2027" gives start and end; a start without a year takes
  the end's, with a warning.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from crawler import dutch, listing_text, regions
from crawler.json_values import attempt, positive_number
from crawler.pages.html_text import split_sections
from crawler.pages.structured import job_address
from crawler.sources.haert.pages import HaertPage
from schemas.tender import HoursRange, Start, Tender

SOURCE = "haert"
PUBLIC_SITE = "https://www.haert.nl"
ON_BEHALF = re.compile(r"^.*?\binzake\s+", re.IGNORECASE)
HAERT_NO_ZZP = re.compile(
    r"geen\s+zzp(?:'?er)?s?\s+mogelijk|zzp\s+(?:is\s+)?uitgesloten|mag\s+geen\s+zzp'?ers?\s+aandragen",
    re.IGNORECASE,
)
RATE = re.compile(r"(\d+(?:[.,]\d+)?)")


def client_of(page: HaertPage, warnings: list[str]) -> str | None:
    named = (page.hero.get("client") or [None])[0] or page.client_block
    if not named:
        warnings.append("client: the page names none")
        return None
    return listing_text.clean(ON_BEHALF.sub("", named))


def region_of(page: HaertPage, warnings: list[str]) -> str | None:
    address = job_address(page.posting)
    places = [address.get("addressLocality"), *(page.hero.get("place") or []), page.client_seat]
    for place in (place for place in places if isinstance(place, str) and place.strip()):
        found = regions.province_of(place)
        if found:
            return found
    warnings.append(
        f"region: no province for {', '.join(p for p in places if isinstance(p, str))!r}"
    )
    return None


def deadline_of(page: HaertPage, warnings: list[str]) -> datetime | None:
    valid_through = page.posting.get("validThrough")
    if isinstance(valid_through, str) and valid_through.strip():
        day = date.fromisoformat(valid_through.strip()[:10])
        return dutch.closing_at_end_of(day, warnings)
    for badge in page.hero.get("badge") or []:
        found = dutch.parse_day_months(badge) if "uiterlijk" in badge.lower() else []
        if found:
            day, month, year = found[0]
            posted = date.fromisoformat(str(page.posting.get("datePosted"))[:10])
            closing = (
                date(year, month, day) if year else dutch.day_month_on_or_after(day, month, posted)
            )
            warnings.append("deadline: year and closing time not stated; taken from the badge")
            return dutch.amsterdam_datetime(closing, dutch.END_OF_DAY)
    warnings.append("deadline: not stated")
    return None


def rate_of(page: HaertPage) -> float | None:
    salary = page.posting.get("baseSalary") or {}
    value = salary.get("value") if isinstance(salary, dict) else None
    if (
        isinstance(value, dict)
        and str(salary.get("currency", "")).upper() == "EUR"
        and str(value.get("unitText", "")).upper() == "HOUR"
    ):
        amount = positive_number(value.get("value"))
        if amount:
            return amount
    for text in page.hero.get("rate") or []:
        found = RATE.search(text.replace(".", "").replace(",", "."))
        if found and float(found.group(1)) > 0:
            return float(found.group(1))
    return None


def external_id_of(page: HaertPage, path: str) -> str:
    """The JobPosting's `identifier`, else the number that ends the page's path."""
    number = re.search(r"-(\d+)$", path)
    return str(page.posting.get("identifier") or (number.group(1) if number else path)).strip()


def normalise(page: HaertPage, url: str, *, fetched_at: datetime, now: datetime) -> Tender:
    """One assignment page → `Tender`; a value that cannot be read is null plus a warning."""
    warnings: list[str] = []
    posting = page.posting
    path = re.sub(r"^https?://[^/]+", "", url)
    external_id = external_id_of(page, path)
    description = (
        posting.get("description") if isinstance(posting.get("description"), str) else None
    )
    # The JobPosting's description is the assignment's own text (a page's articles may be other
    # assignments' cards); the body is read only when the JobPosting has none.
    if description:
        lines, sections = listing_text.content_sections(description)
    else:
        lines = [line for line, _header in page.body_lines]
        sections = {
            section.header: section.lines for section in split_sections(list(page.body_lines))
        }
    period = (page.hero.get("period") or [None])[0]
    start = end = None
    if period:
        found = attempt(warnings, "start", period, dutch.parse_period)
        if found:
            start, end, period_warnings = found
            warnings.extend(period_warnings)
    hours_text = (page.hero.get("hours") or [None])[0]
    hours = (
        attempt(warnings, "hours_per_week", hours_text, dutch.parse_hours_per_week)
        if hours_text
        else None
    )
    deadline = attempt(warnings, "deadline", page, lambda value: deadline_of(value, warnings))
    zzp = listing_text.zzp_statement(lines)
    if page.hero.get("zzp"):
        zzp_allowed = True
    elif HAERT_NO_ZZP.search("\n".join(lines)):
        zzp_allowed = False
    else:
        zzp_allowed = zzp.allowed
        if zzp.warning:
            warnings.append(zzp.warning)
    closed = page.closed or (deadline is not None and deadline <= now)
    tender = Tender(
        id=f"{SOURCE}:{external_id}",
        source=SOURCE,
        external_id=external_id,
        url=f"{PUBLIC_SITE}{path}",
        title=listing_text.clean(str(posting.get("title"))) or external_id,
        client=client_of(page, warnings),
        region=region_of(page, warnings),
        status="expired" if closed else "open",
        hours_per_week=HoursRange(min=hours[0], max=hours[1]) if hours else None,
        deadline=deadline,
        start=Start(date=start, precision="day") if start else None,
        end_date=end,
        max_hourly_rate=rate_of(page),
        **listing_text.criteria_from_sections(sections).tender_fields(),
        zzp_allowed=zzp_allowed,
        requirements=listing_text.requirements_in_text(lines),
        **listing_text.text_fields(lines, sections),
        fetched_at=fetched_at,
        warnings=warnings,
    )
    return tender.with_content_hash()
