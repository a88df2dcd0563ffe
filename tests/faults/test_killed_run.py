"""`tenderwatch run` on the embedded default, its whole process tree (run, the embedded broker,
the crawl child) SIGKILLed at 20 random moments while it crawls a replica whose listings
change between the kills (new, updated, closed), restarted each time. At the end every
listing's last state is in the search store and every expected alert was delivered, with one
alert id per (saved search, tender). A power cut cannot be produced for real here; SIGKILL of
every process at once is what it does to them."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

import psutil
import pytest

from consumers.alerts.repository import AlertRepository
from consumers.store.embedded import EmbeddedStore
from crawler.sources.flextender.replica import FlextenderReplica
from crawler.sources.flextender.replica.server import open_copy, title_word

KILLS = 20


def page(number: int, scale: str = "11") -> str:
    return open_copy(number, pay_scale=scale)


def kill_tree(process: subprocess.Popen) -> int:
    """SIGKILL `process` and every descendant at once; returns how many processes were killed."""
    try:
        root = psutil.Process(process.pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for member in tree:
        try:
            member.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(tree, timeout=10)
    process.wait(timeout=10)
    return len(tree)


def open_in_crawl_state(data_dir) -> set[str]:
    """Listings the crawler has recorded open (so their events are in its outbox or beyond)."""
    path = data_dir / "crawler-state.sqlite3"
    if not path.exists():
        return set()
    connection = sqlite3.connect(path)
    try:
        return {
            external_id
            for (external_id,) in connection.execute(
                "SELECT external_id FROM listings WHERE status = 'open'"
            )
        }
    except sqlite3.OperationalError:  # killed before the tables existed
        return set()
    finally:
        connection.close()


@pytest.mark.timeout(600)
def test_sigkill_of_the_whole_run_at_20_moments_loses_nothing(tmp_path, fault_report):
    seed = int(os.environ.get("TENDERWATCH_KILL_SEED", "20261128"))
    rng = random.Random(seed)
    data_dir = tmp_path / "data"
    pages = {str(60000 + number): page(60000 + number) for number in range(6)}
    scales = dict.fromkeys(pages, "11")
    with FlextenderReplica(pages=pages) as site:
        env = {
            **os.environ,
            "TENDERWATCH_DATA_DIR": str(data_dir),
            "TENDERWATCH_AUTOTHROTTLE_START_DELAY": "0",
            "TENDERWATCH_LOG_FORMAT": "json",
            "TENDERWATCH_FLEXTENDER_BASE_URL": site.url,
            "TENDERWATCH_FLEXTENDER_API_URL": site.url,
        }
        env.pop("TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS", None)  # the embedded default
        subprocess.run(
            [
                sys.executable,
                "-m",
                "tenderwatch.cli",
                "saved-search",
                "add",
                "--name",
                "regisseurs",
                "--email",
                "anna@example.nl",
                "--keyword",
                "procesregisseur",
            ],
            env=env,
            check=True,
            capture_output=True,
            timeout=60,
        )
        next_number = 60000 + len(pages)
        killed_processes, moments = 0, []
        for _ in range(KILLS):
            log = open(tmp_path / "run.log", "ab")  # noqa: SIM115 - handed to the child
            run = subprocess.Popen(
                [sys.executable, "-m", "tenderwatch.cli", "run", "--interval", "1s"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )
            log.close()
            moment = rng.uniform(0.5, 9.0)
            moments.append(round(moment, 1))
            time.sleep(moment)
            killed_processes += kill_tree(run)
            # The replica changes while nothing runs: a new listing, a changed one, a closed one.
            site.pages[str(next_number)] = page(next_number)
            scales[str(next_number)] = "11"
            site.listed = [*site.listed, str(next_number)]
            next_number += 1
            still_open = [number for number in site.listed if number not in site.expired]
            changed = rng.choice(still_open)
            scales[changed] = rng.choice(["9", "10", "12", "13"])
            site.pages[changed] = page(int(changed), scales[changed])
            closable = sorted(open_in_crawl_state(data_dir) & set(still_open) - {changed})
            if closable and rng.random() < 0.6:
                closed = rng.choice(closable)
                site.expired.add(closed)
                site.listed = [number for number in site.listed if number != closed]
        settle = subprocess.run(
            [sys.executable, "-m", "tenderwatch.cli", "run", "--once"],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert settle.returncode == 0, settle.stderr[-3000:]

    store = EmbeddedStore.in_data_dir(data_dir)
    store.setup()
    wrong_state = []
    for number in site.pages:
        tender = store.get(f"flextender:{number}")
        expected_status = "expired" if number in site.expired else "open"
        if (
            tender is None
            or tender.status != expected_status
            or tender.pay_scale.label != scales[number]
        ):
            wrong_state.append(
                (
                    number,
                    tender and (tender.status, tender.pay_scale.label),
                    expected_status,
                    scales[number],
                )
            )
    store.close()
    repository = AlertRepository.in_data_dir(data_dir)
    alerts = repository.alerts()
    delivered = {
        delivery.alert_id
        for delivery in repository.deliveries()
        if delivery.status == "delivered" and delivery.channel == "email"
    }
    repository.close()
    ids_per_tender = Counter(alert.tender.id for alert in alerts)
    expected_alerts = {
        f"flextender:{number}" for number in site.pages
    }  # every listing was open when added
    mails = [
        path.read_text(encoding="utf-8", errors="replace")
        for path in (data_dir / "mail").glob("*.eml")
    ]
    mails_per_tender = {
        tender_id: sum(title_word(int(tender_id.split(":")[1])) in mail for mail in mails)
        for tender_id in expected_alerts
    }
    lost = (
        len(wrong_state)
        + len(expected_alerts - set(ids_per_tender))
        + len({alert.id for alert in alerts} - delivered)
    )
    second_ids = sum(count - 1 for count in ids_per_tender.values())
    repeated = sum(max(0, count - 1) for count in mails_per_tender.values())
    result = fault_report(
        events_in=len(site.pages),
        events_out=len(site.pages) - len(wrong_state),
        lost=lost,
        duplicated=second_ids,
        note=f"{KILLS} SIGKILLs of {killed_processes} processes at {min(moments)}-{max(moments)} "
        f"s (seed {seed}); "
        f"{len(alerts)} alerts, {len(mails)} mails, {repeated} repeated deliveries of one alert id",
    )
    assert wrong_state == []
    assert set(ids_per_tender) == expected_alerts and second_ids == 0
    assert {alert.id for alert in alerts} <= delivered
    assert all(count >= 1 for count in mails_per_tender.values())
    assert (result.lost, result.duplicated) == (0, 0)
