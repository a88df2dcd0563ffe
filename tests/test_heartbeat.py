"""`health` after a process stopped: cleanly when asked (the end of `run --once`) is healthy
until --max-age; with a fault, or gone without saying so, it is not. Real processes beat."""

from __future__ import annotations

import subprocess
import sys

from tenderwatch.common.health import check
from tenderwatch.common.settings import Settings


def beat_then_exit(data_dir, last: str, fault: str | None = None) -> None:
    script = (
        "from tenderwatch.common.settings import Settings; from tenderwatch.common import health; "
        f"health.report_fault({fault!r}) if {fault!r} else None; "
        f"heartbeat = health.Heartbeat(Settings(data_dir={str(data_dir)!r}), 'alerts'); "
        f"heartbeat.{last}()"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_a_process_that_stopped_cleanly_is_healthy_until_max_age(tmp_path):
    settings = Settings(data_dir=tmp_path)
    beat_then_exit(tmp_path, "finish")
    report = check(settings, "alerts", max_age_s=60)
    assert report.healthy and "stopped cleanly" in report.message
    assert not check(settings, "alerts", max_age_s=-1).healthy


def test_a_fault_or_an_exit_without_finishing_is_unhealthy(tmp_path):
    settings = Settings(data_dir=tmp_path)
    beat_then_exit(tmp_path, "finish", fault="worker-Deliverer died")
    report = check(settings, "alerts", max_age_s=60)
    assert not report.healthy and "worker-Deliverer died" in report.message
    beat_then_exit(tmp_path, "beat")
    report = check(settings, "alerts", max_age_s=60)
    assert not report.healthy and "has exited" in report.message
