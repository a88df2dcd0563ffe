"""A BlueTrail page → `Tender`: section 4 of `shared/sources/bluetrail.md`. Pure; the clock is
passed in.

- The external id is the JobPosting's `identifier.value` (the broker's record id), else the
  URL's slug.
- The client is the end client of the description's "Voor [de|het] <Naam> zoeken wij", else
  `hiringOrganization` (with a warning when that is a broker: the end client is unknown).
- The deadline is the table's "Sluitingsdatum" with the time of the unlabeled field after it,
  in Amsterdam; no time → 23:59:59 with a warning. Never `validThrough` (capture time + 30
  days), and no rate from `baseSalary` (a constant placeholder).
- "Referentienummer" goes to `listing_refs` (`bluetrail:ref:<number>`) for matching copies.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from crawler import dutch, listing_text, regions
from crawler.json_values import attempt
from crawler.pages.html_text import split_sections
from crawler.pages.structured import job_address
from crawler.sources.bluetrail.pages import CLOSING_LABEL, CLOSING_TIME, BlueTrailPage
from schemas.tender import Extension, HoursRange, Start, Tender

SOURCE = "bluetrail"
END_CLIENT = re.compile(
    r"\bVoor\s+(?:onze\s+opdrachtgever\s+)?(?:de\s+|het\s+)?((?:[A-Z0-9][\w&'’.-]*)(?:\s+(?:[A-Z0-9(][\w&'’().-]*|van|voor|en|de|der|het|-))*?)"
    r"\s+zoeken\s+wij\b"
)
BROKERS = {
    "circle8",
    "synprofs",
    "harvey nash",
    "magnit",
    "aeves",
    "bluemesa",
    "bluetrail",
    "bconnect",
}
EDUCATION = re.compile(r"^(MBO|HBO|WO)$")


def external_id_of(page: BlueTrailPage, url: str) -> str:
    identifier = page.posting.get("identifier")
    value = identifier.get("value") if isinstance(identifier, dict) else identifier
    if isinstance(value, str) and value.strip():
        return value.strip()
    return url.rstrip("/").rsplit("/", 1)[-1]


def client_of(page: BlueTrailPage, lines: list[str], warnings: list[str]) -> str | None:
    found = END_CLIENT.search(" ".join(lines[:3]))
    if found:
        return listing_text.clean(found.group(1))
    organisation = page.posting.get("hiringOrganization")
    name = listing_text.clean(organisation.get("name")) if isinstance(organisation, dict) else None
    if name and name.lower() in BROKERS:
        warnings.append(f"client: {name} is a broker; the end client is not named")
    elif not name:
        warnings.append("client: the page names none")
    return name


def region_of(page: BlueTrailPage, warnings: list[str]) -> str | None:
    address = job_address(page.posting)
    for candidate in (address.get("addressRegion"), address.get("addressLocality")):
        if isinstance(candidate, str) and regions.province_named(candidate):
            return regions.province_named(candidate)
    for place in (page.table.get("locatie"), *page.facts[:1], address.get("addressLocality")):
        if isinstance(place, str) and place.strip():
            found = regions.province_of(place)
            if found:
                return found
    warnings.append("region: no province in the address or the location")
    return None


def deadline_of(page: BlueTrailPage, warnings: list[str]) -> datetime | None:
    stated = page.table.get(CLOSING_LABEL)
    if not stated:
        warnings.append("deadline: no Sluitingsdatum")
        return None
    day = dutch.parse_date(stated)
    clock = page.table.get(CLOSING_TIME)
    if clock:
        moment = dutch.amsterdam_datetime(day, dutch.parse_clock_time(clock))
    else:
        moment = dutch.closing_at_end_of(day, warnings)
    posted = page.posting.get("datePosted")
    if isinstance(posted, str) and posted[:10] and moment.date() < date.fromisoformat(posted[:10]):
        warnings.append(f"deadline: {day} is before the posting date {posted[:10]}: a stale table?")
    return moment


def extension_of(text: str | None) -> Extension | None:
    if text and text.strip().lower() in ("ja", "ja, optie op verlenging", "optie op verlenging"):
        return Extension(count=1)
    return None


def normalise(page: BlueTrailPage, url: str, *, fetched_at: datetime, now: datetime) -> Tender:
    """One page → `Tender`; a value that cannot be read is null plus a warning."""
    warnings: list[str] = []
    posting = page.posting
    external_id = external_id_of(page, url)
    description = (
        posting.get("description") if isinstance(posting.get("description"), str) else None
    )
    lines, sections = listing_text.content_sections(description)
    requirement_sections = {
        section.header.rstrip(":"): section.lines
        for section in split_sections(list(page.requirement_lines))
    }
    sections = {**sections, **requirement_sections}
    all_lines = lines + [line for line, _bold in page.requirement_lines]
    table = page.table
    hours_text = table.get("uren per week") or next(
        (fact for fact in page.facts if "u p/w" in fact), None
    )
    hours = (
        attempt(warnings, "hours_per_week", hours_text, dutch.parse_hours_per_week)
        if hours_text
        else None
    )
    deadline = attempt(warnings, "deadline", page, lambda value: deadline_of(value, warnings))
    start = (
        attempt(warnings, "start", table.get("startdatum"), dutch.parse_date)
        if table.get("startdatum")
        else None
    )
    end = (
        attempt(warnings, "end_date", table.get("einddatum"), dutch.parse_date)
        if table.get("einddatum")
        else None
    )
    zzp = listing_text.zzp_statement(all_lines)
    if zzp.warning:
        warnings.append(zzp.warning)
    reference = table.get("referentienummer")
    education = next((fact for fact in page.facts if EDUCATION.match(fact)), None)
    tender = Tender(
        id=f"{SOURCE}:{external_id}",
        source=SOURCE,
        external_id=external_id,
        url=url,
        title=listing_text.clean(str(posting.get("title"))) or external_id,
        client=client_of(page, lines, warnings),
        region=region_of(page, warnings),
        status="expired" if deadline is not None and deadline <= now else "open",
        education_level=education,
        hours_per_week=HoursRange(min=hours[0], max=hours[1]) if hours else None,
        deadline=deadline,
        start=Start(date=start, precision="day") if start else None,
        end_date=end,
        extension=extension_of(table.get("optie op verlenging")),
        **listing_text.criteria_from_sections(sections).tender_fields(),
        zzp_allowed=zzp.allowed,
        requirements=listing_text.requirements_in_text(all_lines),
        **listing_text.text_fields(all_lines, sections),
        listing_refs=[f"bluetrail:ref:{reference}"] if reference else [],
        fetched_at=fetched_at,
        warnings=warnings,
    )
    return tender.with_content_hash()
