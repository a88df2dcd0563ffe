"""A replica of www.flextender.nl and api.flextender.nl on a local port.

It serves the structures of `shared/sources/flextender.md`: detail pages
(`/opdracht/?aanvraagnr=N`, from `pages/N.html`), the listing page with its search form
(`/opdrachten/`), the AJAX answer (`POST /wp-admin/admin-ajax.php` → `{"resultHtml": cards}`),
the JSON API (`/v1/getjobs` → `{"resultaat": [...]}`) and a WordPress robots.txt. Cards and
API jobs are derived from the detail pages, with the value spellings the real list uses
(`2 maal 3 maand(en)`, `Opleidingsniveau`, dates without weekday).

Tests change what it serves through its attributes: `listed` (request numbers in the
complete list), `expired` (pages showing the expired notice), `api_status`,
`fail_next()` (transient errors) and `layout_changed`.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
from http.server import ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qs, urlsplit

from lxml import html as lxml_html

from crawler.replica_http import ReplicaHandler, ReplicaServer

EXPIRED_BANNER = (
    '<div class="css-jobexpired"><p>Hartelijk dank voor je interesse. Helaas is de reactietermijn '
    "verlopen en is het niet meer mogelijk te reageren op deze inhuuropdracht.</p></div>\n"
)
BANNER_PATTERN = re.compile(r'<div class="css-jobexpired">.*?</div>\n', re.DOTALL)
WIDGET_TOKEN = "J795A"
ROBOTS_TXT = "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"
WEEKDAY = re.compile(
    r"^(maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)\s+", re.IGNORECASE
)
MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]
CHANGED_LAYOUT = (
    "<html><body><div class='app-root'>Loading…</div><script src='/app.js'></script></body></html>"
)


def bundled_pages() -> dict[str, str]:
    """Request number → detail page HTML, as committed under `pages/`."""
    folder = resources.files("crawler.sources.flextender.replica") / "pages"
    return {
        entry.name.removesuffix(".html"): entry.read_text(encoding="utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".html")
    }


def title_word(number: int) -> str:
    """The word `open_copy` puts in the title of copy `number` (its digits as letters)."""
    return "".join(chr(ord("a") + int(digit)) for digit in str(number))


def open_copy(number: int, pay_scale: str | None = None) -> str:
    """A listing of its own for load and fault tests: the real listing 30922 under request
    number `number`, open until 2027, with a title word of its own ("Procesregisseur Zorg- &
    Veiligheidshuis IJsselland bjcab": copies that differ only in their number would be one
    assignment listed many times) and, if given, another pay scale."""
    page = (
        bundled_pages()["30922"]
        .replace("2026", "2027")
        .replace("30922", str(number))
        .replace("IJsselland", f"IJsselland {title_word(number)}")
    )
    if pay_scale is not None:
        page = page.replace("functieschaal 11", f"functieschaal {pay_scale}")
    return page


class _Listing:
    """The fields of one detail page that the list shows."""

    def __init__(self, number: str, page: str) -> None:
        root = lxml_html.document_fromstring(page)

        def text(css_class: str) -> str:
            found = root.xpath(f"//*[contains(concat(' ', @class, ' '), ' {css_class} ')]")
            return " ".join(found[0].text_content().split()) if found else ""

        self.number = number
        self.title = text("css-jobtitle")
        self.client = text("css-customer")
        self.summary = {
            " ".join(row.xpath("./*[@class='css-caption']")[0].text_content().split()): " ".join(
                " ".join(row.xpath("./*[@class='css-value']")[0].itertext()).split()
            )
            for row in root.xpath("//*[@class='css-summaryrow']")
        }
        description = root.xpath("//*[@class='css-formattedjobdescription']")
        self.description_html = (
            "".join(lxml_html.tostring(child, encoding="unicode") for child in description[0])
            if description
            else ""
        )

    def card_value(self, caption: str) -> str:
        value = self.summary.get(caption, "")
        if caption == "Duur":
            value = re.sub(r"maanden maanden", "maanden", value)
        if caption == "Opties verlenging":
            value = value.replace(" x ", " maal ")
        if caption == "Einde inschrijfdatum":
            value = WEEKDAY.sub("", value)
        return value

    def card(self, order: int) -> str:
        link = f"https://www.flextender.nl/opdracht?aanvraagnr={self.number}&amp;resultatenlijst={WIDGET_TOKEN}"

        def row(caption: str, shown_as: str | None = None) -> str:
            value = html.escape(self.card_value(caption))
            if caption == "Einde inschrijfdatum":
                value += (
                    f' <a class="css-expirybutton" href="https://app.flextender.nl/nologin/jobexpiryevent/'
                    f'{self.number}" title="zet in agenda">agenda </a>'
                )
                return (
                    f'<div class="css-summaryrow">\n<div class="css-caption">{shown_as or caption}</div>\n'
                    f'<div class="css-value" style="display: flex">{value}</div>\n</div>'
                )
            return (
                f'<div class="css-summaryrow">\n<div class="css-caption">{shown_as or caption}</div>\n'
                f'<div class="css-value">{value}</div>\n</div>'
            )

        mobile = "\n".join(
            f'<div class="css-summarycolumn">\n{row(caption, shown)}\n</div>'
            for caption, shown in [
                ("Start", None),
                ("Duur", None),
                ("Uren per week", None),
                ("Regio", None),
                ("Opleidingniveau", "Opleidingsniveau"),
                ("Eindtijd", None),
            ]
            if caption in self.summary
        )
        desktop_left = "\n".join(
            row(c)
            for c in [
                "Aanvraagnummer",
                "Duur",
                "Opties verlenging",
                "Uren per week",
                "DAS opdracht",
            ]
            if c in self.summary
        )
        desktop_right = "\n".join(
            row(c, s)
            for c, s in [
                ("Start", None),
                ("Opleidingniveau", "Opleidingsniveau"),
                ("Regio", None),
                ("Einde inschrijfdatum", None),
                ("Eindtijd", None),
            ]
            if c in self.summary
        )
        return f"""<div class="css-foundjob paginated page_01" data-kbslinktarget="_blank" data-kbslinkurl="{link}" style="order: {order}">
