"""Heartbeats: long-running processes touch a file now and then; `tenderwatch health NAME`
(a container healthcheck) says whether it is recent. One file per process and host, so
scaled containers that share a volume do not vouch for each other.

A heartbeat file holds `{"pid": ..., "fault": ...}`. A process that is alive but no longer
able to work (its embedded broker died, a consumer thread died) calls `report_fault()`: from
then on every heartbeat of the process carries the fault, and `health` says unhealthy at
once instead of after `--max-age`. A heartbeat whose process is gone is unhealthy too, unless
its last beat says it stopped cleanly when asked (`finish()`: the end of `run --once`).
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from tenderwatch.common.settings import Settings

BEAT_EVERY_S = 5.0
PROCESSES = ("crawler", "snapshot", "indexer", "alerts")

_process_fault: str | None = None


def heartbeat_path(settings: Settings, name: str) -> Path:
    return Path(settings.data_dir) / "heartbeats" / f"{name}-{socket.gethostname()}"


def report_fault(reason: str) -> None:
    """This process can no longer do its work: every heartbeat it writes says so from now on."""
    global _process_fault
    _process_fault = reason


class Heartbeat:
    def __init__(self, settings: Settings, name: str) -> None:
        self.path = heartbeat_path(settings, name)
        self._next = 0.0
        self._fault_written: str | None = None
        self.details: dict = {}  # written with every beat (the crawler: each source's health)

    def beat(self, force: bool = False) -> None:
        now = time.monotonic()
        if now < self._next and _process_fault == self._fault_written and not force:
            return
        self._next = now + BEAT_EVERY_S
        self._fault_written = _process_fault
        self._write({"pid": os.getpid(), "fault": _process_fault, **self.details})

    def finish(self) -> None:
        """The last beat of a process that stops because it was asked to (the end of `run
        --once`, a SIGTERM): `health` calls it healthy until the beat is older than `--max-age`,
        unless the process had reported a fault."""
        self._write({"pid": os.getpid(), "fault": _process_fault, "finished": True, **self.details})

    def _write(self, beat: dict) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(beat), encoding="utf-8")
        except (
            OSError
        ):  # a read-only or full disk must not stop the work; the healthcheck will tell
            pass


@dataclass(frozen=True)
class HealthReport:
    healthy: bool
    message: str
    details: dict | None = None


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie has exited; only its parent has not reaped it yet
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def check(settings: Settings, name: str, max_age_s: float) -> HealthReport:
    """Healthy when NAME beat within max_age_s, reported no fault, and its process still runs."""
    path = heartbeat_path(settings, name)
    try:
        age = time.time() - path.stat().st_mtime
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return HealthReport(
            False, "no heartbeat (not started on this host, or under another data directory)"
        )
    try:
        beat = json.loads(content) if content.strip() else {}
    except ValueError:
        beat = {}
    if not isinstance(beat, dict):
        beat = {}
    details = {
        key: value for key, value in beat.items() if key not in ("pid", "fault", "finished")
    } or None
    if beat.get("fault"):
        return HealthReport(False, f"unhealthy: {beat['fault']}", details)
    if beat.get("finished") is True:
        if age > max_age_s:
            return HealthReport(
                False, f"stopped cleanly {age:.0f} s ago, longer than --max-age", details
            )
        return HealthReport(True, f"stopped cleanly ({age:.0f} s ago)", details)
    pid = beat.get("pid")
    if isinstance(pid, int) and not _process_alive(pid):
        return HealthReport(
            False, f"process {pid} has exited (last heartbeat {age:.0f} s ago)", details
        )
    if age > max_age_s:
        return HealthReport(False, f"last heartbeat {age:.0f} s ago", details)
    return HealthReport(True, f"alive ({age:.0f} s ago)", details)
