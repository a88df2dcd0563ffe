"""Striive item → `Tender`: the HeadFirst mapping with Striive's public URL, the client's own
request code (`referenceCodeClient`) as `client_reference`, and `regionLocation` as the city.
The supplier portal's `recordId` and the broker's `referenceCode` are kept as `listing_refs`:
aggregators' copies of a Striive item name those, not the public URL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crawler.listing_refs import striive_refs
from crawler.sources.headfirst import normalize as headfirst
from crawler.sources.striive.pages import public_url
from schemas.tender import Tender

SOURCE = "striive"
PLATFORM = headfirst.Platform(
    source=SOURCE,
    public_url=public_url,
    client_reference=lambda item: headfirst.reference(item.get("referenceCodeClient")),
    listing_refs=lambda item: striive_refs(item.get("recordId"), item.get("referenceCode")),
    coordinates_mean_the_city=True,
)


def normalise(item: dict[str, Any], *, fetched_at: datetime, now: datetime) -> Tender:
    return headfirst.normalise(item, PLATFORM, fetched_at=fetched_at, now=now)