<div class="hidden-mobile hidden-tablet" style="width: 150px; margin-right: 30px;">
<img alt="" class="flx-client-logo" src="https://app.flextender.nl/file.php?file=O{self.number}&amp;mode=wplogo"/>
<a class="flx-action-button" href="{link}" rel="noreferrer" target="_blank">Meer info</a><br/>
</div>
<div style="flex:1; display:flex; flex-direction: column;">
<div class="css-jobtitle">{html.escape(self.title)}</div>
<div class="css-customer">{html.escape(self.client)}</div>
<div class="css-columnflexer show-mobile-flex show-tablet-flex">
{mobile}
</div>
<div class="css-columnflexer hidden-mobile hidden-tablet">
<div class="css-summarycolumn">
{desktop_left}
</div>
<div class="css-summarycolumn">
{desktop_right}
</div>
</div>
</div>
</div>"""

    def api_job(self) -> dict:
        deadline_text = WEEKDAY.sub("", self.summary.get("Einde inschrijfdatum", ""))
        match = re.match(r"(\d{1,2}) (\w+) (\d{4})", deadline_text)
        deadline = ""
        if match and match.group(2) in MONTHS:
            clock = self.summary.get("Eindtijd", "00:00").split()[0]
            deadline = f"{match.group(3)}-{MONTHS.index(match.group(2)) + 1:02d}-{int(match.group(1)):02d} {clock}:00"
        return {
            "avnummer": int(self.number),
            "opdracht": self.title,
            "omschrijving": self.description_html,
            "opdrachtgever": self.client,
            "opleiding": self.summary.get("Opleidingniveau", ""),
            "regio": self.summary.get("Regio", ""),
            "sluiting_inschrijving": deadline,
            "urenperweek": self.card_value("Uren per week").removesuffix(" uur"),
            "aanvang": self.summary.get("Start", ""),
            "duur": self.card_value("Duur"),
            "aantal_professionals": 1,
            "verlengingsoptie": self.summary.get("Opties verlenging", "Nee"),
            "kvk": "",
            "vakgebieden": ["Sociaal domein"],
        }


class FlextenderReplica(ReplicaServer):
    name = "flextender"

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, pages: dict[str, str] | None = None
    ) -> None:
        self.pages = dict(pages or bundled_pages())
        self.expired = {
            number for number, page in self.pages.items() if BANNER_PATTERN.search(page)
        }
        self.listed = [number for number in sorted(self.pages) if number not in self.expired]
        self.api_status = 200
        self.layout_changed = False
        self.detail_delay_s = 0.0  # a slow site: each detail page answers this much later
        # Cleared: detail pages wait (up to a minute) until it is set again, so a test can hold
        # a crawl still at a chosen moment.
        self.details_open = threading.Event()
        self.details_open.set()
        self.requests: list[tuple[str, str]] = []
        self._failures: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())

    def summary(self) -> str:
        return (
            f"{len(self.pages)} real listings, {len(self.listed)} open and "
            f"{len(self.pages) - len(self.listed)} closed"
        )

    def fail_next(self, path: str, times: int, status: int = 503) -> None:
        """The next `times` requests whose path starts with `path` answer `status`."""
        with self._lock:
            self._failures.setdefault(path, []).extend([status] * times)

    def requests_to(self, path: str) -> int:
        return sum(1 for _, requested in self.requests if requested.startswith(path))

    # what each URL answers -----------------------------------------------------------

    def detail_page(self, number: str) -> str | None:
        page = self.pages.get(number)
        if page is None:
            return None
        page = BANNER_PATTERN.sub("", page)
        if number in self.expired:
            page = page.replace(
                '<div class="css-jobtitle">', EXPIRED_BANNER + '<div class="css-jobtitle">', 1
            )
        return page

    def listings(self) -> list[_Listing]:
        return [
            _Listing(number, self.pages[number]) for number in self.listed if number in self.pages
        ]

    def ajax_answer(self) -> str:
        cards = "".join(
            listing.card(order) for order, listing in enumerate(self.listings(), start=1)
        )
        panel = (
            '<div class="flx-register-panel flx-panel">Registreer je gratis bij Flextender</div>'
        )
        return json.dumps({"resultHtml": f"{cards}{panel}"}, ensure_ascii=False)

    def api_answer(self) -> str:
        return json.dumps(
            {"resultaat": [listing.api_job() for listing in self.listings()]}, ensure_ascii=False
        )

    def search_page(self) -> str:
        return f"""<!DOCTYPE html><html lang="nl-NL"><head><meta charset="UTF-8"><title>Opdrachten - Flextender</title></head>
