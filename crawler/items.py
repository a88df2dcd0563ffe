"""What spiders yield: a normalised tender plus the crawl bookkeeping that travels with it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from schemas.tender import Tender


@dataclass
class TenderItem:
    tender: Tender
    list_fingerprint: str | None = None


def entry_fingerprint(entry: dict[str, Any], leave_out: Iterable[str] = ()) -> str:
    """Hash of a listing's entry in its source's list (`TenderItem.list_fingerprint`): when it
    changes, the listing is fetched or mapped again. `leave_out`: keys that change without news."""
    skipped = set(leave_out)
    kept = {key: value for key, value in entry.items() if key not in skipped}
    return hashlib.sha256(
        json.dumps(kept, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()
