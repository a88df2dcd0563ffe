"""An Opdrachtoverheid search record → `Tender` (section 8 of `shared/sources/opdrachtoverheid.md`),
and a detail page's JobPosting → the `Tender` fields it carries (the fallback). Pure.

- The deadline is `tender_offline_date`, Opdrachtoverheid's own closing moment, a naive
  Europe/Amsterdam wall-clock time (it closes its intake a working day before the source);
  never `tender_date`, nor the JobPosting's `validThrough` (that is `tender_date`'s day).
- The original platform and listing are kept as `origin` (the dedupe uses them).
- "1900-01-01", any year before 2000, `0.0` hours and an empty string mean "not stated".
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from crawler import listing_text, regions
from crawler.json_values import amsterdam_moment, attempt, calendar_date, positive_number
from crawler.listing_refs import copied_listing_refs
from crawler.pages.structured import job_address
from schemas.tender import (
    EducationLevel,
    HoursRange,
    Origin,
    ProfessionalsRange,
    SelectionCriterion,
    Start,
    Tender,
)

SOURCE = "opdrachtoverheid"
PUBLIC_URL = "https://www.opdrachtoverheid.nl/inhuuropdracht/{organisation}/{title}/{web_key}"
EDUCATION_LEVELS: tuple[EducationLevel, ...] = ("MBO", "HBO", "WO")
WEIGHT = re.compile(r"\s*\((?:weging|punten)\s*:?\s*(\d{1,3})\)\s*\.?$", re.IGNORECASE)
DESCRIPTION_FIELDS = (
    "tender_description_html",
    "tender_description",
    "tender_overview",
    "tender_requirements",
    "tender_competences",
    "tender_other_information",
)


def _text(value: Any) -> str | None:
    return listing_text.clean(value) if isinstance(value, str) else None


def public_url(record: dict[str, Any]) -> str:
    url = record.get("opdracht_overheid_url")
    if isinstance(url, str) and url.startswith("https://"):
        return url

    def hyphens(text: str) -> str:
        return "-".join(re.sub(r"[^\w\s-]", "", text).split())

    return PUBLIC_URL.format(
        organisation=hyphens(str(record.get("tender_buying_organization") or "")),
        title=hyphens(record["tender_name"]),
        web_key=str(record.get("web_key") or "").strip(),
    )


def region_of(record: dict[str, Any]) -> str | None:
    """First found: the office's province, the job location (a trailing province, or a place of
    the gazetteer), the head office's province."""
    for location in (record.get("organization_location"), None, record.get("vacancies_location")):
        if location is None:
            job = _text(record.get("tender_job_location"))
            found = regions.province_of(job) if job else None
        else:
            found = (
                regions.province_named(_text(location.get("province")))
                if isinstance(location, dict)
                else None
            )
        if found:
            return found
    return None


def hours(record: dict[str, Any]) -> HoursRange | None:
    bounds = (
        positive_number(record.get("tender_min_hours")),
        positive_number(record.get("tender_max_hours")),
    )
    known = [int(value) for value in bounds if value is not None]
    if not known and isinstance(record.get("tender_hours_week"), str):
        known = [
            int(figure)
            for figure in re.findall(r"\d{1,3}", record["tender_hours_week"])
            if int(figure) > 0
        ]
    if not known or max(known) > 168:
        return None
    return HoursRange(min=min(known), max=max(known))


def _criteria(markup: Any) -> tuple[list[str], list[SelectionCriterion], list[str]]:
    """(knockout, wishes with their weights, competencies) from an HTML field of lists under
    headers ("<h3>Wensen</h3><ul><li>… (Weging: 20)</li></ul>")."""
    _lines, sections = listing_text.content_sections(markup if isinstance(markup, str) else None)
    criteria = listing_text.criteria_from_sections(sections)
    wishes = []
    for text in criteria.wishes:
        weight = WEIGHT.search(text)
        wishes.append(
            SelectionCriterion(
                text=WEIGHT.sub("", text).strip(), points=int(weight.group(1)) if weight else None
            )
        )
    return criteria.knockout, wishes, criteria.competencies


