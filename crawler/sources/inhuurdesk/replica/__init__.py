"""A replica of Inhuurdesk's list endpoint, from the captured answer in `answers/` (real, from
`shared/sources/samples/inhuurdesk/`) and the awkward cases written beside it. 21 a page, as
the capture showed."""

from __future__ import annotations

from crawler.sources.headfirst.replica import HeadFirstListReplica, bundled_items


class InhuurdeskReplica(HeadFirstListReplica):
    path = "/wp-json/headfirst-assignments/search"
    page_size = 21
    name = "inhuurdesk"

    def default_items(self) -> list[dict]:
        return bundled_items(__name__)


__all__ = ["InhuurdeskReplica"]
