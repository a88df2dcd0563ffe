"""Structured data that several sources publish the same way: a sitemap's URLs (with
`lastmod`) and a page's schema.org JobPosting (JSON-LD, alone, in a list or in an `@graph`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html

from crawler.pages.raw import UnrecognisedPage


@dataclass(frozen=True)
class SitemapEntry:
    url: str  # as the sitemap names it (the real host)
    lastmod: str | None

    @property
    def path(self) -> str:
        """The path (with its query, if any) to fetch on the configured host."""
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def has_query(self) -> bool:
        return bool(urlsplit(self.url).query)


def sitemap_entries(body: bytes | str) -> list[SitemapEntry]:
    """Every `<url>` of a sitemap `urlset`; UnrecognisedPage for anything else (an HTML error
    page, a sitemap index, garbage)."""
    try:
        root = etree.fromstring(body.encode() if isinstance(body, str) else body)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise UnrecognisedPage(f"not a sitemap: {exc}") from None
    if not root.tag.endswith("urlset"):
        raise UnrecognisedPage(f"not a sitemap urlset but {etree.QName(root).localname}")
    entries = []
    for url in root.iter("{*}url"):
        loc = url.findtext("{*}loc")
        if loc and loc.strip():
            lastmod = url.findtext("{*}lastmod")
            entries.append(SitemapEntry(loc.strip(), lastmod.strip() if lastmod else None))
    return entries


def _job_postings(data: Any):
    if isinstance(data, list):
        for item in data:
            yield from _job_postings(item)
    elif isinstance(data, dict):
        kinds = data.get("@type")
        if kinds == "JobPosting" or (isinstance(kinds, list) and "JobPosting" in kinds):
            yield data
        if "@graph" in data:
            yield from _job_postings(data["@graph"])


def job_address(posting: dict[str, Any]) -> dict[str, Any]:
    """The JobPosting's `jobLocation.address` ({} when absent or not an object)."""
    location = posting.get("jobLocation")
    address = location.get("address") if isinstance(location, dict) else None
    return address if isinstance(address, dict) else {}


def page_root(body: bytes | str) -> lxml_html.HtmlElement:
    try:
        return lxml_html.document_fromstring(body)
    except (etree.ParserError, ValueError) as exc:
        raise UnrecognisedPage(f"not a page: {exc}") from None


def job_posting(page: bytes | str | lxml_html.HtmlElement) -> dict[str, Any]:
    """The first schema.org JobPosting with a title among the page's JSON-LD blocks."""
    root = page if isinstance(page, lxml_html.HtmlElement) else page_root(page)
    for script in root.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text_content())
        except ValueError:
            continue
        for candidate in _job_postings(data):
            if isinstance(candidate.get("title"), str) and candidate["title"].strip():
                return candidate
    raise UnrecognisedPage("no JobPosting JSON-LD on the page")
