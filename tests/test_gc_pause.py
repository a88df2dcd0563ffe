"""The counted pause of the cyclic garbage collector used by the consume loop."""

from __future__ import annotations

import gc
import threading

from consumers.gc_pause import collector_paused, collector_resumed


def test_paused_inside_and_enabled_again_after():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_enabled_again_after_an_exception():
    try:
        with collector_paused():
            raise RuntimeError("handler failed")
    except RuntimeError:
        pass
    assert gc.isenabled()


def test_a_wait_inside_a_batch_lets_the_collector_run():
    with collector_paused():
        with collector_resumed():
            assert gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_stays_paused_until_the_last_of_two_threads_ends_its_batch():
    first_in, second_done, first_may_leave = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def first() -> None:
        with collector_paused():
            first_in.set()
            first_may_leave.wait(5)

    def second() -> None:
        first_in.wait(5)
        with collector_paused():
            pass
        seen["after_second"] = gc.isenabled()
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    second_done.wait(5)
    seen["while_first_busy"] = gc.isenabled()
    first_may_leave.set()
    for thread in threads:
        thread.join(5)
    assert seen == {"after_second": False, "while_first_busy": False}
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_application_stays_off():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
