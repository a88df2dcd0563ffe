"""BlueTrail's assignment page → raw fields as printed: the JobPosting JSON-LD, the "In het
kort" table (`span.ysdms-job-metafield` holding `<b>label</b>value`; the closing time is the
unlabeled field right after "Sluitingsdatum"), the header's facts (`div.entry-job-data`) and
the requirements block. Pure; section 3 of `shared/sources/bluetrail.md`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from crawler.pages.html_text import text_lines
from crawler.pages.structured import job_posting, page_root

SOURCE = "bluetrail"
SITEMAP_PATH = "/job-sitemap.xml"
LISTING_PATH = re.compile(r"^/opdrachten/[^/?#]+/[^/?#]+/?$")
CLOSING_LABEL = "sluitingsdatum"
CLOSING_TIME = "sluitingstijd"  # our name for the unlabeled field after it


@dataclass(frozen=True)
class BlueTrailPage:
    posting: dict[str, Any]
    table: dict[str, str] = field(default_factory=dict)  # lower-case label → value
    facts: tuple[str, ...] = ()  # the header's facts: place, hours, duration, education
    requirement_lines: tuple[tuple[str, bool], ...] = ()  # (line, bold)


def _text(element) -> str:
    return " ".join(element.text_content().replace("\xa0", " ").split())


def metafields(root) -> dict[str, str]:
    table: dict[str, str] = {}
    previous = None
    for span in root.xpath("//span[contains(@class, 'ysdms-job-metafield') and b]"):
        label = " ".join(_text(span.find("b")).split()).lower()
        value = _text(span)[len(_text(span.find("b"))) :].strip()
        if not label and previous == CLOSING_LABEL:
            table[CLOSING_TIME] = value
        elif label and value:
            table[label] = value
        previous = label or previous
    return table


def parse_page(body: str) -> BlueTrailPage:
    root = page_root(body)
    posting = job_posting(root)  # UnrecognisedPage without one
    facts = tuple(
        _text(span)
        for span in root.xpath("//div[contains(@class, 'entry-job-data')]//span")
        if _text(span)
    )
    blocks = root.xpath("//div[contains(@class, 'my-solutions-single-job-requirements')]")
    return BlueTrailPage(
        posting=posting,
        table=metafields(root),
        facts=facts,
        requirement_lines=tuple(text_lines(blocks[0])) if blocks else (),
    )
