"""Haert's assignment page → raw fields as printed: the JobPosting JSON-LD, the hero's icon
list (labelled by icon class, not words: only the hero's, never the "Vergelijkbare opdrachten"
cards'), the "In opdracht van" block, the body's sections and whether the response period has
closed. Pure; section 3 of `shared/sources/haert.md`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lxml import html as lxml_html

from crawler.pages.html_text import text_lines
from crawler.pages.structured import job_posting, page_root

SOURCE = "haert"
SITEMAP_PATH = "/sitemap.xml"
ASSIGNMENT_PATH = re.compile(r"^/opdrachten/[a-z0-9-]+-(\d+)$")
ICONS = {
    "fa-briefcase-rounded-outline": "client",
    "fa-location-rounded-outline": "place",
    "fa-calender-rounded-outline": "period",
    "fa-calendar-rounded-outline": "period",
    "fa-salary-rounded-outline": "rate",
    "fa-clock-rounded-outline": "hours",
    "fa-job-application-rounded-outline": "zzp",
    "fa-circle-info-rounded-outline": "badge",
}
CLOSED = re.compile(r"reactietermijn\s+gesloten", re.IGNORECASE)
HERO_LIST = (
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' assignment-hero__inner ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' assignment-hero ')]"
    "//ul[contains(@class, 'meta-list--icons')]"
)


@dataclass(frozen=True)
class HaertPage:
    posting: dict[str, Any]
    hero: dict[str, list[str]] = field(default_factory=dict)  # icon meaning → texts
    client_block: str | None = None  # "In opdracht van" h3
    client_seat: str | None = None  # its place
    body_lines: tuple[tuple[str, bool], ...] = ()  # the article's text, (line, is a header)
    closed: bool = False


def _text(element: lxml_html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def hero_items(root: lxml_html.HtmlElement) -> dict[str, list[str]]:
    lists = root.xpath(HERO_LIST)
    items: dict[str, list[str]] = {}
    for item in lists[0].xpath("./li") if lists else []:
        classes = " ".join(item.xpath(".//i/@class")).split()
        meaning = next((ICONS[name] for name in classes if name in ICONS), None)
        text = _text(item)
        if meaning and text:
            items.setdefault(meaning, []).append(text)
    return items


def parse_page(body: str) -> HaertPage:
    root = page_root(body)
    posting = job_posting(root)  # UnrecognisedPage without one
    client = root.xpath("//section[contains(@class, 'assignment-client-logo')]//h3")
    seat = root.xpath(
        "//section[contains(@class, 'assignment-client-logo')]//h3/following-sibling::p"
    )
    articles = root.xpath("//article")
    return HaertPage(
        posting=posting,
        hero=hero_items(root),
        client_block=_text(client[0]) if client else None,
        client_seat=_text(seat[0]) if seat else None,
        body_lines=tuple(text_lines(articles[0])) if articles else (),
        closed=bool(CLOSED.search(_text(root))),
    )
