"""Child processes of `tenderwatch run` (the embedded broker, each crawl): started apart from
the terminal's signals and stopped in a bounded time.

- Each child gets a session of its own, so a Ctrl-C (SIGINT to the terminal's foreground
  group) or `timeout`'s SIGTERM to the whole group reaches `run` alone, and `run` stops its
  children in the right order: the crawl, the consumers, then the broker.
- Each child dies with `run` (Linux `PR_SET_PDEATHSIG`), so a `kill -9` of `run` leaves
  nothing behind. A Python child asks for it itself (`die_with_parent`); a binary child gets
  it between fork and exec.
- Every child starts with SIGTERM and SIGINT at their defaults: a signal `run` inherited as
  ignored (`nohup`, some supervisors) is not passed on.
- `stop()`: SIGTERM, wait, SIGKILL, wait: each step logged, never a loop.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Sequence

import structlog

log = structlog.get_logger(__name__)

PR_SET_PDEATHSIG = 1
PARENT_PID_VARIABLE = "TENDERWATCH_PARENT_PID"
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _reset_signals_and_die_with_parent() -> None:
    """Runs in the child between fork and exec: only async-signal-safe work, prepared beforehand."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if _libc is not None:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def spawn_binary(argv: Sequence[str], **popen_kwargs) -> subprocess.Popen:
    """A non-Python child (the broker): own session, default signals, dies with this process.

    `preexec_fn` runs between fork and exec, which is unsafe while other threads hold locks:
    `run` starts the broker before it starts any thread, and the function only makes two
    signal calls and one prctl, prepared beforehand."""
    return subprocess.Popen(
        list(argv),
        start_new_session=True,
        preexec_fn=_reset_signals_and_die_with_parent,  # noqa: PLW1509 - see the docstring
        **popen_kwargs,
    )


def spawn_python(argv: Sequence[str], env: dict[str, str], **popen_kwargs) -> subprocess.Popen:
    """A Python child of ours (a crawl): own session; it calls `die_with_parent()` itself, so
    no Python code runs between fork and exec while consumer threads hold locks."""
    return subprocess.Popen(
        list(argv),
        start_new_session=True,
        env={**env, PARENT_PID_VARIABLE: str(os.getpid())},
        **popen_kwargs,
    )


def die_with_parent() -> None:
    """In a child started by `spawn_python`: SIGKILL when the parent dies, default SIGTERM and
    SIGINT; exit at once if the parent is already gone."""
    parent = os.environ.pop(PARENT_PID_VARIABLE, None)
    if parent is None:
        return
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if _libc is not None:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != int(parent):
        os._exit(1)


def stop(
    child: subprocess.Popen, name: str, grace_s: float = 10.0, kill_wait_s: float = 5.0
) -> int | None:
    """Stop `child` in bounded time (at most grace_s + kill_wait_s): SIGTERM, wait, SIGKILL.
    Returns its exit code (None if even SIGKILL did not end it in time)."""
    if child.poll() is not None:
        return child.returncode
    log.info("child_stopping", child=name, pid=child.pid, signal="SIGTERM", grace_s=grace_s)
    child.terminate()
    try:
        code = child.wait(timeout=grace_s)
        log.info("child_stopped", child=name, pid=child.pid, exit_code=code)
        return code
    except subprocess.TimeoutExpired:
        log.warning("child_ignored_sigterm_killing", child=name, pid=child.pid, waited_s=grace_s)
    child.kill()
    try:
        code = child.wait(timeout=kill_wait_s)
        log.info("child_killed", child=name, pid=child.pid, exit_code=code)
        return code
    except subprocess.TimeoutExpired:
        log.error("child_survived_sigkill", child=name, pid=child.pid)
        return None
