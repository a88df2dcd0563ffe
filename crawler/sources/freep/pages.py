"""Freep's page objects: the list answer (a JSON array of assignments) and a detail answer (a
JSON object). Anything else is `UnrecognisedPage` with the reason: an empty or broken list
must never close listings."""

from __future__ import annotations

from typing import Any

from crawler.pages.json_answer import json_answer
from crawler.pages.raw import UnrecognisedPage

PUBLIC_URL = "https://www.freep.nl/opdracht/{slug}"
LIST_PATH = "/v1/assignments"
DETAIL_PATH = "/v1/assignment/{slug}/"


def assignments(body: bytes | str) -> list[dict[str, Any]]:
    """The list answer: every item needs an id (a number or numeric text), a slug and a title."""
    answer = json_answer(body)
    if not isinstance(answer, list):
        raise UnrecognisedPage("not a list answer: no JSON array")
    for position, item in enumerate(answer):
        if not isinstance(item, dict):
            raise UnrecognisedPage(f"item {position} is not an object")
        if not str(item.get("id", "")).strip().isdigit():
            raise UnrecognisedPage(f"item {position} has no numeric id")
        for key in ("slug", "title"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise UnrecognisedPage(f"item {position} has no {key}")
    return answer


def detail(body: bytes | str) -> dict[str, Any]:
    answer = json_answer(body)
    if not isinstance(answer, dict) or not str(answer.get("id", "")).strip().isdigit():
        raise UnrecognisedPage("not a detail answer: no object with an id")
    return answer


def public_url(item: dict[str, Any]) -> str:
    return PUBLIC_URL.format(slug=item["slug"].strip())
