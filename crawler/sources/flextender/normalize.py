"""Raw listing fields → the normalised `Tender`.

Pure: no I/O, the clock is passed in. A value that cannot be parsed becomes null and a
line in `warnings` (`field: reason`); the normaliser never raises on odd text. Section
headers are recognised by keyword, since their wording varies between listings
("Selectiecriteria", "Gunningscriteria te beoordelen door Flextender", even "Funcieschaal").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from crawler import dutch, listing_text, regions
from crawler.pages.raw import RawListing, RawSection
from schemas.tender import (
    Extension,
    HoursRange,
    PayScale,
    ProfessionalsRange,
    Requirements,
    SelectionCriterion,
    Start,
    Tender,
)
from schemas.zone import AMSTERDAM

T = TypeVar("T")

SECTION_ROLES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (role, re.compile(pattern, re.IGNORECASE))
    for role, pattern in (
        ("execution_condition", r"uitvoeringsvoorwaarde"),
        ("knockout", r"knock-?\s?out|^vereisten\b|^minimumeisen|^eisen\b"),
        ("selection", r"selectiecriteria|gunningscriteria|^wensen\b"),
        ("competencies", r"^competenties"),
        ("pay_scale", r"^fun\w*schaal|^salarisschaal|^inschaling"),
        ("fee", r"^fee\b"),
        ("professionals", r"aantal\s+professionals"),
        ("work_days", r"^werkdagen|^werktijden"),
        ("planning", r"^planning"),
        ("other_information", r"^overige\s+informatie"),
    )
)

NUMBERED_ITEM = re.compile(r"^\s*(\d{1,2})\s*[.)]\s*(.*)$")
BULLET_ITEM = re.compile(r"^\s*[-–•*·▪●◦]\s*(.*)$")
POINTS = re.compile(r"\(\s*(\d{1,3})\s*punt(?:en)?\s*\)", re.IGNORECASE)
TRAILING_PUNCTUATION = re.compile(r"[\s;,.]+$")
MAX_RATE_CONTEXT = re.compile(
    r"(?:max\w*\s+(?:uur)?tarief|uurtarief\s+van\s+max\w*)", re.IGNORECASE
)
QUESTIONS = re.compile(
    r"vragen\s+kunnen\s+(?:worden\s+)?ingediend\s+(?:worden\s+)?tot\s+(?:en\s+met\s+)?(.{0,80})",
    re.IGNORECASE | re.DOTALL,
)
CLOSING_TEXT = re.compile(
    r"reactietermijn\s+van\s+deze\s+\w+\s+duurt\s+tot\s+(?:en\s+met\s+)?(.{0,80})",
    re.IGNORECASE | re.DOTALL,
)
SENTENCE_END = re.compile(r"\.\s+(?=[A-Z])|\.\s*$")
TO_BE_DECIDED = re.compile(r"nader\s+te\s+bepalen|n\.?t\.?b\.?|volgt\s+nog", re.IGNORECASE)
ZZP = re.compile(r"\bzzp", re.IGNORECASE)
NEGATION = re.compile(r"\b(?:niet|geen|uitgesloten|uitsluiten|nooit)\b|géén", re.IGNORECASE)
LABEL_VALUE = re.compile(r":\s*(.+)$")


class _Warnings:
    """Runs parsers, turning their refusals into `field: reason` warnings."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, field: str, reason: str) -> None:
        self.items.append(f"{field}: {reason}")

    def attempt(self, field: str, text: str | None, parse: Callable[[str], T]) -> T | None:
        if text is None:
            return None
        try:
            return parse(text)
        except ValueError as exc:  # UnparsableValue and pydantic's ValidationError
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.add(field, reason)
            return None


def sections_by_role(sections: tuple[RawSection, ...]) -> dict[str, RawSection]:
    roles: dict[str, RawSection] = {}
    for section in sections:
        header = section.header.strip()
        for role, pattern in SECTION_ROLES:
            if role not in roles and pattern.search(header):
                roles[role] = section
                break
    return roles


def list_items(lines: tuple[str, ...], *, markers_only: bool) -> list[str]:
    """Items of a numbered or bulleted list, numbering and trailing `;`/`.` stripped.

    A line that starts in lower case continues the previous item (a line wrapped by a PDF
    print). Other unmarked lines are prose: with `markers_only` they end the list item and
    are dropped, otherwise each is an item of its own."""
    items: list[str] = []
    open_item = False
    for line in lines:
        marked = NUMBERED_ITEM.match(line) or BULLET_ITEM.match(line)
        if marked:
            items.append(marked.group(marked.lastindex or 1).strip())
            open_item = True
        elif open_item and line[:1].islower() and not items[-1].endswith((";", ".")):
            items[-1] = f"{items[-1]} {line.strip()}"
        elif not markers_only:
            items.append(line.strip())
            open_item = True
        else:
            open_item = False
    return [cleaned for item in items if (cleaned := TRAILING_PUNCTUATION.sub("", item))]


