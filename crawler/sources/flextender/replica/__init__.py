"""A local replica of Flextender built from the seed listings, for tests, demos and offline work."""

from crawler.sources.flextender.replica.server import FlextenderReplica

__all__ = ["FlextenderReplica"]
