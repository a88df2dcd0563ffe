"""A replica of Opdrachtoverheid: the search endpoint (`POST /v7/vacancies/search`), the sitemap
and the detail pages with their JobPosting JSON-LD, on one server (point both host settings at
it). Built from the real records and JSON-LD in `answers/` plus the awkward cases written
beside them.

The search behaves like the real one: with the site's filter it answers the published records
whose `tender_offline_date` is at or after the filter's moment, newest first, `limit` from
`offset`; a body without the filter answers every record, closed and unpublished ones too,
and ignores `offset` (the real endpoint misbehaves the same way). Tests change `records`,
`search_status` (an HTTP error), `answer_override` (another body) and read `search_bodies`
and `detail_requests()`."""

from __future__ import annotations

import html
import json
import threading
from http.server import ThreadingHTTPServer
from importlib import resources
from urllib.parse import urlsplit

from crawler.replica_http import ReplicaHandler, ReplicaServer
from crawler.sources.opdrachtoverheid.normalize import public_url
from crawler.sources.opdrachtoverheid.pages import DETAIL_PATH

ROBOTS_TXT = (
    "User-agent: *\nDisallow: /*?exclusive=\nDisallow: /*?vakgebied=\nDisallow: /*?provincie=\n"
)


def bundled() -> tuple[list[dict], dict[str, dict]]:
    folder = resources.files(__name__) / "answers"
    found: list[dict] = []
    postings: dict[str, dict] = {}
    for entry in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if not entry.name.endswith(".json"):
            continue
        answer = json.loads(entry.read_text(encoding="utf-8"))
        if entry.name.startswith("jsonld"):
            postings.update(answer)
        else:
            found.extend(answer["negometrix_tenders"])
    return found, postings


def _filtered(body: dict) -> str | None:
    """The offline moment of the site's filter, or None when the body lacks the filter."""
    try:
        (group,) = body["filters"]["and_filters"]
        by_field = {rule["field_name"]: rule for rule in group["filters"]}
        wanted = {"tender_offline_date", "publish", "oim_vacancy", "direct_recruitment_vacancy"}
        if set(by_field) != wanted or by_field["tender_offline_date"]["operator"] != ">=":
            return None
        return by_field["tender_offline_date"]["value"][0]
    except (KeyError, TypeError, ValueError, IndexError):
        return None


class OpdrachtoverheidReplica(ReplicaServer):
    name = "opdrachtoverheid"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.records, self.postings = bundled()
        self.clock = (
            "2026-09-15 12:00:00"  # Amsterdam wall clock of the sitemap and the closed banners
        )
        self.search_status = 200
        self.answer_override: tuple[int, str, str] | None = None
        self.search_bodies: list[dict] = []
        self.paths: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())

    def summary(self) -> str:
        return f"{len(self.records)} records (search, sitemap and detail pages)"

    def detail_requests(self) -> int:
        return sum(1 for path in self.paths if path.startswith("/inhuuropdracht/"))

    def search(self, body: dict) -> list[dict]:
        limit = int(body.get("limit") or 100)
        moment = _filtered(body)
        if moment is None:  # a stripped body: the archive, and offsets ignored
            return self.records[:limit]
        open_records = [
            record
            for record in self.records
            if record.get("publish") is True
            and record.get("tender_offline_date")
            and record["tender_offline_date"] >= moment
        ]
        open_records.sort(
            key=lambda record: str(record.get("tender_first_seen") or ""), reverse=True
        )
        offset = int(body.get("offset") or 0)
        return open_records[offset : offset + limit]

    def sitemap(self, base: str) -> str:
        urls = [
            public_url(record).replace("https://www.opdrachtoverheid.nl", base)
            for record in self.records
            if record.get("publish") is True and self.is_open(record)
        ]
        entries = "".join(
            f"<url><loc>{html.escape(url)}</loc></url>" for url in [f"{base}/", *urls]
        )
        return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'

    def is_open(self, record: dict) -> bool:
        return (
            bool(record.get("tender_offline_date")) and record["tender_offline_date"] >= self.clock
        )

    def posting(self, record: dict) -> dict:
        """The record's JobPosting: the real one when captured, else built as the site builds it."""
        if record["tender_id"] in self.postings:
            return self.postings[record["tender_id"]]
        region = (
            (record.get("vacancies_location") or {}).get("province")
            if isinstance(record.get("vacancies_location"), dict)
            else None
        )
        return {
            "@context": "https://schema.org/",
            "@type": "JobPosting",
            "title": record["tender_name"].strip(),
            "datePosted": record.get("tender_first_seen"),
            "validThrough": str(record.get("tender_date") or "")[:10],
            "hiringOrganization": {
                "@type": "Organization",
                "name": record.get("tender_buying_organization"),
            },
            "jobLocation": {
                "@type": "Place",
                "address": {
                    "@type": "PostalAddress",
                    "addressRegion": region,
                    "addressCountry": "NL",
                },
            },
            "identifier": {
                "@type": "PropertyValue",
                "name": "Opdracht Overheid",
                "value": record.get("web_key"),
            },
        }

    def detail_page(self, web_key: str) -> str | None:
        record = next(
            (
                record
                for record in self.records
                if str(record.get("web_key", "")).upper() == web_key.upper()
            ),
            None,
        )
        if record is None:
            return None
        block = json.dumps(self.posting(record), ensure_ascii=False).replace("</", "<\\/")
        title = html.escape(record["tender_name"].strip())
        script = f'<script type="application/ld+json">{block}</script>'
        banner = (
            ""
            if self.is_open(record)
            else (
                '<div class="closed">Deze opdracht is verlopen. '
                "<button>INSCHRIJVINGEN GESLOTEN</button></div>"
            )
        )
        return (
            f'<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>{title} | '
            "Opdracht Overheid"
            f"</title>{script}</head><body>{banner}<h1>{title}</h1>{script}</body></html>"
        )

    def _handler_class(self):
        replica = self

        class Handler(ReplicaHandler):
            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                with replica._lock:
                    replica.paths.append(path)
                if path == "/robots.txt":
                    return self._send(200, ROBOTS_TXT, "text/plain")
                if path == "/sitemap.xml":
                    host = self.headers.get("Host", "127.0.0.1")
                    return self._send(200, replica.sitemap(f"http://{host}"), "application/xml")
                found = DETAIL_PATH.search(path)
                page = replica.detail_page(found.group(1)) if found else None
                if page is None:
                    return self._send(404, "<html><body>Niet gevonden</body></html>")
                return self._send(200, page)

            def do_POST(self) -> None:
                path = urlsplit(self.path).path
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if path.rstrip("/") != "/v7/vacancies/search":
                    return self._send(404, '{"detail": "Not Found"}', "application/json")
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    return self._send(422, '{"detail": "invalid JSON"}', "application/json")
                with replica._lock:
                    replica.search_bodies.append(body)
                if replica.search_status != 200:
                    return self._send(
                        replica.search_status, "<html><body>Application Error</body></html>"
                    )
                if replica.answer_override is not None:
                    return self._send(*replica.answer_override)
                answer = {"negometrix_tenders": replica.search(body)}
                return self._send(200, json.dumps(answer, ensure_ascii=False), "application/json")

        return Handler


__all__ = ["OpdrachtoverheidReplica"]
