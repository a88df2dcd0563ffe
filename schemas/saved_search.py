"""Saved searches and the alerts they produce.

A `SavedSearch` is a `SearchFilter` (the same object `tenderwatch search` uses, with the
same semantics) plus where and how often to tell its owner about new matching tenders.

An `Alert` says which saved search matched which tender on which event, and why: the
keywords found (and in which field) and the filters that held. Alerts go to the webhook,
to the mail box and, as an `AlertEvent` (CloudEvents 1.0, structured mode, like the tender
events), to the alerts topic, keyed by saved search id.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    SecretStr,
    model_validator,
)

from schemas.events import EVENT_CONFIG, ReadsLegacyType
from schemas.search import SearchFilter
from schemas.tender import Tender

Frequency = Literal["instant", "daily"]
Language = Literal["nl", "en"]
LANGUAGE_FIELD = "The language of its mails and pages: nl (Dutch, the default) or en (English)"
AlertEventType = Literal["nl.tenderwatch.alert.matched"]
ALERT_MATCHED = "nl.tenderwatch.alert.matched"
ALERT_DATASCHEMA = "urn:tenderwatch:schema:alert:2"
ALERT_ENVELOPE_SCHEMA = "urn:tenderwatch:schema:alert-event:2"
# An update alerts (searches that ask for updates) only when one of these changed:
# what a freelancer decides on, not a reworded paragraph or a parser warning.
MATERIAL_FIELDS = frozenset(
    {
        "title",
        "client",
        "region",
        "status",
        "education_level",
        "hours_per_week",
        "deadline",
        "questions_deadline",
        "start",
        "end_date",
        "duration_months",
        "pay_scale",
        "max_hourly_rate",
        "zzp_allowed",
        "knockout_criteria",
        "selection_criteria",
        "also_on",
    }
)


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _unprintable(text: str) -> bool:
    """A control or format character, or a line or paragraph separator (U+2028, U+2029)."""
    return any(
        unicodedata.category(character)[0] == "C" or unicodedata.category(character) in ("Zl", "Zp")
        for character in text
    )


def _one_line(name: str) -> str:
    if _unprintable(name):
        raise ValueError("a name is one line of text, without control characters or line breaks")
    return name


def webhook_url_syntax(url: str) -> str:
    """The syntax every webhook URL must have wherever it is given (CLI, API, web form); whether
    its host may be reached is checked when it is saved (`consumers.alerts.webhook`)."""
    if _unprintable(url) or any(character.isspace() for character in url):
        raise ValueError("a webhook URL has no spaces, control characters or line breaks")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("a webhook URL must be http or https (http:// or https:// and a host)")
    if "@" in parts.netloc:
        raise ValueError(
            "a webhook URL must not carry credentials; use the secret for authenticity"
        )
    try:
        parts.port  # noqa: B018 - parsing it is the check
    except ValueError:
        raise ValueError("a webhook URL has an invalid port") from None
    return url


# One set of save-time rules for the CLI, the API and the web form (stored searches are read
# back with the looser stored shape, so an older one still loads).
SearchName = Annotated[
    str, BeforeValidator(_strip), Field(min_length=1, max_length=200), AfterValidator(_one_line)
]
WebhookUrl = Annotated[
    str,
    BeforeValidator(_strip),
    Field(min_length=1, max_length=2000),
    AfterValidator(webhook_url_syntax),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


SECRET_MASK = "**********"


class Webhook(_Strict):
    url: str = Field(max_length=2000, description="http(s) URL that receives a POST per alert")
    secret: SecretStr = Field(
        description="HMAC-SHA256 key: X-Tenderwatch-Signature: sha256=<hex of HMAC(body)>"
    )


class SavedSearch(_Strict):
    id: str
    owner: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    filter: SearchFilter = Field(default_factory=SearchFilter)
    email: EmailStr | None = None
    webhook: Webhook | None = None
    frequency: Frequency = Field(
        "instant", description="instant: each alert at once; daily: one mail a day"
    )
    alert_on_updates: bool = Field(
        False, description="Also alert when a matching tender changes materially"
    )
    active: bool = True
    created: datetime
    language: Language = Field("nl", description=LANGUAGE_FIELD)

    @model_validator(mode="after")
    def _has_a_channel(self) -> SavedSearch:
        if self.email is None and self.webhook is None:
            raise ValueError("a saved search needs an email address or a webhook")
        return self

    def public(self) -> dict:
        """JSON for listings and the API: the webhook secret is never shown again."""
        document = self.model_dump(mode="json")
        if self.webhook is not None:
            document["webhook"]["secret"] = SECRET_MASK
        return document

    def stored(self) -> str:
        """JSON for the store, secret included."""
        document = self.model_dump(mode="json")
        if self.webhook is not None:
            document["webhook"]["secret"] = self.webhook.secret.get_secret_value()
        return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


class KeywordHit(_Strict):
    keyword: str = Field(description="The word as the search gave it")
    term: str = Field(description="Its analysed form (Dutch stem), as matched")
    found_in: list[Literal["title", "description"]]


class Reasons(_Strict):
    keywords: list[KeywordHit] = Field(default_factory=list)
    filters: list[str] = Field(default_factory=list, description="Each filter that held, in words")


class SavedSearchRef(_Strict):
    id: str
    name: str
    owner: str


class Alert(_Strict):
    id: str = Field(
        description="`<saved search id>/<tender id>[/<sequence>]`: one alert per key, ever"
    )
    saved_search: SavedSearchRef
    kind: Literal["new", "changed"] = Field(
        description="new: the first alert of this tender for this search; changed: a material "
        "update after it"
    )
    event: str = Field(description="The tender event type that fired it")
    event_id: str
    sequence: int
    tender: Tender
    reasons: Reasons
    created: datetime

    def webhook_body(self) -> dict:
        return {
            "alert_id": self.id,
            "saved_search": {"id": self.saved_search.id, "name": self.saved_search.name},
            "tender": self.tender.model_dump(mode="json"),
            "event": self.event,
            "kind": self.kind,
            "reasons": self.reasons.model_dump(mode="json"),
        }


class AlertEvent(BaseModel):
    """An alert on the alerts topic: CloudEvents 1.0, structured mode, key = saved search id."""

    model_config = EVENT_CONFIG

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1, description="The alert id: unique for ever, drop repeats")
    source: Literal["/tenderwatch/alerts"] = "/tenderwatch/alerts"
    type: Annotated[AlertEventType, ReadsLegacyType] = ALERT_MATCHED
    time: datetime
    subject: str = Field(min_length=1, description="The tender id")
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: Literal["urn:tenderwatch:schema:alert:2"] = Field(
        ALERT_DATASCHEMA, description="The `$id` of the JSON Schema of `data`"
    )
    data: Alert

    @classmethod
    def of(cls, alert: Alert) -> AlertEvent:
        return cls(id=alert.id, time=alert.created, subject=alert.tender.id, data=alert)

    @property
    def key(self) -> bytes:
        return self.data.saved_search.id.encode("utf-8")

    def encode(self) -> bytes:
        return self.model_dump_json().encode("utf-8")


class WebhookInput(_Strict):
    """A webhook as responses show it, accepted back: the masked secret means "keep it"."""

    url: WebhookUrl
    secret: str | None = Field(
        None, max_length=200, description="Omitted or masked: generated (new) or kept (change)"
    )


def _webhook_fields(request: dict) -> dict:
    """Accept `webhook: {url, secret}` (what responses show) for `webhook_url`/`webhook_secret`."""
    if not isinstance(request, dict) or request.get("webhook") is None:
        return request
    if "webhook_url" in request or "webhook_secret" in request:
        raise ValueError("give either webhook or webhook_url/webhook_secret, not both")
    webhook = request["webhook"]
    if not isinstance(webhook, dict):
        return request  # the field's own validation says what is wrong
    given = WebhookInput.model_validate(webhook)
    request = {key: value for key, value in request.items() if key != "webhook"}
    request["webhook_url"] = given.url
    if given.secret is not None and given.secret != SECRET_MASK:
        request["webhook_secret"] = given.secret
    return request


class SavedSearchRequest(_Strict):
    """What a user sends to create a saved search (API body; the CLI builds the same). The
    webhook may also be given as `webhook: {url, secret}`, the shape responses show."""

    name: SearchName
    filter: SearchFilter = Field(default_factory=SearchFilter)
    email: EmailStr | None = None
    webhook_url: WebhookUrl | None = None
    webhook_secret: str | None = Field(
        None,
        min_length=16,
        max_length=200,
        description="Generated (and returned once) when not given",
    )
    webhook: WebhookInput | None = Field(
        None, description="Alternative to webhook_url/webhook_secret"
    )
    frequency: Frequency = "instant"
    alert_on_updates: bool = False
    language: Language = Field("nl", description=LANGUAGE_FIELD)

    @model_validator(mode="before")
    @classmethod
    def _webhook_object(cls, request: object) -> object:
        return _webhook_fields(request)  # type: ignore[arg-type]

    @model_validator(mode="after")
    def _has_a_channel(self) -> SavedSearchRequest:
        if self.email is None and self.webhook_url is None:
            raise ValueError("give an email address or a webhook URL")
        if self.webhook_secret is not None and self.webhook_url is None:
            raise ValueError("a webhook secret needs a webhook URL")
        return self


class SavedSearchChange(_Strict):
    """A partial change (API PATCH): only the fields given change. A document read from the
    API may be sent back whole: `id`, `owner` and `created` are accepted when unchanged, the
    masked webhook secret keeps the secret, `email: null` / `webhook: null` remove a channel."""

    name: SearchName | None = None
    filter: SearchFilter | None = None
    email: EmailStr | None = None
    webhook_url: WebhookUrl | None = None
    webhook_secret: str | None = Field(None, min_length=16, max_length=200)
    webhook: WebhookInput | None = None
    frequency: Frequency | None = None
    alert_on_updates: bool | None = None
    active: bool | None = None
    language: Language | None = None
    id: str | None = Field(None, description="Read-only: accepted when unchanged")
    owner: str | None = Field(None, description="Read-only: accepted when unchanged")
    created: datetime | None = Field(None, description="Read-only: accepted when unchanged")

    @model_validator(mode="before")
    @classmethod
    def _webhook_object(cls, change: object) -> object:
        if isinstance(change, dict) and "webhook" in change and change["webhook"] is None:
            return {
                **{key: value for key, value in change.items() if key != "webhook"},
                "webhook_url": None,
            }
        return _webhook_fields(change)  # type: ignore[arg-type]

    def apply(self, saved: SavedSearch) -> SavedSearch:
        """The saved search with this change; ValueError for a read-only field changed or no
        channel left."""
        given = self.model_fields_set - {"webhook"}
        for read_only in ("id", "owner", "created"):
            if read_only in given and getattr(self, read_only) != getattr(saved, read_only):
                raise ValueError(f"{read_only} cannot be changed")
        update = {
            field: getattr(self, field)
            for field in given
            if field
            in ("name", "filter", "email", "frequency", "alert_on_updates", "active", "language")
        }
        for field in ("name", "filter", "frequency", "alert_on_updates", "active", "language"):
            if field in update and update[field] is None:
                raise ValueError(f"{field} cannot be null")
        if "webhook_url" in given:
            if self.webhook_url is None:
                update["webhook"] = None
            else:
                secret = self.webhook_secret or (
                    saved.webhook.secret.get_secret_value() if saved.webhook else None
                )
                if secret is None:
                    raise ValueError(
                        "a new webhook needs a webhook_secret (at least 16 characters)"
                    )
                update["webhook"] = Webhook(url=self.webhook_url, secret=secret)
        elif "webhook_secret" in given:
            if saved.webhook is None:
                raise ValueError("a webhook secret needs a webhook URL")
            update["webhook"] = Webhook(url=saved.webhook.url, secret=self.webhook_secret)
        return SavedSearch.model_validate({**saved.model_dump(), **update})
