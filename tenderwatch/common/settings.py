"""Settings from the environment (prefix `TENDERWATCH_`), with defaults that work on one machine.

The lowest floor of the house: every part reads them (the crawler, the consumers, the web
app, the shell that builds them from the environment and the command-line options), so
this module imports only the model's vocabulary (`schemas`). Where a part keeps its data is named
here
too (`STATE_FILE`, `ALERTS_FILE`). Each source's own settings (its hosts, its knobs) are
declared in the source registry and added by `crawler.settings.CrawlerSettings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas.zone import AMSTERDAM

STATE_FILE = "crawler-state.sqlite3"
ALERTS_FILE = "alerts.sqlite3"
MIN_SECRET_KEY_BYTES = 32
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def version() -> str:
    """The installed package's version (the User-Agent and `--version` show it)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version

    try:
        return installed_version("tenderwatch")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TENDERWATCH_", extra="ignore")

    data_dir: Path = Field(
        Path(".tenderwatch"), description="Everything that must survive a restart"
    )
    sources: str = Field(
        "all", description="Sources `run` crawls each cycle: all, or names like striive,flextender"
    )
    withdraw_after_missing: int = Field(
        2,
        ge=1,
        description="Complete lists in a row a listing must be missing from before it counts as "
        "withdrawn",
    )
    contact_url: str = Field(
        "https://github.com/tenderwatch/tenderwatch",
        description="Put in the User-Agent so sites can reach us",
    )
    concurrent_requests_per_domain: int = Field(4, ge=1, le=4)
    autothrottle_start_delay: float = Field(
        1.0, ge=0, description="Initial delay between requests to one site (s)"
    )
    retry_backoff_base: float = Field(
        1.0, ge=0, description="First retry waits this long (s), doubling after"
    )
    kafka_bootstrap_servers: str | None = Field(
        None, description="host:port[,host:port]; unset → `run` starts the embedded broker"
    )
    kafka_client_id: str = "tenderwatch"
    tender_events_topic: str = "tenderwatch.tender-events"
    alerts_topic: str = "tenderwatch.alerts"
    dead_letter_topic: str = "tenderwatch.dead-letters"
    topic_partitions: int = Field(
        4,
        ge=1,
        description="Partitions of new topics: the most consumers of one group that get work",
    )
    topic_replication_factor: int = Field(1, ge=1)
    consumer_max_records: int = Field(
        500, ge=1, description="Most records a consumer handles as one batch"
    )
    opensearch_url: str | None = Field(
        None, description="Use OpenSearch (2.x) instead of the embedded store"
    )
    opensearch_username: str | None = None
    opensearch_password: str | None = Field(None, repr=False)
    opensearch_ca_certs: Path | None = Field(
        None, description="CA certificate (PEM) of the OpenSearch cluster"
    )
    elasticsearch_url: str | None = Field(
        None, description="Use Elasticsearch instead of the embedded store"
    )
    elasticsearch_api_key: str | None = Field(None, repr=False)
    elasticsearch_username: str | None = None
    elasticsearch_password: str | None = Field(None, repr=False)
    elasticsearch_ca_certs: Path | None = Field(
        None, description="CA certificate (PEM) of the cluster"
    )
    elasticsearch_index_alias: str = "tenders"
    elasticsearch_index_version: int = Field(1, ge=1, description="tenders-v<N> behind the alias")
    kibana_url: str | None = Field(
        None, description="`setup` imports the saved objects (data view, searches, dashboard)"
    )
    kibana_username: str | None = Field(None, description="unset: the Elasticsearch username")
    kibana_password: str | None = Field(None, repr=False)
    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="Where users reach `tenderwatch serve` (links in mails); https → Secure "
        "`__Host-` cookies and HSTS",
    )
    trusted_proxies: str = Field(
        "127.0.0.1,::1",
        description="Addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed (the client address of the sign-in limits)",
    )
    secret_key: str | None = Field(
        None,
        repr=False,
        description="Signs unsubscribe links; unset → generated once in <data dir>/secret.key",
    )
    smtp_host: str | None = Field(
        None, description="Mail server for alerts; unset → mail is written to <data dir>/mail/"
    )
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = Field(None, repr=False)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    mail_from: str = "tenderwatch <alerts@tenderwatch.invalid>"
    webhook_timeout: float = Field(
        10.0, gt=0, description="Seconds a webhook receiver may take to answer"
    )
    webhook_allow_private: bool = Field(
        False, description="Allow webhooks to private (RFC 1918) and link-local addresses"
    )
    webhook_allow_loopback: bool | None = Field(
        None,
        description="Allow webhooks to 127.0.0.0/8 and ::1; unset → only on the embedded default "
        "(no Kafka or "
        "Elasticsearch configured)",
    )
    max_saved_searches: int = Field(
        50, ge=1, le=10_000, description="Saved searches one account may have"
    )
    alert_retry_base: float = Field(
        2.0, gt=0, description="First delivery retry after this many seconds, doubling"
    )
    alert_max_attempts: int = Field(
        12, ge=1, description="Tries per alert and channel before it is dead-lettered"
    )
    digest_hour: int = Field(
        8, ge=0, le=23, description="Hour (Europe/Amsterdam) of the daily digest mail"
    )
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING, ERROR or CRITICAL (any case)")
    now: datetime | None = Field(
        None,
        description="Freeze the clock (ISO 8601) to replay archived pages; leave unset in "
        "production",
    )

    @field_validator("data_dir")
    @classmethod
    def _data_dir_is_a_directory(cls, path: Path) -> Path:
        if path.exists() and not path.is_dir():
            raise ValueError(f"{path} exists and is not a directory")
        return path

    @field_validator("secret_key")
    @classmethod
    def _secret_key_is_a_secret(cls, key: str | None) -> str | None:
        if key is None or not key.strip():
            return None
        if key.strip().startswith("change-me"):
            raise ValueError(
                "the placeholder of deploy/.env.example is not a key: set a random value, e.g. "
                "the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        if len(key.encode("utf-8")) < MIN_SECRET_KEY_BYTES:
            raise ValueError(
                f"{len(key.encode('utf-8'))} bytes is too short to sign links: at least "
                f"{MIN_SECRET_KEY_BYTES}"
            )
        return key

    @field_validator("log_level")
    @classmethod
    def _log_level_is_known(cls, level: str) -> str:
        if level.strip().upper() not in LOG_LEVELS:
            raise ValueError(
                f"{level.strip()[:40]!r} is not a log level; one of {', '.join(LOG_LEVELS)}"
            )
        return level.strip().upper()

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _bootstrap_servers_are_host_port(cls, servers: str | None) -> str | None:
        if servers is None or not servers.strip():
            return None
        for server in (part.strip() for part in servers.split(",")):
            host, _, port = server.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(
                    f"{server[:80]!r} is not host:port (e.g. 127.0.0.1:9092); "
                    "several are separated by commas"
                )
        return servers.strip()

    @field_validator("public_url")
    @classmethod
    def _public_url_is_http(cls, url: str) -> str:
        from urllib.parse import urlsplit

        parts = urlsplit(url.strip())
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.username
            or parts.query
        ):
            raise ValueError(
                f"{url.strip()[:80]!r} is not the http(s) address of the site, e.g. https://alerts.example.nl"
            )
        return url.strip().rstrip("/")

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxies_are_networks(cls, proxies: str) -> str:
        import ipaddress

        for entry in (part.strip() for part in proxies.split(",") if part.strip()):
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"{entry[:60]!r} is not an IP address or network (CIDR, e.g. 10.0.0.0/8); "
                    "'*' is not allowed: anyone could choose their own address"
                ) from None
        return proxies

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [part.strip() for part in self.trusted_proxies.split(",") if part.strip()]

    @property
    def served_over_https(self) -> bool:
        return self.public_url.startswith("https://")

    @model_validator(mode="after")
    def _one_search_cluster(self) -> Settings:
        if self.opensearch_url and self.elasticsearch_url:
            raise ValueError(
                "TENDERWATCH_OPENSEARCH_URL and TENDERWATCH_ELASTICSEARCH_URL are both set: "
                "tenderwatch searches one cluster, set one of them"
            )
        return self

    @property
    def search_cluster_url(self) -> str | None:
        """The search cluster configured (OpenSearch or Elasticsearch), None for the embedded
        store."""
        return self.opensearch_url or self.elasticsearch_url

    @property
    def topics(self) -> tuple[str, ...]:
        return (self.tender_events_topic, self.alerts_topic, self.dead_letter_topic)

    @property
    def webhooks_may_use_loopback(self) -> bool:
        if self.webhook_allow_loopback is not None:
            return self.webhook_allow_loopback
        return not self.kafka_bootstrap_servers and not self.search_cluster_url

    @property
    def alerts_path(self) -> Path:
        return self.data_dir / ALERTS_FILE

    @property
    def state_path(self) -> Path:
        return self.data_dir / STATE_FILE

    def today(self) -> date:
        """Today in Amsterdam, by the frozen clock (TENDERWATCH_NOW) or the wall clock."""
        return (self.now or datetime.now(UTC)).astimezone(AMSTERDAM).date()

    def user_agent(self) -> str:
        return f"tenderwatch/{version()} (+{self.contact_url})"


def environment(settings: BaseSettings) -> dict[str, str]:
    """The settings as `TENDERWATCH_*` variables (None left out): what a child process (a
    crawl) or Scrapy's settings are given, read back by `settings_from`. The one place
    settings become strings."""

    def text(value: object) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, datetime):
            return value.isoformat()
        return str(value)

    return {
        f"TENDERWATCH_{name.upper()}": text(value)
        for name, value in settings
        if value is not None and name in type(settings).model_fields
    }


def settings_from(settings_class: type[Settings], variables: Mapping[str, object]) -> Settings:
    """Settings of `settings_class` from `TENDERWATCH_*` values (a Scrapy settings object, a
    dict of `environment`)."""
    values = {
        name: variables.get(f"TENDERWATCH_{name.upper()}") for name in settings_class.model_fields
    }
    return settings_class(**{name: value for name, value in values.items() if value is not None})
