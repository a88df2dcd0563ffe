"""The JSON body of an API answer, or `UnrecognisedPage` with the reason: an HTML error page
or garbage where JSON was expected must never read as an empty list."""

from __future__ import annotations

import json
from typing import Any

from crawler.pages.raw import UnrecognisedPage


def json_answer(body: bytes | str) -> Any:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if text.lstrip().startswith("<"):
        raise UnrecognisedPage("an HTML page where JSON was expected")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UnrecognisedPage(f"not JSON: {exc}") from None


def json_member(body: bytes | str, key: str, kind: type, what: str) -> Any:
    """`answer[key]` of a JSON object answer when it is a `kind` (e.g. the list an API wraps
    its results in); UnrecognisedPage naming `what` answered otherwise."""
    answer = json_answer(body)
    if not isinstance(answer, dict) or not isinstance(answer.get(key), kind):
        raise UnrecognisedPage(f"{what} has no {key} {'string' if kind is str else kind.__name__}")
    return answer[key]
