"""A replica of Striive's list API, from the captured answers in `answers/` (real, from
`shared/sources/samples/striive/`) and the awkward cases written beside them."""

from __future__ import annotations

from crawler.sources.headfirst.replica import HeadFirstListReplica, bundled_items


class StriiveReplica(HeadFirstListReplica):
    path = "/api/jobs"
    page_size = 25
    name = "striive"

    def default_items(self) -> list[dict]:
        return bundled_items(__name__)


__all__ = ["StriiveReplica"]