<body><main><h1>Opdrachten</h1>
<form class="kbs-flx-searchform" method="post" action="/wp-admin/admin-ajax.php">
<input type="hidden" name="action" value="kbs_flx_searchjobs">
<input type="hidden" name="kbs_flx_widget_config" value="{WIDGET_TOKEN}">
<input type="text" name="kbs_flx_joblsrc_freetext" value="" placeholder="Zoek op trefwoord">
<label><input type="checkbox" name="kbs_flx_regio[]" value="Overijssel"> Overijssel</label>
<label><input type="checkbox" name="kbs_flx_regio[]" value="Drenthe"> Drenthe</label>
<button type="submit">Zoeken</button>
</form><div id="kbs-flx-results"></div></main></body></html>"""

    def _handler_class(self):
        replica = self

        class Handler(ReplicaHandler):
            def _injected_failure(self, path: str) -> int | None:
                with replica._lock:
                    for prefix, statuses in replica._failures.items():
                        if path.startswith(prefix) and statuses:
                            return statuses.pop(0)
                return None

            def do_GET(self) -> None:
                self._route("GET")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._form = (
                    parse_qs(self.rfile.read(length).decode("utf-8", "replace")) if length else {}
                )
                self._route("POST")

            def _route(self, method: str) -> None:
                parts = urlsplit(self.path)
                replica.requests.append((method, self.path))
                failure = self._injected_failure(parts.path)
                if failure is not None:
                    return self._send(failure, "<html><body>Service Unavailable</body></html>")
                if parts.path == "/robots.txt":
                    return self._send(200, ROBOTS_TXT, "text/plain")
                if parts.path == "/v1/getjobs" and method == "GET":
                    if replica.api_status != 200:
                        return self._send(
                            replica.api_status, "<html><body>Bad Gateway</body></html>"
                        )
                    return self._send(200, replica.api_answer(), "application/json")
                if parts.path in ("/opdrachten/", "/opdrachten") and method == "GET":
                    return self._send(200, replica.search_page())
                if parts.path == "/wp-admin/admin-ajax.php" and method == "POST":
                    form = getattr(self, "_form", {})
                    if form.get("action") != ["kbs_flx_searchjobs"] or form.get(
                        "kbs_flx_widget_config"
                    ) != [WIDGET_TOKEN]:
                        return self._send(400, "0", "text/plain")
                    return self._send(200, replica.ajax_answer(), "application/json")
                if parts.path in ("/opdracht/", "/opdracht") and method == "GET":
                    number = (parse_qs(parts.query).get("aanvraagnr") or [""])[0]
                    if replica.layout_changed:
                        return self._send(200, CHANGED_LAYOUT)
                    replica.details_open.wait(timeout=60)
                    if replica.detail_delay_s:
                        time.sleep(replica.detail_delay_s)
                    page = replica.detail_page(number)
                    if page is None:
                        return self._send(404, "<html><body>Pagina niet gevonden</body></html>")
                    return self._send(200, page)
                return self._send(404, "<html><body>Pagina niet gevonden</body></html>")

        return Handler