def normalise(record: dict[str, Any], *, fetched_at: datetime, now: datetime) -> Tender:
    warnings: list[str] = []
    external_id = record["tender_id"].strip()
    region = region_of(record)
    if region is None:
        warnings.append(
            "region: no province for the office, the job location "
            f"{record.get('tender_job_location')!r} "
            "or the head office"
        )
    deadline = attempt(warnings, "deadline", record.get("tender_offline_date"), amsterdam_moment)
    if deadline is None and not any(warning.startswith("deadline") for warning in warnings):
        warnings.append("deadline: no tender_offline_date")
    start = attempt(warnings, "start", record.get("tender_start_date"), calendar_date)
    rate = (
        None
        if record.get("tender_no_max_tariff") is True
        else positive_number(record.get("tender_maximum_tariff"))
    )
    text_lines = [
        line
        for field in DESCRIPTION_FIELDS
        for line in listing_text.html_lines(
            record.get(field) if isinstance(record.get(field), str) else None
        )
    ]
    zzp = listing_text.zzp_statement(text_lines)
    if zzp.warning:
        warnings.append(zzp.warning)
    label = (
        (record.get("education_level_obj") or {}).get("education_level_label")
        if isinstance(record.get("education_level_obj"), dict)
        else None
    )
    main_text = (
        record.get("tender_overview")
        or record.get("tender_description_html")
        or record.get("tender_description")
    )
    lines, sections = listing_text.content_sections(
        main_text if isinstance(main_text, str) else None
    )
    knockout = [
        line.removeprefix("- ")
        for line in listing_text.html_lines(
            record.get("tender_requirements")
            if isinstance(record.get("tender_requirements"), str)
            else None
        )
    ]
    _, wishes, competencies = _criteria(record.get("tender_competences"))
    professionals = re.match(
        r"\s*(\d{1,4})", str(record.get("tender_number_of_professionals") or "")
    )
    categories = [
        category.get("tender_category_obj", {}).get("type")
        for category in (
            record.get("tender_categories")
            if isinstance(record.get("tender_categories"), list)
            else []
        )
        if isinstance(category, dict) and isinstance(category.get("tender_category_obj"), dict)
    ]
    origin_platform = _text(record.get("tender_source"))
    tender = Tender(
        id=f"{SOURCE}:{external_id}",
        source=SOURCE,
        external_id=external_id,
        url=public_url(record),
        title=listing_text.clean(record["tender_name"]) or external_id,
        client=_text(record.get("tender_buying_organization")),
        region=region,
        status="expired" if deadline is not None and deadline <= now else "open",
        education_level=label if label in EDUCATION_LEVELS else None,
        hours_per_week=hours(record),
        deadline=deadline,
        start=Start(date=start, precision="day") if start else None,
        end_date=attempt(warnings, "end_date", record.get("tender_end_date"), calendar_date),
        max_hourly_rate=rate,
        professionals=ProfessionalsRange(
            min=int(professionals.group(1)), max=int(professionals.group(1))
        )
        if professionals and int(professionals.group(1)) > 0
        else None,
        knockout_criteria=[line for line in knockout if line],
        selection_criteria=wishes,
        competencies=competencies,
        zzp_allowed=zzp.allowed,
        **listing_text.text_fields(lines, sections),
        fields_of_work=[
            category for category in categories if isinstance(category, str) and category
        ],
        origin=Origin(
            platform=origin_platform,
            url=_text(record.get("tender_url")),
            listing_refs=copied_listing_refs(
                origin_platform, external_id, _text(record.get("tender_url"))
            ),
        )
        if origin_platform
        else None,
        fetched_at=fetched_at,
        warnings=warnings,
    )
    return tender.with_content_hash()


def from_job_posting(
    posting: dict[str, Any], *, external_id: str, url: str, fetched_at: datetime, now: datetime
) -> Tender:
    """The fallback: what a detail page's JobPosting says. Its `validThrough` is the source's
    date, not Opdrachtoverheid's closing moment, so there is no deadline (a warning says so);
    its `baseSalary` is the source's tariff (`tender_tariff`), not a maximum, so no rate."""
    organisation = (
        posting.get("hiringOrganization")
        if isinstance(posting.get("hiringOrganization"), dict)
        else {}
    )
    address = job_address(posting)
    description = (
        posting.get("description") if isinstance(posting.get("description"), str) else None
    )
    lines, sections = listing_text.content_sections(description)
    tender = Tender(
        id=f"{SOURCE}:{external_id}",
        source=SOURCE,
        external_id=external_id,
        url=url,
        title=listing_text.clean(str(posting["title"])) or external_id,
        client=_text(organisation.get("name")),
        region=regions.province_named(_text(address.get("addressRegion"))),
        **listing_text.text_fields(lines, sections),
        fetched_at=fetched_at,
        warnings=[
            "deadline: read from the page's JobPosting (search endpoint unavailable), which has "
            "no closing "
            "moment"
        ],
    )
    return tender.with_content_hash()
