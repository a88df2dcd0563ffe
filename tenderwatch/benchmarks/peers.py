"""A real webhook receiver (HTTP server) for benchmarks and tests: records each POST, checks
its signature, and can fail on purpose."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from consumers.alerts.webhook import SIGNATURE_HEADER, verify_signature


@dataclass
class Received:
    body: dict
    headers: dict[str, str]
    signature_valid: bool
    at: float


@dataclass
class WebhookReceiver:
    """POST answers 204 and records the call; `fail_next(n)` answers 503 n times first."""

    secret: str
    calls: list[Received] = field(default_factory=list)
    failures_left: int = 0
    attempts: int = 0

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.attempts += 1
                if receiver.failures_left > 0:
                    receiver.failures_left -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                receiver.calls.append(
                    Received(
                        body=json.loads(body),
                        headers={key.lower(): value for key, value in self.headers.items()},
                        signature_valid=verify_signature(
                            receiver.secret, body, self.headers.get(SIGNATURE_HEADER, "")
                        ),
                        at=time.time(),
                    )
                )
                self.send_response(204)
                self.end_headers()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def fail_next(self, times: int) -> None:
        self.failures_left = times

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, count: int, timeout_s: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout_s
        while len(self.calls) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.calls


# The engines `tools/engines/engines.sh` exports: the embedded-default benchmarks leave them out.
ENGINE_VARIABLES = (
    "TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS",
    "TENDERWATCH_OPENSEARCH_URL",
    "TENDERWATCH_ELASTICSEARCH_URL",
)


def take_engine_addresses() -> dict[str, str]:
    """Remove the engines' addresses from this process's environment and return them."""
    import os

    return {key: os.environ.pop(key) for key in ENGINE_VARIABLES if key in os.environ}


def embedded_environment() -> dict[str, str]:
    """This process's environment without the engines' addresses: what `tenderwatch run` on the
    embedded default sees, even while the engines run beside it for
    `tenderwatch.benchmarks.engines`."""
    import os

    return {key: value for key, value in os.environ.items() if key not in ENGINE_VARIABLES}
