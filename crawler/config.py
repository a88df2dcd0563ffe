"""Settings from the environment (prefix `TENDERWATCH_`), with defaults that work on one machine."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from crawler.pages.flextender import DEFAULT_API_URL, DEFAULT_BASE_URL


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TENDERWATCH_", extra="ignore")

    data_dir: Path = Field(Path(".tenderwatch"), description="Everything that must survive a restart")
    flextender_base_url: str = Field(DEFAULT_BASE_URL, description="www site: listing, AJAX, detail pages")
    flextender_api_url: str = Field(DEFAULT_API_URL, description="JSON API host")
    contact_url: str = Field(
        "https://github.com/tenderwatch/tenderwatch", description="Put in the User-Agent so sites can reach us"
    )
    concurrent_requests_per_domain: int = Field(4, ge=1, le=4)
    autothrottle_start_delay: float = Field(1.0, ge=0, description="Initial delay between requests to one site (s)")
    retry_backoff_base: float = Field(1.0, ge=0, description="First retry waits this long (s), doubling after")
    kafka_bootstrap_servers: str | None = Field(
        None, description="host:port[,host:port]; unset → `run` starts the embedded broker"
    )
    kafka_client_id: str = "tenderwatch"
    tender_events_topic: str = "tenderwatch.tender-events"
    alerts_topic: str = "tenderwatch.alerts"
    dead_letter_topic: str = "tenderwatch.dead-letters"
    topic_partitions: int = Field(4, ge=1, description="Partitions of new topics: the most consumers of one group that get work")
    topic_replication_factor: int = Field(1, ge=1)
    consumer_max_records: int = Field(500, ge=1, description="Most records a consumer handles as one batch")
    elasticsearch_url: str | None = Field(None, description="Use Elasticsearch instead of the embedded store")
    elasticsearch_api_key: str | None = Field(None, repr=False)
    elasticsearch_username: str | None = None
    elasticsearch_password: str | None = Field(None, repr=False)
    elasticsearch_ca_certs: Path | None = Field(None, description="CA certificate (PEM) of the cluster")
    elasticsearch_index_alias: str = "tenders"
    elasticsearch_index_version: int = Field(1, ge=1, description="tenders-v<N> behind the alias")
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: str = "INFO"
    now: datetime | None = Field(
        None,
        description="Freeze the clock (ISO 8601) to replay archived pages; leave unset in production",
    )

    @property
    def topics(self) -> tuple[str, ...]:
        return (self.tender_events_topic, self.alerts_topic, self.dead_letter_topic)

    @property
    def state_path(self) -> Path:
        from crawler.state import STATE_FILE

        return self.data_dir / STATE_FILE

    def user_agent(self) -> str:
        from crawler import __version__

        return f"tenderwatch/{__version__} (+{self.contact_url})"
