"""The tender store on OpenSearch (2.x): `opensearch-py` adapted to `ClusterCalls` (the
official Elasticsearch client refuses OpenSearch). Everything else is shared with
Elasticsearch in `consumers.store.cluster`."""

from __future__ import annotations

from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as OpenSearchConnectionError
from opensearchpy.exceptions import TransportError

from consumers.store.base import StoreUnavailable
from consumers.store.cluster import (
    ACCESS_REFUSED_STATUS,
    RETRIABLE_STATUS,
    AccessRefused,
    ClusterRefused,
    ClusterStore,
)
from tenderwatch.common.settings import Settings


def client_from_settings(settings: Settings, **options: Any) -> OpenSearch:
    auth: dict[str, Any] = {}
    if settings.opensearch_username:
        auth["http_auth"] = (settings.opensearch_username, settings.opensearch_password or "")
    if settings.opensearch_ca_certs:
        auth["ca_certs"] = str(settings.opensearch_ca_certs)
    return OpenSearch(settings.opensearch_url, timeout=30, **auth, **options)


class OpenSearchCalls:
    def __init__(self, client: OpenSearch) -> None:
        self.client = client

    def _call(self, call, **kwargs: Any) -> Any:
        try:
            return call(**kwargs)
        except OpenSearchConnectionError as exc:
            raise StoreUnavailable(str(exc)) from exc
        except TransportError as exc:  # opensearch-py: every answer with an error status
            status = exc.status_code if isinstance(exc.status_code, int) else 0
            if status in RETRIABLE_STATUS:
                raise StoreUnavailable(f"{status}: {exc.error}") from exc
            if status in ACCESS_REFUSED_STATUS:
                raise AccessRefused(f"{status}: {exc.error}") from exc
            raise ClusterRefused(f"{status}: {exc.error} {exc.info}") from exc

    def put_index_template(self, name: str, body: dict[str, Any]) -> None:
        self._call(self.client.indices.put_index_template, name=name, body=body)

    def alias_exists(self, name: str) -> bool:
        return bool(self._call(self.client.indices.exists_alias, name=name))

    def index_exists(self, index: str) -> bool:
        return bool(self._call(self.client.indices.exists, index=index))

    def create_index(self, index: str, body: dict[str, Any] | None = None) -> None:
        self._call(self.client.indices.create, index=index, body=body or {})

    def put_write_alias(self, index: str, alias: str) -> None:
        self._call(
            self.client.indices.put_alias, index=index, name=alias, body={"is_write_index": True}
        )

    def refresh(self, indices: list[str]) -> None:
        self._call(self.client.indices.refresh, index=",".join(indices))

    def alias_indices(self, alias: str) -> list[str]:
        return sorted(self._call(self.client.indices.get_alias, name=alias))

    def reindex(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._call(
            self.client.reindex,
            body=body,
            params={"wait_for_completion": "true", "refresh": "true"},
        )

    def update_aliases(self, actions: list[dict[str, Any]]) -> None:
        self._call(self.client.indices.update_aliases, body={"actions": actions})

    def bulk(self, operations: list[dict[str, Any]]) -> dict[str, Any]:
        return self._call(self.client.bulk, body=operations)

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call(self.client.search, index=index, body=body)

    def close(self) -> None:
        self.client.close()


class OpenSearchStore(ClusterStore):
    name = "opensearch"

    def __init__(
        self,
        client: OpenSearch,
        alias: str = "tenders",
        version: int = 1,
        template: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(OpenSearchCalls(client), alias, version, template)
        self.client = client

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenSearchStore:
        return cls(
            client_from_settings(settings),
            settings.elasticsearch_index_alias,
            settings.elasticsearch_index_version,
        )
