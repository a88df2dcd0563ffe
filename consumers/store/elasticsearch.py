"""The tender store on Elasticsearch (8.x/9.x): the official client adapted to `ClusterCalls`.
Everything else is shared with OpenSearch in `consumers.store.cluster`."""

from __future__ import annotations

from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError, UnsupportedProductError

from consumers.store.base import StoreUnavailable
from consumers.store.cluster import (
    ACCESS_REFUSED_STATUS,
    RETRIABLE_STATUS,
    AccessRefused,
    ClusterRefused,
    ClusterStore,
    index_template,
)
from tenderwatch.common.settings import Settings

__all__ = ["ElasticsearchCalls", "ElasticsearchStore", "client_from_settings", "index_template"]


def client_from_settings(settings: Settings, **options: Any) -> Elasticsearch:
    auth: dict[str, Any] = {}
    if settings.elasticsearch_api_key:
        auth["api_key"] = settings.elasticsearch_api_key
    elif settings.elasticsearch_username:
        auth["basic_auth"] = (
            settings.elasticsearch_username,
            settings.elasticsearch_password or "",
        )
    if settings.elasticsearch_ca_certs:
        auth["ca_certs"] = str(settings.elasticsearch_ca_certs)
    return Elasticsearch(settings.elasticsearch_url, request_timeout=30, **auth, **options)


class ElasticsearchCalls:
    def __init__(self, client: Elasticsearch) -> None:
        self.client = client

    def _call(self, call, *args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except TransportError as exc:
            raise StoreUnavailable(str(exc)) from exc
        except UnsupportedProductError as exc:
            raise ClusterRefused(
                f"{exc} (an OpenSearch cluster is set with TENDERWATCH_OPENSEARCH_URL)"
            ) from exc
        except ApiError as exc:
            if exc.meta.status in RETRIABLE_STATUS:
                raise StoreUnavailable(f"{exc.meta.status}: {exc.message}") from exc
            if exc.meta.status in ACCESS_REFUSED_STATUS:
                raise AccessRefused(f"{exc.meta.status}: {exc.message}") from exc
            raise ClusterRefused(f"{exc.meta.status}: {exc.message} {exc.body}") from exc

    def put_index_template(self, name: str, body: dict[str, Any]) -> None:
        self._call(self.client.indices.put_index_template, name=name, **body)

    def alias_exists(self, name: str) -> bool:
        return bool(self._call(self.client.indices.exists_alias, name=name))

    def index_exists(self, index: str) -> bool:
        return bool(self._call(self.client.indices.exists, index=index))

    def create_index(self, index: str, body: dict[str, Any] | None = None) -> None:
        self._call(self.client.indices.create, index=index, **(body or {}))

    def put_write_alias(self, index: str, alias: str) -> None:
        self._call(self.client.indices.put_alias, index=index, name=alias, is_write_index=True)

    def refresh(self, indices: list[str]) -> None:
        self._call(self.client.indices.refresh, index=",".join(indices))

    def alias_indices(self, alias: str) -> list[str]:
        return sorted(self._call(self.client.indices.get_alias, name=alias).body)

    def reindex(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._call(self.client.reindex, **body, wait_for_completion=True, refresh=True).body

    def update_aliases(self, actions: list[dict[str, Any]]) -> None:
        self._call(self.client.indices.update_aliases, actions=actions)

    def bulk(self, operations: list[dict[str, Any]]) -> dict[str, Any]:
        return self._call(self.client.bulk, operations=operations).body

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        arguments = {("from_" if key == "from" else key): value for key, value in body.items()}
        return self._call(self.client.search, index=index, **arguments).body

    def close(self) -> None:
        self.client.close()


class ElasticsearchStore(ClusterStore):
    name = "elasticsearch"

    def __init__(
        self,
        client: Elasticsearch,
        alias: str = "tenders",
        version: int = 1,
        template: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(ElasticsearchCalls(client), alias, version, template)
        self.client = client

    @classmethod
    def from_settings(cls, settings: Settings) -> ElasticsearchStore:
        return cls(
            client_from_settings(settings),
            settings.elasticsearch_index_alias,
            settings.elasticsearch_index_version,
        )
