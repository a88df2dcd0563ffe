"""What every source's replica server shares: a quiet HTTP/1.1 request handler that answers
text with its length, and the server's life on a thread (the replicas are test and demo
peers, not production servers)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ReplicaHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # keep test output clean
        return

    def _send(self, status: int, body: str, content_type: str = "text/html; charset=UTF-8") -> None:
        payload = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class ReplicaServer:
    """A replica's server life: `_server` (a ThreadingHTTPServer made by the subclass) served
    on a daemon thread between `start()` and `stop()`, or as a context manager."""

    name = "replica"
    _server: ThreadingHTTPServer

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        threading.Thread(
            target=self._server.serve_forever, name=f"{self.name}-replica", daemon=True
        ).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
