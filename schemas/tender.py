"""The normalised `Tender`: one public-sector assignment, whatever platform published it.

Its JSON shape is the contract shared by Kafka events, the search stores and downstream
services. Field names are English; Dutch appears only in the parsers at the edge.
Every optional value is null when the listing does not state it or when it could not be
parsed; in the latter case `warnings` says why (never a guess).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

TenderStatus = Literal["open", "expired", "withdrawn"]
EducationLevel = Literal["MBO", "HBO", "WO"]
Weekday = Literal["ma", "di", "wo", "do", "vr", "za", "zo"]
WEEK_ORDER: tuple[Weekday, ...] = ("ma", "di", "wo", "do", "vr", "za", "zo")
StartPrecision = Literal["day", "month"]

# Fields that describe the fetch or the lifecycle, not the listing's content. They are left
# out of `content_hash`, so a re-crawl of an unchanged listing yields the same hash.
# The assignment fields are decided across listings (crawler/assignments), not read from this one.
NON_CONTENT_FIELDS = frozenset(
    {"fetched_at", "first_seen", "content_hash", "status", "url", "assignment_id", "also_on"}
)
# Fields added after tenders were first hashed: left out of `content_hash` while empty, so a
# tender crawled before they existed keeps its hash (and makes no update event).
HASHED_ONLY_WHEN_SET = frozenset({"client_reference", "origin", "listing_refs"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HoursRange(_Strict):
    """Hours per week, inclusive; min == max for a single figure."""

    min: int = Field(ge=0, le=168)
    max: int = Field(ge=0, le=168)


class ProfessionalsRange(_Strict):
    """How many professionals the client wants to hire, inclusive."""

    min: int = Field(ge=0)
    max: int = Field(ge=0)


class PayScale(_Strict):
    """A pay scale (functieschaal) of the municipal CAO, 1-18; `label` keeps suffixes like 10A."""

    min: int = Field(ge=1, le=18)
    max: int = Field(ge=1, le=18)
    label: str


class Start(_Strict):
    """When the assignment starts: a date (to the day or month) or as soon as possible."""

    date: dt.date | None = None
    precision: StartPrecision | None = None
    asap: bool = False


class Extension(_Strict):
    """Extension options: `count` times `months` months; count 0 means none."""

    count: int = Field(ge=0)
    months: int | None = Field(default=None, ge=0)


class SelectionCriterion(_Strict):
    """A weighted selection (award) criterion; `points` null when the text gives none."""

    text: str
    points: int | None = None


class Requirements(_Strict):
    """Paperwork the client asks of the winner ("Overige informatie")."""

    vog: bool = False
    confidentiality: bool = False
    uea: bool = False
    integrity_statement: bool = False
    waadi: bool = False
    sroi: bool = False
    byod: bool = False


class Origin(_Strict):
    """Where an aggregator's copy came from: the original platform and listing."""

    platform: str = Field(
        description="The original platform as the aggregator names it", examples=["striive"]
    )
    url: str | None = Field(default=None, description="The original listing")
    listing_refs: list[str] = Field(
        default_factory=list,
        description="The original listing's identifiers in the form of `Tender.id` or "
        "`Tender.listing_refs`, as far as the copy names them",
        examples=[["striive:record:392359", "striive:ref:HFSSC000444"]],
    )


class Listing(_Strict):
    """Another listing of the same assignment."""

    source: str
    id: str = Field(description="Its tender id")
    url: str


class Tender(BaseModel):
    """One normalised assignment. See `schemas/tender.schema.json` for the JSON Schema."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(
        description="`<source>:<external_id>`, stable forever", examples=["flextender:30922"]
    )
    source: str
    external_id: str
    url: str
    title: str
    client: str | None = None
    region: str | None = None
    status: TenderStatus = "open"
    education_level: EducationLevel | None = None
    hours_per_week: HoursRange | None = None
    deadline: datetime | None = Field(
        default=None, description="Closing moment, Europe/Amsterdam offset"
    )
    questions_deadline: datetime | None = None
    start: Start | None = None
    end_date: date | None = None
    duration_months: int | None = Field(default=None, ge=0)
    extension: Extension | None = None
    das: bool | None = Field(default=None, description="Part of a dynamic purchasing system (DAS)")
    pay_scale: PayScale | None = None
    max_hourly_rate: float | None = Field(default=None, ge=0, description="EUR excl. VAT")
    fee_per_hour: float | None = Field(
        default=None, ge=0, description="Platform fee, EUR per hour worked"
    )
    professionals: ProfessionalsRange | None = None
    knockout_criteria: list[str] = Field(default_factory=list)
    selection_criteria: list[SelectionCriterion] = Field(default_factory=list)
    competencies: list[str] = Field(default_factory=list)
    hybrid: bool | None = None
    work_days: list[Weekday] = Field(default_factory=list)
    interview_dates: list[date] = Field(default_factory=list)
    zzp_allowed: bool | None = Field(default=None, description="Whether solo freelancers may apply")
    requirements: Requirements = Field(default_factory=Requirements)
    description: str = ""
    sections: dict[str, str] = Field(default_factory=dict)
    fields_of_work: list[str] = Field(default_factory=list)
    client_kvk: str | None = Field(
        default=None, description="Chamber of commerce number of the client"
    )
    client_reference: str | None = Field(
        default=None,
        description="The client's own request code as the listing prints it (e.g. SRQ202742): the "
        "same assignment on another platform often carries it too",
        examples=["SRQ202742"],
    )
    origin: Origin | None = Field(
        default=None, description="An aggregator's copy: the platform and listing it copies"
    )
    listing_refs: list[str] = Field(
        default_factory=list,
        description="Other identifiers the platform gives this listing, `<source>:<kind>:<value>` "
        "(what an aggregator's copy may point at instead of the URL)",
        examples=[["striive:record:392359", "striive:ref:HFSSC000444"]],
    )
    assignment_id: str | None = Field(
        default=None,
        description="Listings of the same assignment (on any platform) share it: the id of the "
        "assignment's first-seen listing. Null in events written before assignments "
        "existed: read it as the tender's own id",
    )
    also_on: list[Listing] = Field(
        default_factory=list, description="The other listings of the same assignment"
    )
    fetched_at: datetime
    first_seen: datetime | None = Field(
        default=None, description="When tenderwatch first saw this tender"
    )
    content_hash: str = ""
    warnings: list[str] = Field(default_factory=list)

    @field_validator("work_days")
    @classmethod
    def _week_order(cls, days: list[Weekday]) -> list[Weekday]:
        unique = set(days)
        return [day for day in WEEK_ORDER if day in unique]

    @property
    def assignment(self) -> str:
        """The assignment it belongs to: `assignment_id`, or its own id for a tender of an
        event written before assignments existed."""
        return self.assignment_id or self.id

    def compute_content_hash(self) -> str:
        """SHA-256 over the normalised content, leaving out fetch and lifecycle metadata."""
        left_out = set(NON_CONTENT_FIELDS) | {
            name for name in HASHED_ONLY_WHEN_SET if not getattr(self, name)
        }
        content = self.model_dump(mode="json", exclude=left_out)
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def with_content_hash(self) -> Tender:
        return self.model_copy(update={"content_hash": self.compute_content_hash()})
