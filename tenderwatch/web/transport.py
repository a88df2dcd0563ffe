"""How the site is reached, and what every answer carries because of it.

- **Cookies**: when `TENDERWATCH_PUBLIC_URL` is https, every cookie is `Secure` and named with
  the `__Host-` prefix (a browser then refuses it from plain http, from another path or set by
  a sibling domain); over plain http (one machine) they are ordinary. The decision follows the
  configured address, never a request header a client can send.
- **Security headers** on every response but the API docs (whose Swagger page runs inline
  scripts), HSTS too when served over https; `Cache-Control: no-store` on every answer that is
  one person's.
- **Reverse proxies**: X-Forwarded-For/-Proto are believed only from
  `TENDERWATCH_TRUSTED_PROXIES` (addresses or networks), so the sign-in limits count the real
  client, not the proxy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src "
    "'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
HSTS = "max-age=31536000; includeSubDomains"  # a year: browsers never try plain http again
API_DOCS_PATHS = ("/docs", "/redoc", "/static-offline-docs")
# Answers that are one person's (sessions, alerts, sign-in, unsubscribe, calendar feeds) are
# never kept by a browser or a proxy cache.
PRIVATE_PATHS = ("/alerts", "/signin", "/signout", "/unsubscribe", "/feeds/", "/saved-searches")
SESSION = "tw_session"
ANONYMOUS_CSRF = "tw_csrf"
LANGUAGE = "lang"


@dataclass(frozen=True)
class Cookies:
    """The site's cookies, named and flagged for how the site is reached."""

    https: bool

    def name(self, base: str) -> str:
        return f"__Host-{base}" if self.https else base

    def get(self, request: Request, base: str) -> str | None:
        return request.cookies.get(self.name(base))

    def set(self, response: Response, base: str, value: str, *, max_age: int | None = None) -> None:
        response.set_cookie(
            self.name(base),
            value,
            max_age=max_age,
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.https,
        )

    def delete(self, response: Response, base: str) -> None:
        response.delete_cookie(
            self.name(base), path="/", httponly=True, samesite="lax", secure=self.https
        )


class SecurityHeaders:
    """ASGI middleware: the security headers (and HSTS over https) on every response (pages,
    the unsubscribe page, the API's JSON, stylesheets, calendar files) but the API docs;
    `Cache-Control: no-store` on a private path or a request with a session cookie."""

    def __init__(self, app: Any, cookies: Cookies) -> None:
        self.app = app
        self.session_cookie = cookies.name(SESSION).encode() + b"="
        self.headers = [
            (name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()
        ]
        self.hsts = [(b"strict-transport-security", HSTS.encode())] if cookies.https else []

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        docs = path.startswith(API_DOCS_PATHS)
        private = path.startswith(PRIVATE_PATHS) or any(
            name == b"cookie" and self.session_cookie in value
            for name, value in scope.get("headers", [])
        )

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if not (private and name.lower() == b"cache-control")
                ]
                headers += self.hsts + ([] if docs else self.headers)
                if private:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