def selection_criteria(lines: tuple[str, ...]) -> list[SelectionCriterion]:
    criteria = []
    for item in list_items(lines, markers_only=True):
        weights = POINTS.findall(item)
        text = TRAILING_PUNCTUATION.sub("", POINTS.sub("", item))
        criteria.append(
            SelectionCriterion(
                text=" ".join(text.split()), points=int(weights[-1]) if weights else None
            )
        )
    return criteria


def competencies(section: RawSection) -> list[str]:
    """Bulleted items when the section has bullets, otherwise one item per line."""
    listed = any(NUMBERED_ITEM.match(line) or BULLET_ITEM.match(line) for line in section.lines)
    return list_items(section.lines, markers_only=listed)


def merged_sections(sections: tuple[RawSection, ...]) -> dict[str, str]:
    """header → text; a header that occurs twice gets both texts, in page order."""
    merged: dict[str, str] = {}
    for section in sections:
        merged[section.header] = "\n".join(filter(None, (merged.get(section.header), section.text)))
    return merged


def _labelled_value(section: RawSection | None, label: re.Pattern[str]) -> str | None:
    """The text after the colon on the line of `section` that matches `label`."""
    if section is None:
        return None
    for line in section.lines:
        if label.search(line):
            value = LABEL_VALUE.search(line)
            return value.group(1).strip() if value else ""
    return None


def _sentences(text: str) -> list[str]:
    return [sentence for sentence in SENTENCE_END.split(text) if sentence.strip()]


def _deadline(raw: RawListing, description: str, warnings: _Warnings) -> datetime | None:
    summary = raw.summary
    deadline: datetime | None = None
    closing = CLOSING_TEXT.search(description)
    if "deadline" in summary:  # the API's ISO-like date-time
        deadline = warnings.attempt("deadline", summary["deadline"], _iso_local_datetime)
    elif "deadline_date" in summary:
        day = warnings.attempt("deadline", summary["deadline_date"], dutch.parse_date)
        clock = warnings.attempt("deadline", summary.get("deadline_time"), dutch.parse_clock_time)
        if day is not None and clock is None:
            clock = (
                warnings.attempt("deadline", closing.group(1), dutch.parse_clock_time)
                if closing
                else None
            )
        if day is not None and clock is None:
            warnings.add("deadline", "no closing time given; 00:00 Europe/Amsterdam assumed")
            clock = dutch.parse_clock_time("00:00")
        if day is not None and clock is not None:
            deadline = dutch.amsterdam_datetime(day, clock)
    stated = (
        warnings.attempt("deadline", closing.group(1), dutch.parse_local_datetime)
        if closing
        else None
    )
    if deadline is None:
        return stated
    if stated is not None and stated != deadline:
        warnings.add(
            "deadline", f"summary says {deadline.isoformat()}, text says {stated.isoformat()}"
        )
    return deadline


