"""Local stand-ins for the setup test: a proxy that lets the stock Elasticsearch client talk to
the osmem emulator, and a replica of Kibana's saved-objects import API."""

from __future__ import annotations

import base64
import http.client
import json
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class _Server:
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()


class PlainJsonProxy(_Server):
    """Forwards to the emulator, turning the client's `application/vnd.elasticsearch+json;
    compatible-with=N` media type into `application/json` (all the emulator understands), with
    exactly one `X-Elastic-Product` header, as the client insists. Test-only, like
    `tests.store.backends.PlainJsonNode`, but for a separate `tenderwatch` process.

    `refuse(method, path)`: a (status, JSON body) to answer instead of forwarding, or None; for
    faults the engine behind cannot produce (e.g. credentials revoked on a node without
    security)."""

    def __init__(self, upstream_port: int, refuse=lambda method, path: None) -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                refusal = refuse(self.command, self.path)
                if refusal is not None:
                    status, answer_body = refusal
                    payload = json.dumps(answer_body).encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("X-Elastic-Product", "Elasticsearch")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                headers = {
                    name: ("application/json" if "compatible-with" in value else value)
                    for name, value in self.headers.items()
                    if name.lower() not in ("host", "connection")
                }
                upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
                upstream.request(self.command, self.path, body=body or None, headers=headers)
                answer = upstream.getresponse()
                payload = answer.read()
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in (
                        "transfer-encoding",
                        "connection",
                        "content-length",
                        "x-elastic-product",
                    ):
                        self.send_header(name, value)
                self.send_header("X-Elastic-Product", "Elasticsearch")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                upstream.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

        super().__init__(Handler)


class KibanaReplica(_Server):
    """POST /api/saved_objects/_import as Kibana answers it: multipart `file` of NDJSON,
    `kbn-xsrf` required, basic auth checked, `overwrite=true` replaces, else conflicts."""

    def __init__(self, username: str, password: str) -> None:
        self.objects: dict[tuple[str, str], dict] = {}
        self.imports: list[dict] = []
        replica = self
        expected_auth = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _answer(self, status: int, document: dict) -> None:
                payload = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = urlsplit(self.path)
                if parts.path != "/api/saved_objects/_import":
                    return self._answer(404, {"statusCode": 404, "error": "Not Found"})
                if self.headers.get("Authorization") != expected_auth:
                    return self._answer(401, {"statusCode": 401, "error": "Unauthorized"})
                if "kbn-xsrf" not in self.headers:
                    return self._answer(
                        400,
                        {"statusCode": 400, "message": "Request must contain a kbn-xsrf header."},
                    )
                message = BytesParser(policy=HTTP).parsebytes(
                    b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body
                )
                files = [
                    part
                    for part in message.iter_parts()
                    if part.get_param("name", header="content-disposition") == "file"
                ]
                if len(files) != 1:
                    return self._answer(
                        400, {"statusCode": 400, "message": "[request body.file]: expected value"}
                    )
                overwrite = parse_qs(parts.query).get("overwrite") == ["true"]
                objects = [
                    json.loads(line)
                    for line in files[0].get_payload(decode=True).decode().splitlines()
                    if line
                ]
                errors, imported = [], 0
                for item in objects:
                    key = (item["type"], item["id"])
                    if key in replica.objects and not overwrite:
                        errors.append(
                            {"id": item["id"], "type": item["type"], "error": {"type": "conflict"}}
                        )
                        continue
                    replica.objects[key] = item
                    imported += 1
                replica.imports.append({"overwrite": overwrite, "count": len(objects)})
                self._answer(
                    200, {"success": not errors, "successCount": imported, "errors": errors}
                )

        super().__init__(Handler)
