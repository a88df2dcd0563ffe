"""Which store the settings name: the one place that picks an adapter of the store port."""

from __future__ import annotations

from pathlib import Path

from consumers.store.base import TenderStore
from tenderwatch.common.settings import Settings


def open_store(settings: Settings) -> TenderStore:
    """OpenSearch or Elasticsearch when TENDERWATCH_OPENSEARCH_URL or _ELASTICSEARCH_URL is set,
    otherwise the embedded store."""
    if settings.opensearch_url:
        from consumers.store.opensearch import OpenSearchStore

        return OpenSearchStore.from_settings(settings)
    if settings.elasticsearch_url:
        from consumers.store.elasticsearch import ElasticsearchStore

        return ElasticsearchStore.from_settings(settings)
    from consumers.store.embedded import EmbeddedStore

    return EmbeddedStore.in_data_dir(settings.data_dir)


def store_exists(settings: Settings) -> bool:
    """Whether there is a store to search: a search cluster is assumed to be there when
    configured; the embedded store only once `run` has indexed into the data directory."""
    if settings.search_cluster_url:
        return True
    from consumers.store.embedded import STORE_FILE

    return (Path(settings.data_dir) / STORE_FILE).exists()
