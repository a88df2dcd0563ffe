"""Shapes of what page objects extract: raw text as printed, keyed in English."""

from __future__ import annotations

from dataclasses import dataclass, field


class UnrecognisedPage(ValueError):
    """The input is not a page this page object knows (layout changed, truncated, or not a
    listing)."""


@dataclass(frozen=True, slots=True)
class RawSection:
    """A description section: the header as printed and its text lines (one per block)."""

    header: str
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True, slots=True)
class RawListing:
    """Raw fields of one listing, from a detail page, a listing card or an API job.

    `summary` maps English keys (`start`, `duration`, `extension`, `education_level`,
    `region`, `hours_per_week`, `deadline_date`, `deadline_time`, `deadline`, `das`,
    `professionals`, `request_number`) to the value text as printed.
    """

    source: str
    external_id: str | None
    url: str
    title: str | None
    client: str | None = None
    summary: dict[str, str] = field(default_factory=dict)
    sections: tuple[RawSection, ...] = ()
    expired_notice: bool = False
    fields_of_work: tuple[str, ...] = ()
    client_kvk: str | None = None

    @property
    def has_description(self) -> bool:
        return bool(self.sections)
