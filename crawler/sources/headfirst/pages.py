"""The page object of a HeadFirst list answer: `{"total": n, "data": [item, ...]}`.

An answer that is not JSON, not that shape, or an HTML error page is `UnrecognisedPage`
with the reason, never an empty list: an empty list would close every listing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler.pages.json_answer import json_answer
from crawler.pages.raw import UnrecognisedPage

REQUIRED_ITEM_KEYS = ("id", "title")


@dataclass(frozen=True)
class ListPage:
    total: int | None
    items: list[dict[str, Any]]


def list_page(body: bytes | str) -> ListPage:
    answer = json_answer(body)
    if not isinstance(answer, dict) or not isinstance(answer.get("data"), list):
        raise UnrecognisedPage("not a list answer: no `data` array")
    total = answer.get("total")
    if total is not None and (not isinstance(total, int) or isinstance(total, bool) or total < 0):
        raise UnrecognisedPage(f"`total` is not a count: {total!r}")
    items = []
    for position, item in enumerate(answer["data"]):
        if not isinstance(item, dict):
            raise UnrecognisedPage(f"item {position} is not an object")
        for key in REQUIRED_ITEM_KEYS:
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise UnrecognisedPage(f"item {position} has no {key}")
        items.append(item)
    return ListPage(total, items)
