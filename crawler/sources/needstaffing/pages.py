"""Need Staffing's pages → raw fields as printed: the list page (its "N opdrachten" total, its
cards and whether a next page is linked) and the detail page (its header items and text).
Dates are the `data-date-utc`/`data-time-utc` epoch attributes, never the visible text, which
follows the request's language. Pure; sections 3 and 5 of `shared/sources/needstaffing.md`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import html as lxml_html

from crawler.pages.html_text import text_lines
from crawler.pages.raw import UnrecognisedPage
from crawler.pages.structured import page_root

SOURCE = "needstaffing"
LIST_PATH = "/Opdrachten?PageNumber={page}&SortOrder=NewestFirst"
DETAIL_PATH = "/Opdrachten/{id}"
PUBLIC_SITE = "https://www.needstaffing.nl"
CARD_HREF = re.compile(r"^/Opdrachten/(\d+)$")
TOTAL = re.compile(r"(\d+)\s+opdracht")


@dataclass(frozen=True)
class Item:
    """One labelled item: its text, and the epoch milliseconds of its date and time spans."""

    text: str
    date_ms: int | None = None
    time_ms: int | None = None


@dataclass(frozen=True)
class Card:
    external_id: str
    title: str
    client: str | None
    summary: str | None
    items: dict[str, Item] = field(default_factory=dict)  # label (the icon's alt) → item
    badge: str | None = None


@dataclass(frozen=True)
class ListPage:
    total: int | None
    cards: tuple[Card, ...]
    has_next: bool


@dataclass(frozen=True)
class DetailPage:
    title: str
    items: dict[str, Item]
    text: tuple[tuple[str, bool], ...]  # the vacancy text's lines, (line, bold)


def _text(element) -> str:
    return " ".join(element.text_content().replace("\u202f", " ").split())


def _epoch(value: str | None) -> int | None:
    return int(value) if value and value.strip().lstrip("-").isdigit() else None


def items_of(blocks) -> dict[str, Item]:
    items: dict[str, Item] = {}
    for block in blocks:
        labels = block.xpath("./img/@alt")
        paragraphs = block.xpath("./p")
        if not labels or not paragraphs:
            continue
        date_ms = _epoch(next(iter(paragraphs[0].xpath(".//span/@data-date-utc")), None))
        time_ms = _epoch(next(iter(paragraphs[0].xpath(".//span/@data-time-utc")), None))
        items[labels[0].strip()] = Item(_text(paragraphs[0]), date_ms, time_ms)
    return items


def card_of(anchor: lxml_html.HtmlElement, container: lxml_html.HtmlElement | None) -> Card | None:
    found = CARD_HREF.match(anchor.get("href", ""))
    titles = anchor.xpath(".//h2")
    if not found or not titles:
        return None
    logos = anchor.xpath(".//div[contains(@class, 'vacancies-overview-item-logo')]//img/@alt")
    summaries = anchor.xpath(".//div[contains(@class, 'vacancies-overview-item-summary')]//p")
    badges = (
        container.xpath(".//div[contains(@class, 'vacancies-overview-item-attentiontabs')]//p")
        if container is not None
        else []
    )
    return Card(
        external_id=found.group(1),
        title=_text(titles[0]),
        client=" ".join(logos[0].split()) if logos and logos[0].strip() else None,
        summary=_text(summaries[0]) if summaries else None,
        items=items_of(
            anchor.xpath(".//div[contains(@class, 'vacancies-overview-item-information-item')]")
        ),
        badge=_text(badges[0]) if badges else None,
    )


def list_page(body: str | bytes) -> ListPage:
    """A list page; UnrecognisedPage when it is not one (no total header and no card)."""
    root = page_root(body)
    cards = []
    for anchor in root.xpath("//a[starts-with(@href, '/Opdrachten/')]"):
        container = next(
            iter(anchor.xpath("ancestor::div[contains(@class, 'vacancies-overview-item')][1]")),
            None,
        )
        card = card_of(anchor, container)
        if card is not None:
            cards.append(card)
    subtitle = root.xpath("//p[contains(@class, 'subtitle')]")
    total = TOTAL.search(_text(subtitle[0])) if subtitle else None
    if not cards and total is None:
        raise UnrecognisedPage("no list of opdrachten: neither a total nor a card")
    return ListPage(
        total=int(total.group(1)) if total else None,
        cards=tuple(cards),
        has_next=bool(root.xpath("//a[@title='Volgende pagina']")),
    )


def detail_page(body: str | bytes) -> DetailPage:
    root = page_root(body)
    titles = root.xpath("//div[contains(@class, 'page-header-vacancy')]//h1") or root.xpath("//h1")
    texts = root.xpath("//div[contains(@class, 'vacancy-text')]")
    if not titles:
        raise UnrecognisedPage("no opdracht page: no title")
    return DetailPage(
        title=_text(titles[0]),
        items=items_of(root.xpath("//div[contains(@class, 'page-header-vacancy-details-item')]")),
        text=tuple(text_lines(texts[0])) if texts else (),
    )
