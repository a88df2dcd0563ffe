"""Child processes stop in bounded time and never inherit an ignored SIGTERM (real processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from tenderwatch.common import children
from tenderwatch.common.settings import Settings
from tenderwatch.runner import Runner

STUBBORN = [
    sys.executable,
    "-c",
    (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', flush=True); time.sleep(600)"
    ),
]


def ignored_signals(pid: int) -> int:
    """The SigIgn mask of a process (bit n-1 set: signal n ignored)."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("SigIgn:"):
            return int(line.split()[1], 16)
    raise AssertionError(f"no SigIgn for {pid}")


def sigterm_ignored(pid: int) -> bool:
    return bool(ignored_signals(pid) & (1 << (signal.SIGTERM - 1)))


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"


def test_stop_escalates_to_sigkill_when_sigterm_is_ignored():
    child = subprocess.Popen(STUBBORN, stdout=subprocess.PIPE)
    assert child.stdout.readline() == b"ready\n"
    started = time.monotonic()
    code = children.stop(child, "stubborn", grace_s=1.0, kill_wait_s=5.0)
    assert time.monotonic() - started < 4.0
    assert code == -signal.SIGKILL and child.poll() == -signal.SIGKILL


def test_stop_of_a_child_that_obeys_sends_sigterm_only():
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; print('ready', flush=True); time.sleep(600)"],
        stdout=subprocess.PIPE,
    )
    assert child.stdout.readline() == b"ready\n"
    assert children.stop(child, "obedient", grace_s=5.0) == -signal.SIGTERM


def test_children_do_not_inherit_an_ignored_sigterm_and_die_with_their_parent(tmp_path):
    """A parent that runs with SIGTERM ignored (as under some supervisors) starts a binary child
    and a Python child; neither ignores SIGTERM, and both die when the parent is SIGKILLed."""
    script = textwrap.dedent(f"""
        import os, signal, sys, time
        sys.path.insert(0, {os.getcwd()!r})
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        from tenderwatch.common import children
        binary = children.spawn_binary(["sleep", "600"])
        python = children.spawn_python([sys.executable, "-c",
            "from tenderwatch.common.children import die_with_parent; die_with_parent(); "
            "import time; print('child ready', flush=True); time.sleep(600)"], env=dict(os.environ))
        print(binary.pid, python.pid, flush=True)
        time.sleep(600)
    """)
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, cwd=os.getcwd()
    )
    try:
        binary_pid, python_pid = (int(pid) for pid in parent.stdout.readline().split())
        assert parent.stdout.readline() == b"child ready\n"
        assert sigterm_ignored(parent.pid), "the test parent should ignore SIGTERM"
        assert not sigterm_ignored(binary_pid) and not sigterm_ignored(python_pid)
        assert (
            os.getsid(binary_pid) == binary_pid and os.getsid(python_pid) == python_pid
        )  # sessions of their own
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (gone(binary_pid) and gone(python_pid)):
        time.sleep(0.05)
    assert gone(binary_pid) and gone(python_pid), "children outlived a SIGKILLed parent"


class StubbornCrawlRunner(Runner):
    """A crawl child that ignores SIGTERM, as the Scrapy child did once its reactor had stopped."""

    def crawl_argv(self, source: str) -> list[str]:
        return STUBBORN


@pytest.mark.timeout(60)
def test_a_stop_ends_a_crawl_that_ignores_sigterm_in_bounded_time(tmp_path, monkeypatch):
    monkeypatch.setattr("tenderwatch.runner.CRAWL_STOP_GRACE_S", 1.0)
    runner = StubbornCrawlRunner(Settings(data_dir=tmp_path), once=False, interval_s=60)
    outcome: dict = {}

    def crawl() -> None:
        outcome["code"] = runner.crawl(runner.settings)

    thread = threading.Thread(target=crawl)
    thread.start()
    time.sleep(1.0)  # the child is running
    stop_at = time.monotonic()
    runner.request_stop()
    thread.join(timeout=15)
    assert not thread.is_alive(), "the stop did not end the crawl"
    assert time.monotonic() - stop_at < 8.0
    assert outcome["code"] == -signal.SIGKILL
