"""The Inhuurdesk spider: `GET
<TENDERWATCH_INHUURDESK_URL>/wp-json/headfirst-assignments/search?page=N`;
the page size is unknown (21 and 18 seen), so it stops at an empty page or at `total` ids."""

from __future__ import annotations

from crawler.sources.headfirst.spider import HeadFirstListSpider
from crawler.sources.inhuurdesk.normalize import PLATFORM


class InhuurdeskSpider(HeadFirstListSpider):
    name = "inhuurdesk"
    platform = PLATFORM
    host_setting = "inhuurdesk_url"
    list_path = "/wp-json/headfirst-assignments/search"
    page_size = None
