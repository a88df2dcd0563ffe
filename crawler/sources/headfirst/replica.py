"""A local replica of a HeadFirst list endpoint (Striive's, Inhuurdesk's): `GET <path>?page=N`
answers `{"total": n, "data": [items of page N]}`, pages counted from 1 (`page=0` answers
like `page=1`, as the real ones do), plus robots.txt. Built from captured items; tests change
what it serves through its attributes:

- `items`: the open list, in order;
- `fail_next(times, status)`: the next list requests answer `status`;
- `failing_pages`: page numbers that answer 503 every time;
- `answer_override`: a body served instead of the JSON (an HTML error page, garbage);
- `requests`: the page numbers asked for.
"""

from __future__ import annotations

import json
import threading
from http.server import ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qs, urlsplit

from crawler.replica_http import ReplicaHandler, ReplicaServer

ROBOTS_TXT = "User-agent: *\nAllow: /\n"


def bundled_items(package: str) -> list[dict]:
    """Every item of the JSON answers under `<package>/answers/`, in file order then item order."""
    folder = resources.files(package) / "answers"
    items: list[dict] = []
    for entry in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if entry.name.endswith(".json"):
            items.extend(json.loads(entry.read_text(encoding="utf-8"))["data"])
    return items


class HeadFirstListReplica(ReplicaServer):
    path: str = "/api/jobs"
    page_size: int = 25
    name: str = "headfirst"

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, items: list[dict] | None = None
    ) -> None:
        self.items = list(items if items is not None else self.default_items())
        self.answer_override: tuple[int, str, str] | None = None
        self.failing_pages: set[int] = set()
        self.requests: list[int] = []
        self._failures: list[int] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())

    def default_items(self) -> list[dict]:
        raise NotImplementedError

    def summary(self) -> str:
        return f"{len(self.items)} open listings, {self.page_size} a page"

    def fail_next(self, times: int, status: int = 503) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    def page(self, number: int) -> str:
        number = max(number, 1)
        chunk = self.items[(number - 1) * self.page_size : number * self.page_size]
        return json.dumps({"total": len(self.items), "data": chunk}, ensure_ascii=False)

    def _handler_class(self):
        replica = self

        class Handler(ReplicaHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path == "/robots.txt":
                    return self._send(200, ROBOTS_TXT, "text/plain")
                if parts.path.rstrip("/") != replica.path.rstrip("/"):
                    return self._send(404, "<html><body>Not found</body></html>", "text/html")
                try:
                    number = int((parse_qs(parts.query).get("page") or ["1"])[0])
                except ValueError:
                    return self._send(400, '{"message": "bad page"}', "application/json")
                with replica._lock:
                    replica.requests.append(number)
                    failure = replica._failures.pop(0) if replica._failures else None
                    if max(number, 1) in replica.failing_pages:
                        failure = 503
                if failure is not None:
                    return self._send(
                        failure, "<html><body>Service Unavailable</body></html>", "text/html"
                    )
                if replica.answer_override is not None:
                    return self._send(*replica.answer_override)
                return self._send(200, replica.page(number), "application/json")

        return Handler
