"""What spiders yield: a normalised tender plus the crawl bookkeeping that travels with it."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.tender import Tender


@dataclass
class TenderItem:
    tender: Tender
    list_fingerprint: str | None = None
