"""What the replicas of sitemap sources share: `robots.txt`, a sitemap built from the pages
they serve (each with its `lastmod`, plus the non-listing URLs a real sitemap mixes in), and
the pages by path. Tests change `pages`, `lastmods`, `other_urls`, `failing_paths` and read
`requests` (the paths asked for)."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from xml.sax.saxutils import escape

from crawler.replica_http import ReplicaHandler, ReplicaServer


class SitemapReplica(ReplicaServer):
    sitemap_path = "/sitemap.xml"
    public_site = "https://www.example.nl"  # the real host the sitemap names
    robots_txt = "User-agent: *\nAllow: /\n"

    def __init__(
        self,
        pages: dict[str, str],
        lastmods: dict[str, str],
        other_urls: list[str],
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.pages = dict(pages)  # path → HTML
        self.lastmods = dict(lastmods)  # path → lastmod
        self.other_urls = list(other_urls)  # absolute URLs that are not listings
        self.failing_paths: set[str] = set()
        self.sitemap_override: tuple[int, str] | None = None
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())

    def summary(self) -> str:
        return f"{len(self.pages)} listing pages in its sitemap"

    def requests_to(self, path: str) -> int:
        return sum(1 for asked in self.requests if asked == path)

    def sitemap(self) -> str:
        urls = [(url, None) for url in self.other_urls] + [
            (f"{self.public_site}{path}", self.lastmods.get(path)) for path in sorted(self.pages)
        ]
        rows = "".join(
            f"<url><loc>{escape(url)}</loc>"
            + (f"<lastmod>{escape(lastmod)}</lastmod>" if lastmod else "")
            + "</url>\n"
            for url, lastmod in urls
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + rows + "</urlset>\n"
        )

    def _handler_class(self):
        replica = self

        class Handler(ReplicaHandler):
            def do_GET(self) -> None:
                path = self.path
                if path == "/robots.txt":
                    return self._send(200, replica.robots_txt, "text/plain")
                with replica._lock:
                    replica.requests.append(path)
                if path in replica.failing_paths:
                    return self._send(503, "<html><body>Service Unavailable</body></html>")
                if path == replica.sitemap_path:
                    if replica.sitemap_override is not None:
                        return self._send(*replica.sitemap_override)
                    return self._send(200, replica.sitemap(), "application/xml; charset=UTF-8")
                page = replica.pages.get(path)
                if page is None:
                    return self._send(404, "<html><body><h1>Niet gevonden</h1></body></html>")
                return self._send(200, page)

        return Handler
