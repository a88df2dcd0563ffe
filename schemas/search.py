"""The search filter: one definition of what "matches" means, used by `tenderwatch search`,
every store, the web pages and saved searches (their URL and command-line names:
`schemas/search_query.py`).

Semantics (each given criterion must hold):
- `keyword`: after Dutch analysis every word must occur in the title or the description;
  with a keyword results are sorted by relevance (title weighs more), otherwise by
  deadline, soonest first (tenders without a deadline last), then by id.
- `regions`: the tender's region is one of them (case- and accent-insensitive). Only the twelve
  provinces (`schemas.provinces`, in Dutch or English) are accepted as input: any other name
  could never match. Saved searches read back from storage are not checked again
  (`STORED` context), so one stored before this check still loads.
- `pay_scale_min`/`pay_scale_max`, `hours_min`/`hours_max`: the tender's range overlaps the
  asked range; a tender without that value does not match.
- `deadline_after`/`deadline_before`: calendar dates in Europe/Amsterdam, inclusive.
- `education_level`, `das`, `zzp_allowed`, `client` (case-insensitive): equal.
- `sources`: the tender came from one of them (`flextender`, `striive`, ...).
- `status`: `open` unless asked otherwise; `all` for every status.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from schemas.provinces import province_named, unknown_province_message
from schemas.tender import EducationLevel
from schemas.zone import AMSTERDAM

STORED = (
    "stored"  # validation context of a document read back from storage: checked when it was saved
)
StatusFilter = Literal["open", "expired", "withdrawn", "all"]
MAX_OFFSET = 100_000
SOURCE_NAME = re.compile(
    r"[a-z0-9][a-z0-9-]{0,39}"
)  # deeper paging is refused: narrow the filter instead


class SearchFilter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    keyword: str | None = Field(None, max_length=500)
    regions: tuple[str, ...] = Field((), max_length=50)
    pay_scale_min: int | None = Field(None, ge=1, le=18)
    pay_scale_max: int | None = Field(None, ge=1, le=18)
    hours_min: int | None = Field(None, ge=0, le=168)
    hours_max: int | None = Field(None, ge=0, le=168)
    deadline_after: date | None = None
    deadline_before: date | None = None
    education_level: EducationLevel | None = None
    das: bool | None = None
    zzp_allowed: bool | None = None
    client: str | None = Field(None, max_length=200)
    sources: tuple[str, ...] = Field((), max_length=20, description="Source names, e.g. striive")
    status: StatusFilter = "open"

    @field_validator("regions")
    @classmethod
    def _regions_are_provinces(
        cls, regions: tuple[str, ...], info: ValidationInfo
    ) -> tuple[str, ...]:
        if (info.context or {}).get(STORED):
            return regions
        problems = [
            unknown_province_message(region) for region in regions if province_named(region) is None
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return regions

    @field_validator("sources")
    @classmethod
    def _sources_are_names(cls, sources: tuple[str, ...]) -> tuple[str, ...]:
        names = tuple(dict.fromkeys(name.strip().lower() for name in sources))
        for name in names:
            if not SOURCE_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not a source name (letters, digits and '-')")
        return names

    @field_validator("keyword")
    @classmethod
    def _keyword_is_words(cls, keyword: str | None) -> str | None:
        """Keywords are only ever words to look for (never query syntax); text without a single
        word or with control characters is refused rather than guessed at."""
        if keyword is None:
            return None
        if any(unicodedata.category(character) == "Cc" for character in keyword):
            raise ValueError("keyword contains control characters")
        if not any(character.isalnum() for character in keyword):
            raise ValueError("keyword has no word to search for")
        from schemas.analysis import analyze

        if not analyze(keyword):
            raise ValueError(
                f"keyword {keyword.strip()!r} has only words too common to search for "
                "(stop words such as 'de', 'het', 'een'); add a word that says what you look for"
            )
        return keyword

    @model_validator(mode="after")
    def _ranges_run_forwards(self) -> SearchFilter:
        for low, high, words in (
            (
                "pay_scale_min",
                "pay_scale_max",
                "the lowest pay scale ({}) is above the highest ({})",
            ),
            ("hours_min", "hours_max", "the fewest hours ({}) are more than the most hours ({})"),
            (
                "deadline_after",
                "deadline_before",
                "the earliest deadline ({}) is after the latest deadline ({})",
            ),
        ):
            if (
                getattr(self, low) is not None
                and getattr(self, high) is not None
                and getattr(self, low) > getattr(self, high)
            ):
                raise ValueError(words.format(getattr(self, low), getattr(self, high)))
        return self

    def deadline_bounds(self) -> tuple[datetime | None, datetime | None]:
        """[from, until) as aware datetimes: the Amsterdam days asked, inclusive."""
        zone = AMSTERDAM
        start = (
            datetime.combine(self.deadline_after, time(0), tzinfo=zone)
            if self.deadline_after
            else None
        )
        end = (
            datetime.combine(self.deadline_before + timedelta(days=1), time(0), tzinfo=zone)
            if self.deadline_before
            else None
        )
        return start, end


class SearchPage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: int = Field(20, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    all_listings: bool = Field(
        False,
        description="Every listing; by default one hit per assignment (the best "
        "placed of its listings, naming the others in `also_on`)",
    )
