"""A replica of Freep's API: `GET /v1/assignments` (the list: the two real items captured in
`answers/01-*.json` plus the awkward cases written beside them) and `GET /v1/assignment/<slug>/`
(details: written by hand in the shape `shared/sources/freep.md` describes, since no real detail
answer was ever captured). Tests change `items`, `details`, `answer_override`,
`failing_paths` and read `requests` (the paths asked for)."""

from __future__ import annotations

import json
import threading
from http.server import ThreadingHTTPServer
from importlib import resources
from urllib.parse import urlsplit

from crawler.replica_http import ReplicaHandler, ReplicaServer

ROBOTS_TXT = "User-agent: *\nAllow: /\n"


def bundled() -> tuple[list[dict], dict[str, dict]]:
    folder = resources.files(__name__) / "answers"
    items: list[dict] = []
    details: dict[str, dict] = {}
    for entry in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if not entry.name.endswith(".json"):
            continue
        answer = json.loads(entry.read_text(encoding="utf-8"))
        if entry.name.startswith("details"):
            details.update(
                {slug: body for slug, body in answer.items() if not slug.startswith("_")}
            )
        else:
            items.extend(answer if isinstance(answer, list) else answer["data"])
    return items, details


class FreepReplica(ReplicaServer):
    name = "freep"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.items, self.details = bundled()
        self.answer_override: tuple[int, str, str] | None = None
        self.failing_paths: set[str] = set()
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())

    def summary(self) -> str:
        return f"{len(self.items)} open assignments, {len(self.details)} details"

    def detail_requests(self) -> int:
        return sum(1 for path in self.requests if path.startswith("/v1/assignment/"))

    def _handler_class(self):
        replica = self

        class Handler(ReplicaHandler):
            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                if path == "/robots.txt":
                    return self._send(200, ROBOTS_TXT, "text/plain")
                with replica._lock:
                    replica.requests.append(path)
                if path in replica.failing_paths:
                    return self._send(503, "<html><body>Service Unavailable</body></html>")
                if path.rstrip("/") == "/v1/assignments":
                    if replica.answer_override is not None:
                        return self._send(*replica.answer_override)
                    return self._send(
                        200, json.dumps(replica.items, ensure_ascii=False), "application/json"
                    )
                if path.startswith("/v1/assignment/") and path.endswith("/"):
                    slug = path.removeprefix("/v1/assignment/").strip("/")
                    item = next((item for item in replica.items if item["slug"] == slug), None)
                    body = replica.details.get(slug)
                    if item is None or body is None:
                        return self._send(404, '{"detail": "Niet gevonden."}', "application/json")
                    return self._send(
                        200, json.dumps({**item, **body}, ensure_ascii=False), "application/json"
                    )
                return self._send(404, '{"detail": "Niet gevonden."}', "application/json")

        return Handler


__all__ = ["FreepReplica"]
