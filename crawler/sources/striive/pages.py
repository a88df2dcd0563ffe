"""Striive's page objects: the list answer is the HeadFirst one; its public listing URL."""

from __future__ import annotations

from typing import Any

from crawler.sources.headfirst.pages import ListPage, list_page

PUBLIC_URL = "https://striive.com/nl/opdrachten?id={id}"


def public_url(item: dict[str, Any]) -> str:
    """`brokerUrl` (the public listing page), else built from the id the same way."""
    url = item.get("brokerUrl")
    if isinstance(url, str) and url.startswith("https://striive.com/"):
        return url
    return PUBLIC_URL.format(id=item["id"].strip())


__all__ = ["ListPage", "list_page", "public_url"]
