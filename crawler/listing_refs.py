"""Identifiers of a listing besides its tender id, in one form for every source, so that an
aggregator's copy can name the original listing the way the original's own source does.

`<source>:<kind>:<VALUE>` (value upper case), e.g. `striive:record:392359` (Striive's supplier
portal id) and `striive:ref:HFSSC000444` (its broker reference). A copy that names a listing by
its platform's id in the form of a tender id (`flextender:31050`) needs no kind.
"""

from __future__ import annotations

import re
from typing import Any

STRIIVE_COPY_ID = re.compile(r"(?P<reference>[A-Za-z0-9-]+)_(?P<record>\d+)")
STRIIVE_SUPPLIER_URL = re.compile(r"supplier\.striive\.com/inbox/all/(?P<record>\d+)")


def listing_ref(source: str, kind: str, value: Any) -> str | None:
    if not isinstance(value, (str, int)) or not str(value).strip():
        return None
    return f"{source}:{kind}:{str(value).strip().upper()}"


def striive_refs(record_id: Any, reference_code: Any) -> list[str]:
    """What a Striive item is known by: its supplier portal record and its broker reference."""
    return [
        ref
        for ref in (
            listing_ref("striive", "record", record_id),
            listing_ref("striive", "ref", reference_code),
        )
        if ref
    ]


def copied_listing_refs(platform: str, copy_id: str, url: str | None) -> list[str]:
    """The original of an aggregator's copy whose id is `<platform>_<the platform's id>`:
    Striive copies are `striive_<referenceCode>_<recordId>` and point at the supplier portal
    (`…/inbox/all/<recordId>`); others (`flextender_31050`) name the platform's own id."""
    platform = platform.strip().lower()
    own_id = copy_id[len(platform) + 1 :] if copy_id.lower().startswith(platform + "_") else ""
    if platform == "striive":
        refs: list[str] = []
        if match := STRIIVE_COPY_ID.fullmatch(own_id):
            refs += striive_refs(match["record"], match["reference"])
        if url and (match := STRIIVE_SUPPLIER_URL.search(url)):
            refs += striive_refs(match["record"], None)
        return sorted(set(refs))
    return [f"{platform}:{own_id}"] if own_id else []
