"""What every source's replica server shares: a quiet HTTP/1.1 request handler that answers
text with its length (the replicas are test and demo peers, not production servers)."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler


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