def _iso_local_datetime(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        return dutch.parse_local_datetime(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=AMSTERDAM)
    return moment.astimezone(AMSTERDAM)


def _hours(text: str) -> HoursRange | None:
    hours = dutch.parse_hours_per_week(text)
    return None if hours is None else HoursRange(min=hours[0], max=hours[1])


def _start(text: str) -> Start:
    day, precision, asap = dutch.parse_start(text)
    return Start(date=day, precision=precision, asap=asap)


def _extension(text: str) -> Extension:
    count, months = dutch.parse_extension(text)
    return Extension(count=count, months=months)


def _pay_scale(text: str) -> PayScale:
    low, high, label = dutch.parse_pay_scale(text)
    return PayScale(min=low, max=high, label=label)


def _professionals(text: str) -> ProfessionalsRange:
    low, high = dutch.parse_int_range(text)
    return ProfessionalsRange(min=low, max=high)


def _interview_dates(section: RawSection | None, warnings: _Warnings) -> list:
    if section is None:
        return []
    for sentence in _sentences(" ".join(section.lines)):
        if re.search(r"gesprek", sentence, re.IGNORECASE) and re.search(
            r"gepland|plaats", sentence, re.IGNORECASE
        ):
            if TO_BE_DECIDED.search(sentence):
                return []
            dates = dutch.find_dates(sentence)
            if not dates:
                warnings.add("interview_dates", f"no date in {sentence[:120]!r}")
            return sorted(set(dates))
    return []


def _zzp_allowed(section: RawSection | None) -> bool | None:
    if section is None:
        return None
    for sentence in _sentences(section.text):
        if ZZP.search(sentence) and NEGATION.search(sentence):
            return False
    return True


def _max_hourly_rate(knockout: list[str], description: str, warnings: _Warnings) -> float | None:
    candidates = [item for item in knockout if MAX_RATE_CONTEXT.search(item)]
    if (
        "€" in description
    ):  # cheap test first: the expression runs on a sentence with an amount only
        candidates += [
            s for s in _sentences(description) if "€" in s and MAX_RATE_CONTEXT.search(s)
        ]
    for candidate in candidates:
        if "€" in candidate:
            return warnings.attempt("max_hourly_rate", candidate, dutch.parse_euro)
    return None


def _region(text: str | None, warnings) -> str | None:
    """Flextender's "Regio" checked against the twelve provinces (`crawler.regions`, the rule
    every source shares): "Regio Twente" names no province and becomes null plus a warning."""
    if not text or not text.strip():
        return None
    province = regions.province_of(dutch.squash(text))
    if province is None:
        warnings.items.append(f"region: {dutch.squash(text)!r} is not one of the twelve provinces")
    return province


def normalise(raw: RawListing, *, fetched_at: datetime, now: datetime | None = None) -> Tender:
    """Build the `Tender` for `raw`. `now` decides whether the deadline has passed."""
    warnings = _Warnings()
    summary = raw.summary
    roles = sections_by_role(raw.sections)
    description = "\n".join(
        line for section in raw.sections for line in (section.header, *section.lines)
    )

    external_id = raw.external_id or ""
    if not external_id:
        warnings.add("external_id", "no request number found")
    title = dutch.squash(raw.title or "")
    if not title:
        warnings.add("title", "missing")

    duration = warnings.attempt("duration", summary.get("duration"), dutch.parse_duration)
    knockout_section, selection_section = roles.get("knockout"), roles.get("selection")
    knockout = list_items(knockout_section.lines, markers_only=True) if knockout_section else []
    pay_scale_section, fee_section = roles.get("pay_scale"), roles.get("fee")
    deadline = _deadline(raw, description, warnings)
    questions = QUESTIONS.search(description)
    work_days_text = _labelled_value(
        roles.get("work_days"), re.compile(r"werkdagen", re.IGNORECASE)
    )
    hybrid_text = _labelled_value(roles.get("work_days"), re.compile(r"hybride", re.IGNORECASE))
    other_information = roles.get("other_information")
    requirement_text = other_information.text if other_information else ""
    expired = raw.expired_notice or (deadline is not None and now is not None and deadline <= now)
    das = warnings.attempt("das", summary.get("das"), dutch.parse_yes_no)

    tender = Tender(
        id=f"{raw.source}:{external_id}",
        source=raw.source,
        external_id=external_id,
        url=raw.url,
        title=title,
        client=dutch.squash(raw.client) if raw.client else None,
        region=_region(summary.get("region"), warnings),
        status="expired" if expired else "open",
        education_level=warnings.attempt(
            "education_level", summary.get("education_level"), dutch.parse_education_level
        ),
        hours_per_week=warnings.attempt("hours_per_week", summary.get("hours_per_week"), _hours),
        deadline=deadline,
        questions_deadline=warnings.attempt(
            "questions_deadline",
            questions.group(1) if questions else None,
            dutch.parse_local_datetime,
        ),
        start=warnings.attempt("start", summary.get("start"), _start),
        end_date=duration[1] if duration else None,
        duration_months=duration[0] if duration else None,
        extension=warnings.attempt("extension", summary.get("extension"), _extension),
        das=das,
        pay_scale=warnings.attempt(
            "pay_scale", pay_scale_section.text if pay_scale_section else None, _pay_scale
        ),
        max_hourly_rate=_max_hourly_rate(knockout, description, warnings),
        fee_per_hour=warnings.attempt(
            "fee_per_hour", fee_section.text if fee_section else None, dutch.parse_fee_per_hour
        ),
        professionals=warnings.attempt(
            "professionals",
            roles["professionals"].text
            if "professionals" in roles
            else summary.get("professionals"),
            _professionals,
        ),
        knockout_criteria=knockout,
        selection_criteria=selection_criteria(selection_section.lines) if selection_section else [],
        competencies=competencies(roles["competencies"]) if "competencies" in roles else [],
        hybrid=warnings.attempt("hybrid", hybrid_text, dutch.parse_yes_no),
        work_days=warnings.attempt("work_days", work_days_text, dutch.parse_work_days) or [],
        interview_dates=_interview_dates(roles.get("planning"), warnings),
        zzp_allowed=_zzp_allowed(roles.get("execution_condition")),
        requirements=Requirements(
            **{
                name: bool(pattern.search(requirement_text))
                for name, pattern in listing_text.REQUIREMENT_PATTERNS.items()
            }
        ),
        description=description,
        sections=merged_sections(raw.sections),
        fields_of_work=list(raw.fields_of_work),
        client_kvk=raw.client_kvk,
        fetched_at=fetched_at,
        warnings=warnings.items,
    )
    return tender.with_content_hash()
