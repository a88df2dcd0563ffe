"""The structured data several sources share: sitemaps and JobPosting JSON-LD
(`crawler/pages/structured.py`), and the short Dutch dates of their pages (`crawler/dutch.py`)."""

from __future__ import annotations

from datetime import date

import pytest

from crawler import dutch
from crawler.pages.raw import UnrecognisedPage
from crawler.pages.structured import job_posting, sitemap_entries

SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://www.haert.nl/</loc></url>
<url><loc> https://www.bluetrail.nl/opdrachten/?order=asc </loc>
  <lastmod>2026-08-20T07:00:00+00:00</lastmod></url>
<url><loc>https://www.haert.nl/opdrachten/zwemonderwijzer-13184</loc><lastmod>2026-09-17T12:30Z</lastmod></url>
</urlset>"""


def test_a_sitemap_gives_every_url_with_its_lastmod_and_path():
    home, query, page = sitemap_entries(SITEMAP)
    assert (home.lastmod, home.path) == (None, "/")
    assert query.has_query and query.path == "/opdrachten/?order=asc"
    assert (page.path, page.lastmod) == ("/opdrachten/zwemonderwijzer-13184", "2026-09-17T12:30Z")


@pytest.mark.parametrize("body", ["<html><body>Oops</body></html>", "", "<sitemapindex/>", "{}"])
def test_anything_but_a_urlset_is_not_recognised(body):
    with pytest.raises(UnrecognisedPage):
        sitemap_entries(body)


@pytest.mark.parametrize(
    "script",
    [
        '{"@type": "JobPosting", "title": "Jurist"}',
        '[{"@type": "WebPage"}, {"@type": "JobPosting", "title": "Jurist"}]',
        '{"@context": "https://schema.org", "@graph": [{"@type": "Organization"}, '
        '{"@type": "JobPosting", "title": "Jurist"}]}',
        '{"@type": ["JobPosting"], "title": "Jurist"}',
    ],
)
def test_a_job_posting_is_found_alone_in_a_list_or_in_a_graph(script):
    page = f'<html><head><script type="application/ld+json">{script}</script></head></html>'
    assert job_posting(page)["title"] == "Jurist"


def test_a_page_without_a_titled_job_posting_is_not_recognised():
    broken = '<script type="application/ld+json">{not json</script>'
    untitled = '<script type="application/ld+json">{"@type": "JobPosting", "title": " "}</script>'
    for page in (f"<html><head>{broken}{untitled}</head></html>", "<html></html>"):
        with pytest.raises(UnrecognisedPage):
            job_posting(page)


@pytest.mark.parametrize(
    "text, start, end, warned",
    [
        ("17 sep 2026 - 31 mrt 2027", date(2026, 9, 17), date(2027, 3, 31), False),
        ("7 sep - 21 dec 2026", date(2026, 9, 7), date(2026, 12, 21), True),
        ("1 dec - 31 jan 2027", date(2026, 12, 1), date(2027, 1, 31), True),
        ("5 oktober 2026", date(2026, 10, 5), None, False),
        ("3 okt. 2026 - 2 juni 2027", date(2026, 10, 3), date(2027, 6, 2), False),
    ],
)
def test_a_period_in_short_dutch_dates(text, start, end, warned):
    found_start, found_end, warnings = dutch.parse_period(text)
    assert (found_start, found_end, bool(warnings)) == (start, end, warned)


@pytest.mark.parametrize("text", ["", "binnenkort", "7 sep", "7 sep - 21 dec"])
def test_a_period_without_a_year_anywhere_is_refused(text):
    with pytest.raises(dutch.UnparsableValue):
        dutch.parse_period(text)


def test_a_day_and_month_take_the_first_year_on_or_after_the_reference():
    assert dutch.day_month_on_or_after(18, 9, date(2026, 9, 17)) == date(2026, 9, 18)
    assert dutch.day_month_on_or_after(5, 1, date(2026, 12, 20)) == date(2027, 1, 5)
