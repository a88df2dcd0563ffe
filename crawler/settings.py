"""The settings of the crawler side: tenderwatch's `Settings` plus every registered source's
own settings (`Source.settings` in `crawler/sources/__init__.py`), each read from
`TENDERWATCH_<NAME>` with its real default, a host checked to be an http(s) URL."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, create_model

from crawler.sources import SOURCES, Setting
from tenderwatch.common.settings import Settings


def http_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL with a host")
    return value.strip()


def _field(setting: Setting) -> tuple[Any, Any]:
    if setting.host:
        return Annotated[str, AfterValidator(http_url)], Field(
            setting.default, description=setting.description
        )
    return type(setting.default), Field(
        setting.default, ge=setting.minimum, description=setting.description
    )


CrawlerSettings: type[Settings] = create_model(
    "CrawlerSettings",
    __base__=Settings,
    __module__=__name__,
    __doc__="Settings with every registered source's own settings.",
    **{setting.name: _field(setting) for source in SOURCES.values() for setting in source.settings},
)
