"""A local replica of Flextender built from the seed listings, for tests, demos and offline work."""

from crawler.replica.server import FlextenderReplica

__all__ = ["FlextenderReplica"]
