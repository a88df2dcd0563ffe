"""The pages' templates: Jinja2, autoescaped (listing text is untrusted), in the reader's
language (the switch, its cookie, then Accept-Language), with the session and the clock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel.lists import format_list
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from schemas.zone import AMSTERDAM
from tenderwatch.common.i18n import LANGUAGE_NAMES, template_environment
from tenderwatch.web.accounts import Accounts
from tenderwatch.web.i18n import LANGUAGES, language_of
from tenderwatch.web.state import Clock
from tenderwatch.web.transport import LANGUAGE, SESSION, Cookies

TEMPLATES = Path(__file__).parent / "templates"


def days_left(deadline: datetime | None, now: datetime) -> int | None:
    if deadline is None:
        return None
    return (deadline.astimezone(AMSTERDAM).date() - now.astimezone(AMSTERDAM).date()).days


def page_environment(language: str, platforms: Mapping[str, str]) -> Environment:
    """The page templates in one language (requests run on many threads: one environment per
    language)."""
    return template_environment(TEMPLATES, language, platforms)


class Renderer:
    """Renders a template for a request. `platforms`: name → label of every source crawled
    (the source filter and the footer)."""

    def __init__(
        self, accounts: Accounts, cookies: Cookies, clock: Clock, platforms: Mapping[str, str]
    ) -> None:
        self.accounts, self.cookies, self.clock = accounts, cookies, clock
        self.platforms = dict(platforms)
        self.environments = {
            language: page_environment(language, self.platforms) for language in LANGUAGES
        }

    def language(self, request: Request, default: str | None = None) -> str:
        return language_of(
            request.query_params.get("lang"),
            self.cookies.get(request, LANGUAGE),
            request.headers.get("accept-language"),
            default,
        )

    def render(
        self,
        request: Request,
        template: str,
        status_code: int = 200,
        default_language: str | None = None,
        **context: Any,
    ) -> HTMLResponse:
        language = self.language(request, default_language)
        other = [(key, value) for key, value in request.query_params.multi_items() if key != "lang"]
        switch = {
            code: f"{request.url.path}?{urlencode([*other, ('lang', code)])}" for code in LANGUAGES
        }
        body = (
            self.environments[language]
            .get_template(template)
            .render(
                language=language,
                language_names=LANGUAGE_NAMES,
                switch=switch,
                now=self.clock.now(),
                days_left=days_left,
                session=self.accounts.session(self.cookies.get(request, SESSION)),
                platform_list=format_list(list(self.platforms.values()), locale=language)
                if self.platforms
                else "",
                **context,
            )
        )
        response = HTMLResponse(body, status_code=status_code)
        if request.query_params.get("lang") in LANGUAGES:
            self.cookies.set(response, LANGUAGE, request.query_params["lang"], max_age=365 * 86400)
        return response
