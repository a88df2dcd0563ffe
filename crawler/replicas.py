"""Every registered source's replica served at once: what `tenderwatch demo`, `tenderwatch
replica` and the tests' `replicas` fixture start, and the settings that crawl them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from crawler.sources import SOURCES


@dataclass
class ServedReplicas:
    sites: dict[str, Any] = field(default_factory=dict)  # source name → its running replica

    def __getitem__(self, name: str) -> Any:
        return self.sites[name]

    def settings_values(self) -> dict[str, Any]:
        """Settings values (field → value) that crawl these replicas instead of the real hosts."""
        return {
            name: value
            for source, site in self._each()
            for name, value in source.replica_values(site.url).items()
        }

    def environment(self) -> dict[str, str]:
        """The same as `TENDERWATCH_*` variables, for a `tenderwatch` child process."""
        return {
            name: value
            for source, site in self._each()
            for name, value in source.replica_variables(site.url).items()
        }

    def described(self) -> list[str]:
        return [
            f"{source.name} replica on {site.url}: {site.summary()}"
            for source, site in self._each()
        ]

    def _each(self):
        return ((SOURCES[name], site) for name, site in self.sites.items())


@contextmanager
def serve_replicas(
    first_port: int = 0,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> Iterator[ServedReplicas]:
    """Start every source's replica, in the registry's order; `first_port` 0 picks free ports,
    otherwise the sources take the ports from it on. `options`: keyword arguments of one
    source's replica (e.g. the pages Flextender's serves). OSError when a port is taken."""
    served = ServedReplicas()
    with ExitStack() as stack:
        for index, (name, source) in enumerate(SOURCES.items()):
            port = first_port + index if first_port else 0
            served.sites[name] = stack.enter_context(
                source.replica_class()(port=port, **(options or {}).get(name, {}))
            )
        yield served
