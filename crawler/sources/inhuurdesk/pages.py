"""Inhuurdesk's page objects: the list answer is the HeadFirst one; its public listing URL is
built from the slugs, verbatim (`brokerUrl` is a Salesforce login page, never a listing)."""

from __future__ import annotations

from typing import Any

from crawler.sources.headfirst.pages import ListPage, list_page

PUBLIC_URL = "https://inhuurdesk.nl/aanvragen/{client}/{title}/{id}"


def public_url(item: dict[str, Any]) -> str:
    return PUBLIC_URL.format(
        client=str(item.get("clientNameSlug") or "opdrachtgever").strip(),
        title=str(item.get("titleSlug") or "opdracht").strip(),
        id=item["id"].strip(),
    )


__all__ = ["ListPage", "list_page", "public_url"]
