"""Opdrachtoverheid's page objects: the search request body (the site's own, with its filter:
a stripped body pages wrongly), the search answer, the sitemap and a detail page's JobPosting.
Anything unrecognised is `UnrecognisedPage` with the reason."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from crawler.pages.json_answer import json_answer
from crawler.pages.raw import UnrecognisedPage
from crawler.pages.structured import sitemap_entries
from schemas.zone import AMSTERDAM

SEARCH_PATH = "/v7/vacancies/search"
SITEMAP_PATH = "/sitemap.xml"
PAGE_SIZE = 100
DETAIL_PATH = re.compile(r"/inhuuropdracht/[^/]+/[^/]+/([0-9A-Fa-f-]{36})/?$")


def search_body(offset: int, now: datetime, limit: int = PAGE_SIZE) -> dict[str, Any]:
    """The body the site itself posts: open records only (offline date from now, Amsterdam wall
    clock), published, no OIM or direct-recruitment vacancies, newest first."""
    local_now = now.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M:%S")
    return {
        "single": False,
        "userInput": None,
        "limit": limit,
        "offset": offset,
        "disjunction": 0,
        "user_coordinates": {},
        "filters": {
            "and_filters": [
                {
                    "filters": [
                        {
                            "field_name": "tender_offline_date",
                            "value": [local_now],
                            "operator": ">=",
                        },
                        {"field_name": "publish", "value": ["0"], "operator": "neq"},
                        {"field_name": "oim_vacancy", "value": ["true"], "operator": "neq"},
                        {
                            "field_name": "direct_recruitment_vacancy",
                            "value": ["true"],
                            "operator": "neq",
                        },
                    ]
                }
            ],
            "or_filters": [],
            "or_disjunction": 0,
        },
        "order_by": [{"field": "tender_first_seen", "direction": "desc"}],
    }


def records(body: bytes | str) -> list[dict[str, Any]]:
    """The records of a search answer `{"negometrix_tenders": [...]}`."""
    answer = json_answer(body)
    if not isinstance(answer, dict) or not isinstance(answer.get("negometrix_tenders"), list):
        raise UnrecognisedPage("not a search answer: no `negometrix_tenders` array")
    for position, record in enumerate(answer["negometrix_tenders"]):
        if not isinstance(record, dict):
            raise UnrecognisedPage(f"record {position} is not an object")
        for key in ("tender_id", "tender_name"):
            if not isinstance(record.get(key), str) or not record[key].strip():
                raise UnrecognisedPage(f"record {position} has no {key}")
    return answer["negometrix_tenders"]


def sitemap_urls(body: bytes | str) -> list[str]:
    """The detail page URLs (`/inhuuropdracht/<organisation>/<title>/<web key>`) of the sitemap."""
    return [entry.url for entry in sitemap_entries(body) if DETAIL_PATH.search(entry.url)]


CLOSED_BANNER = re.compile(r"deze opdracht is verlopen|inschrijvingen gesloten", re.IGNORECASE)


def is_closed_page(body: str) -> bool:
    """A detail page of a closed assignment ("Deze opdracht is verlopen…", "INSCHRIJVINGEN
    GESLOTEN")."""
    return bool(CLOSED_BANNER.search(body))


def web_key_of(url: str) -> str | None:
    found = DETAIL_PATH.search(url)
    return found.group(1).upper() if found else None
