"""A replica of Need Staffing: the paged list `/Opdrachten?PageNumber=N&SortOrder=NewestFirst`
in the site's template (the "N opdrachten" header, the cards, the pagination with its
"Volgende pagina" link) and the detail pages `/Opdrachten/<id>`. The cards are the real ones
of the captures in `pages/` (`shared/sources/samples/needstaffing/`: their HTML kept as
captured, dates as epoch attributes, one en-US capture), the details the real detail pages;
two cards have no captured detail (answered 404, as a failed fetch). No robots.txt (404, as on
the real site). Tests change `listed` (ids, newest first), `page_size`, `total_override`,
`last_page`,
`failing_paths` and read `requests`.

Card 15605 (Defensie 24835384, also on Striive as "UCC Specialist") is kept but not listed by
default, so the other replicas' cross-listings stay as they are; tests list it."""

from __future__ import annotations

import re
import threading
from http.server import ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qs, urlsplit

from lxml import etree
from lxml import html as lxml_html

from crawler.replica_http import ReplicaHandler, ReplicaServer

NOT_LISTED_BY_DEFAULT = ("15605",)


def bundled() -> tuple[dict[str, str], dict[str, str]]:
    """(id → card HTML, id → detail page) from the captured pages."""
    folder = resources.files(__name__) / "pages"
    cards: dict[str, str] = {}
    details: dict[str, str] = {}
    for entry in sorted(folder.iterdir(), key=lambda entry: entry.name, reverse=True):
        text = entry.read_text(encoding="utf-8")
        if entry.name.startswith("detail-"):
            details[entry.name.split("-")[1]] = text
        elif entry.name.endswith(".html"):
            root = lxml_html.document_fromstring(text)
            for anchor in root.xpath("//a[starts-with(@href, '/Opdrachten/')][.//h2]"):
                number = anchor.get("href").rsplit("/", 1)[-1]
                cards.setdefault(number, etree.tostring(anchor, encoding="unicode", method="html"))
    return cards, details


def newest_first(cards: dict[str, str]) -> list[str]:
    return sorted(cards, key=int, reverse=True)


class NeedStaffingReplica(ReplicaServer):
    name = "needstaffing"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.cards, self.details = bundled()
        self.listed = [
            number for number in newest_first(self.cards) if number not in NOT_LISTED_BY_DEFAULT
        ]
        self.page_size = 20
        self.total_override: int | None = None
        self.last_page: int | None = None  # pages after it answer 404 (a capture of page 1 only)
        self.failing_paths: set[str] = set()
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())

    def summary(self) -> str:
        return (
            f"{len(self.listed)} open listings, {self.page_size} a page, {len(self.details)} "
            "detail pages"
        )

    def requests_to(self, prefix: str) -> int:
        return sum(1 for path in self.requests if path.startswith(prefix))

    def list_page(self, number: int) -> str:
        start = (number - 1) * self.page_size
        shown = self.listed[start : start + self.page_size]
        pages = max(1, -(-len(self.listed) // self.page_size))
        cards = "".join(
            f'<div class="vacancies-overview-item">{self.cards[card]}</div>\n' for card in shown
        )
        links = "".join(
            f'<li><a href="/Opdrachten?PageNumber={page}&amp;SortOrder=NewestFirst" title="Pagina '
            f'{page}">'
            f"{page}</a></li>"
            for page in range(1, pages + 1)
            if page != number
        )
        following = (
            f'<li><a href="/Opdrachten?PageNumber={number + 1}&amp;SortOrder=NewestFirst" '
            'title="Volgende pagina">&#9654;&#xFE0E;</a></li>'
            if number < pages
            else ""
        )
        total = self.total_override if self.total_override is not None else len(self.listed)
        return (
            '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"/><title>Opdrachten @ Need '
            "Staffing"
            '</title></head><body><div class="page-header page-header-vacancies"><div '
            'class="container">'
            f'<h1>Openstaande opdrachten</h1><p class="subtitle">{total} opdrachten</p></div></div>'
            '<div class="container-vacancies-overview"><div class="vacancies-overview-list">'
            f"{cards}<div "
            f'class="vacancies-overview-pagination"><nav><ul>{links}{following}</ul></nav>'
            "</div></div></div></body></html>"
        )

    def _handler_class(self):
        replica = self

        class Handler(ReplicaHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                with replica._lock:
                    replica.requests.append(self.path)
                if self.path in replica.failing_paths:
                    return self._send(503, "<html><body>Service Unavailable</body></html>")
                if parts.path == "/Opdrachten":
                    page = parse_qs(parts.query).get("PageNumber", ["1"])[0]
                    number = int(page) if page.isdigit() else 1
                    if replica.last_page is not None and number > replica.last_page:
                        return self._send(
                            404, "<html><body><h1>Pagina niet gevonden</h1></body></html>"
                        )
                    return self._send(200, replica.list_page(number))
                found = re.fullmatch(r"/Opdrachten/(\d+)", parts.path)
                if found and found.group(1) in replica.details and found.group(1) in replica.listed:
                    return self._send(200, replica.details[found.group(1)])
                return self._send(404, "<html><body><h1>Pagina niet gevonden</h1></body></html>")

        return Handler
