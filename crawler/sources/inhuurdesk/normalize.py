"""Inhuurdesk item → `Tender`: the HeadFirst mapping with Inhuurdesk's public URL and the VMS
request number (`referenceCode`, e.g. SRQ178209) as `client_reference`: for Nétive clients it
is the client's own code, while `referenceCodeClient` is a Salesforce record id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crawler.sources.headfirst import normalize as headfirst
from crawler.sources.inhuurdesk.pages import public_url
from schemas.tender import Tender

SOURCE = "inhuurdesk"
PLATFORM = headfirst.Platform(
    source=SOURCE,
    public_url=public_url,
    client_reference=lambda item: headfirst.reference(item.get("referenceCode")),
    listing_refs=headfirst.no_refs,
    coordinates_mean_the_city=False,  # always [0, 0]
)


def normalise(item: dict[str, Any], *, fetched_at: datetime, now: datetime) -> Tender:
    return headfirst.normalise(item, PLATFORM, fetched_at=fetched_at, now=now)
