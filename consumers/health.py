"""Heartbeats: long-running processes touch a file now and then; `tenderwatch health NAME`
(a container healthcheck) says whether it is recent. One file per process and host, so
scaled containers that share a volume do not vouch for each other."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from crawler.config import Settings

BEAT_EVERY_S = 5.0


def heartbeat_path(settings: Settings, name: str) -> Path:
    return Path(settings.data_dir) / "heartbeats" / f"{name}-{socket.gethostname()}"


class Heartbeat:
    def __init__(self, settings: Settings, name: str) -> None:
        self.path = heartbeat_path(settings, name)
        self._next = 0.0

    def beat(self) -> None:
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + BEAT_EVERY_S
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.touch()
        except OSError:  # a read-only or full disk must not stop the work; the healthcheck will tell
            pass


def seconds_since_beat(settings: Settings, name: str) -> float | None:
    try:
        return time.time() - heartbeat_path(settings, name).stat().st_mtime
    except FileNotFoundError:
        return None
