"""Page objects for www.flextender.nl: the detail page, the listing (AJAX) answer, the JSON API.

Each takes the response body (and URL) and returns `RawListing`s; nothing here fetches,
normalises or needs Scrapy. The Dutch captions are translated to English keys here, at
the edge. See `shared/sources/flextender.md` for the structures.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from lxml import etree

from crawler.pages.html_text import description_sections, fragment_sections
from crawler.pages.json_answer import json_member
from crawler.pages.raw import RawListing, UnrecognisedPage
from crawler.sources import SOURCES

SOURCE = "flextender"
DEFAULT_BASE_URL = SOURCES[SOURCE].default("flextender_base_url")  # the real site

CAPTION_KEYS = {
    "aanvraagnummer": "request_number",
    "start": "start",
    "duur": "duration",
    "opties verlenging": "extension",
    "opleidingniveau": "education_level",
    "opleidingsniveau": "education_level",
    "regio": "region",
    "uren per week": "hours_per_week",
    "einde inschrijfdatum": "deadline_date",
    "eindtijd": "deadline_time",
    "das opdracht": "das",
}

EXPIRED_NOTICE = re.compile(
    r"reactietermijn\s+(?:is\s+)?verlopen|termijn\s+voor\s+het\s+indienen\s+is\s+verstreken"
    r"|niet\s+meer\s+mogelijk\s+te\s+reageren",
    re.IGNORECASE,
)
REQUEST_NUMBER = re.compile(r"^\s*(\d{1,9})\s*$")


def _has_class(name: str) -> str:
    """The exact class test, behind a plain substring test that rules out most elements
    cheaply (normalize-space and concat on every element of the page cost a third of a parse)."""
    return (
        f"(contains(@class, '{name}') and contains(concat(' ', normalize-space(@class), ' '), "
        f"' {name} '))"
    )


_TITLE = etree.XPath(f"(.//*[{_has_class('css-jobtitle')}])[1]")
_CUSTOMER = etree.XPath(f"(.//*[{_has_class('css-customer')}])[1]")
_ROWS = etree.XPath(f".//*[{_has_class('css-summaryrow')}]")
_CAPTION = etree.XPath(f"(./*[{_has_class('css-caption')}])[1]")
_VALUE = etree.XPath(f"(./*[{_has_class('css-value')}])[1]")
_CARDS = etree.XPath(f"//*[{_has_class('css-foundjob')}]")
_DESKTOP_BLOCK = etree.XPath(
    f".//*[{_has_class('css-columnflexer')} and {_has_class('hidden-mobile')}]"
)
_REGISTER_PANEL = etree.XPath(f"//*[{_has_class('flx-register-panel')}]")
_EXPIRY_BUTTON = etree.XPath(f".//a[{_has_class('css-expirybutton')}]")
_META_URL = etree.XPath("//meta[@property='og:url']/@content | //link[@rel='canonical']/@href")
_CSS_CLASSED = etree.XPath("//*[contains(@class, 'css-')]")
_XML_SPACE = str.maketrans("\t\r\n", "   ")


def first_with_classes(root: etree._Element, names: tuple[str, ...]) -> dict[str, etree._Element]:
    """For each class name, the first element (document order) that has it: one pass over the
    page instead of one XPath scan per name. Classes split on XML white space, as the
    `normalize-space` test of `_has_class` does."""
    found: dict[str, etree._Element] = {}
    for element in _CSS_CLASSED(root):
        classes = set((element.get("class") or "").translate(_XML_SPACE).split(" "))
        for name in names:
            if name not in found and name in classes:
                found[name] = element
        if len(found) == len(names):
            break
    return found


def _text(element: etree._Element | None, *, skip: etree._Element | None = None) -> str | None:
    """The element's text with white space collapsed; a `<br>` separates words; the text
    of `skip` (and below) left out."""
    if element is None:
        return None
    pieces: list[str] = []
    skipping = False
    for event, node in etree.iterwalk(element, events=("start", "end")):
        if node is skip:
            skipping = event == "start"
            pieces.append(" " if skipping else (node.tail or ""))
            continue
        if skipping:
            continue
        if not isinstance(node.tag, str):
            if event == "end":
                pieces.append(node.tail or "")
            continue
        if event == "start":
            pieces.append(" " if node.tag == "br" else (node.text or ""))
        elif node is not element:
            pieces.append(node.tail or "")
    text = " ".join("".join(pieces).split())
    return text or None


def _first(elements: list[Any]) -> Any:
    return elements[0] if elements else None


def detail_url(base_url: str, request_number: str) -> str:
    """The canonical detail page URL of a request number on a (possibly replica) site."""
    return f"{base_url.rstrip('/')}/opdracht/?{urlencode({'aanvraagnr': request_number})}"


def request_number_from_url(url: str | None) -> str | None:
    if not url:
        return None
    values = parse_qs(urlsplit(url).query).get("aanvraagnr")
    if values and REQUEST_NUMBER.match(values[0]):
        return values[0].strip()
    return None


# Plain etree parsers: lxml.html's element classes cost a Python lookup per element.
# huge_tree: libxml2 otherwise silently drops a text node over 10 MB (the description would
# come out empty); the crawler caps responses at DOWNLOAD_MAXSIZE instead.
_PARSER = etree.HTMLParser(huge_tree=True)
_UTF8_PARSER = etree.HTMLParser(encoding="utf-8", huge_tree=True)


def decode_body(body: bytes | str) -> str:
    """Response bytes → text: UTF-16 when a byte-order mark says so, UTF-8 (what Flextender
    serves), else Windows-1252; never a crash."""
    if isinstance(body, str):
        return body
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body.decode("utf-16", errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Mostly valid UTF-8 with a few broken bytes stays UTF-8 (the broken ones become U+FFFD);
    # text whose non-ASCII bytes are mostly not UTF-8 is the Windows-1252 a misconfigured
    # server sends while claiming UTF-8.
    as_utf8 = body.decode("utf-8", errors="replace")
    non_ascii = sum(1 for byte in body if byte >= 0x80)
    if as_utf8.count("\ufffd") * 10 < non_ascii:
        return as_utf8
    return body.decode("cp1252", errors="replace")


def parse_document(body: bytes | str) -> etree._Element:
    """Parse HTML, turning empty or unparsable input into `UnrecognisedPage`."""
    text = decode_body(body)
    if not text.strip():
        raise UnrecognisedPage("empty document")
    try:
        try:
            root = etree.fromstring(text, _PARSER)
        except ValueError:  # text with an XML encoding declaration
            root = etree.fromstring(text.encode("utf-8"), _UTF8_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise UnrecognisedPage(f"not HTML: {exc}") from exc
    if root is None:
        raise UnrecognisedPage("no HTML elements")
    return root


def summary_fields(container: etree._Element) -> dict[str, str]:
    """`.css-summaryrow` caption/value pairs under `container`, keyed in English. Captions
    repeat (mobile and desktop blocks); the first value of a caption wins."""
    fields: dict[str, str] = {}
    for row in _ROWS(container):
        caption, value = _first(_CAPTION(row)), _first(_VALUE(row))
        if caption is None or value is None:
            continue
        key = CAPTION_KEYS.get((_text(caption) or "").lower().rstrip(":"))
        if key is None or key in fields:
            continue
        text = _text(value, skip=_first(_EXPIRY_BUTTON(value)))
        if text is not None:
            fields[key] = text
    return fields


def _text_outside(root: etree._Element, excluded: etree._Element | None) -> str:
    """All text of the page except that of `excluded` (the description)."""
    pieces: list[str] = []
    skipping: etree._Element | None = None
    for event, element in etree.iterwalk(root, events=("start", "end")):
        if element is excluded:
            if event == "start":
                skipping = element
                continue
            skipping = None
            pieces.append(element.tail or "")
            continue
        if skipping is not None or not isinstance(element.tag, str):
            continue
        if element.tag in ("script", "style"):
            if event == "end":
                pieces.append(element.tail or "")
            continue
        pieces.append((element.text or "") if event == "start" else (element.tail or ""))
    return " ".join(" ".join(pieces).split())


class FlextenderDetailPage:
    """A server-rendered detail page, `/opdracht/?aanvraagnr=<nr>`, open or expired."""

    def __init__(self, body: bytes | str, url: str | None = None) -> None:
        self.url = url
        self.root = parse_document(body)
        parts = first_with_classes(
            self.root,
            ("css-jobtitle", "css-summary", "css-formattedjobdescription", "css-customer"),
        )
        self._title = parts.get("css-jobtitle")
        self._summary = parts.get("css-summary")
        self._description = parts.get("css-formattedjobdescription")
        self._customer = parts.get("css-customer")
        self._summary_fields: dict[str, str] | None = None
        if self._title is None or (self._summary is None and self._description is None):
            raise UnrecognisedPage(
                "not a Flextender detail page: no .css-jobtitle with a .css-summary or "
                ".css-formattedjobdescription (layout changed, truncated, or another page)"
            )

    def title(self) -> str | None:
        return _text(self._title)

    def client(self) -> str | None:
        return _text(self._customer)

    def summary(self) -> dict[str, str]:
        if self._summary_fields is None:
            self._summary_fields = (
                summary_fields(self._summary) if self._summary is not None else {}
            )
        return dict(self._summary_fields)

    def canonical_url(self) -> str | None:
        return self.url or _first(_META_URL(self.root))

    def external_id(self) -> str | None:
        number = self.summary().get("request_number")
        if number and REQUEST_NUMBER.match(number):
            return number.strip()
        return request_number_from_url(self.canonical_url())

    def expired_notice(self) -> bool:
        return bool(EXPIRED_NOTICE.search(_text_outside(self.root, self._description)))

    def raw(self, base_url: str = DEFAULT_BASE_URL) -> RawListing:
        external_id = self.external_id()
        return RawListing(
            source=SOURCE,
            external_id=external_id,
            url=detail_url(base_url, external_id) if external_id else (self.canonical_url() or ""),
            title=self.title(),
            client=self.client(),
            summary=self.summary(),
            sections=description_sections(self._description),
            expired_notice=self.expired_notice(),
        )


class FlextenderListingPage:
    """The AJAX answer of the WordPress listing: cards (`.css-foundjob`) of all open listings."""

    def __init__(self, body: bytes | str) -> None:
        self.root = parse_document(body)
        self._cards = _CARDS(self.root)
        if not self._cards and not _REGISTER_PANEL(self.root):
            raise UnrecognisedPage(
                "no .css-foundjob cards and no .flx-register-panel: not a listing answer"
            )

    def listings(self, base_url: str = DEFAULT_BASE_URL) -> Iterator[RawListing]:
        for card in self._cards:
            link = card.get("data-kbslinkurl")
            desktop = _first(_DESKTOP_BLOCK(card))
            summary = summary_fields(desktop) if desktop is not None else {}
            for key, value in summary_fields(card).items():
                summary.setdefault(key, value)
            external_id = request_number_from_url(link) or summary.get("request_number")
            if external_id and not REQUEST_NUMBER.match(external_id):
                external_id = None
            yield RawListing(
                source=SOURCE,
                external_id=external_id,
                url=detail_url(base_url, external_id) if external_id else (link or ""),
                title=_text(_first(_TITLE(card))),
                client=_text(_first(_CUSTOMER(card))),
                summary=summary,
            )


def listing_from_ajax(body: bytes | str, base_url: str = DEFAULT_BASE_URL) -> list[RawListing]:
    """`admin-ajax.php` answers JSON `{"resultHtml": "<cards>"}`."""
    cards = json_member(body, "resultHtml", str, "listing answer")
    return list(FlextenderListingPage(cards or "<div></div>").listings(base_url))


_FORM_INPUTS = etree.XPath("//form//input[@type='hidden' and @name]")


def search_form_fields(body: bytes | str) -> dict[str, str]:
    """The hidden fields of the `/opdrachten/` search form (action, widget config token)."""
    root = parse_document(body)
    fields = {element.get("name"): element.get("value", "") for element in _FORM_INPUTS(root)}
    if fields.get("action") != "kbs_flx_searchjobs":
        raise UnrecognisedPage("no kbs_flx_searchjobs form on the listing page")
    fields.setdefault("kbs_flx_joblsrc_freetext", "")
    return fields


API_FIELD_KEYS = {
    "aanvang": "start",
    "duur": "duration",
    "verlengingsoptie": "extension",
    "opleiding": "education_level",
    "regio": "region",
    "urenperweek": "hours_per_week",
    "sluiting_inschrijving": "deadline",
    "aantal_professionals": "professionals",
}


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = " ".join(str(value).split())
    return text or None


def api_job(job: dict[str, Any], base_url: str = DEFAULT_BASE_URL) -> RawListing:
    number = _as_text(job.get("avnummer"))
    if number is not None and not REQUEST_NUMBER.match(number):
        number = None
    summary = {
        key: text for field, key in API_FIELD_KEYS.items() if (text := _as_text(job.get(field)))
    }
    description = job.get("omschrijving")
    fields_of_work = job.get("vakgebieden")
    return RawListing(
        source=SOURCE,
        external_id=number,
        url=detail_url(base_url, number) if number else "",
        title=_as_text(job.get("opdracht")),
        client=_as_text(job.get("opdrachtgever")),
        summary=summary,
        sections=fragment_sections(description) if isinstance(description, str) else (),
        fields_of_work=tuple(text for item in fields_of_work if (text := _as_text(item)))
        if isinstance(fields_of_work, list)
        else (),
        client_kvk=_as_text(job.get("kvk")),
    )


def api_jobs(body: bytes | str, base_url: str = DEFAULT_BASE_URL) -> list[RawListing]:
    """`GET /v1/getjobs` answers `{"resultaat": [job, ...]}`."""
    jobs = json_member(body, "resultaat", list, "API answer")
    return [api_job(job, base_url) for job in jobs if isinstance(job, dict)]
