"""What every list source's spider shares: its pause between requests reaches Scrapy as the
crawler's DOWNLOAD_DELAY (not the deprecated `download_delay` attribute, whose warning
`tenderwatch demo` printed)."""

from __future__ import annotations

import warnings

import pytest
from scrapy.settings import Settings as ScrapySettings

from crawler.sources import SOURCES

DELAYED = [
    name
    for name, source in SOURCES.items()
    if getattr(source.spider_class(), "delay_setting", None)
]


def test_some_sources_have_a_pause():
    assert {"bluetrail", "haert", "needstaffing"} <= set(DELAYED)


@pytest.mark.parametrize("name", DELAYED)
def test_the_sources_delay_is_scrapys_download_delay(name):
    spider = SOURCES[name].spider_class()
    settings = ScrapySettings()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a deprecation warning fails the test
        spider.update_settings(settings)
    assert settings.getfloat("DOWNLOAD_DELAY") > 0  # the real site's pause by default
    replica = SOURCES[name].replica_values("http://127.0.0.1:1")
    given = ScrapySettings({f"TENDERWATCH_{spider.delay_setting.upper()}": "0"})
    spider.update_settings(given)
    assert given.getfloat("DOWNLOAD_DELAY") == 0 and replica[spider.delay_setting] == 0
