"""The Striive spider: `GET <TENDERWATCH_STRIIVE_URL>/api/jobs?open=true&page=N`, 25 a page."""

from __future__ import annotations

from crawler.sources.headfirst.spider import HeadFirstListSpider
from crawler.sources.striive.normalize import PLATFORM


class StriiveSpider(HeadFirstListSpider):
    name = "striive"
    platform = PLATFORM
    host_setting = "striive_url"
    list_path = "/api/jobs?open=true"
    page_size = 25
