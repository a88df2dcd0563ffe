"""Saved searches through the real command line and `tenderwatch run --once` against the replica:
a real webhook receiver and a real SMTP server get exactly the matching alerts, once each."""

from __future__ import annotations

import json

import pytest

from crawler.sources.flextender.replica import FlextenderReplica
from tests.alerts.peers import SmtpServer, WebhookReceiver
from tests.kafka.test_search_after_run import SEED_TIME, tenderwatch

pytestmark = pytest.mark.slow  # whole run --once cycles against replicas: tens of seconds each

SECRET = "e2e-webhook-secret-0123456789"


def test_two_cycles_fire_exactly_the_matching_searches_once_and_a_third_fires_nothing(tmp_path):
    data_dir = str(tmp_path / "data")
    with FlextenderReplica() as site, WebhookReceiver(SECRET) as receiver, SmtpServer() as smtp:
        env = {
            "TENDERWATCH_NOW": SEED_TIME,
            "TENDERWATCH_AUTOTHROTTLE_START_DELAY": "0",
            "TENDERWATCH_LOG_FORMAT": "json",
            "TENDERWATCH_SMTP_HOST": "127.0.0.1",
            "TENDERWATCH_SMTP_PORT": str(smtp.port),
            "TENDERWATCH_SMTP_SECURITY": "none",
        }
        searches = {
            "overijssel": (
                "--webhook",
                receiver.url,
                "--webhook-secret",
                SECRET,
                "--region",
                "Overijssel",
            ),
            "coordinator": ("--email", "anna@example.nl", "--keyword", "coördinatoren"),
            "scale13": ("--email", "bram@example.nl", "--pay-scale-min", "13"),
        }
        ids = {}
        for name, options in searches.items():
            added = tenderwatch(
                "saved-search", "add", "--name", name, *options, "--data-dir", data_dir
            )
            assert added.returncode == 0, added.stderr
            ids[name] = added.stdout.strip()
        listed = tenderwatch("saved-search", "list", "--json", "--data-dir", data_dir)
        assert sorted(item["name"] for item in json.loads(listed.stdout)) == sorted(searches)

        def cycle() -> None:
            result = tenderwatch(
                "run",
                "--once",
                "--base-url",
                site.url,
                "--api-url",
                site.url,
                "--data-dir",
                data_dir,
                env=env,
            )
            assert result.returncode == 0, result.stderr[-3000:]

        site.listed = ["28671", "30922"]
        cycle()
        assert sorted(call.body["tender"]["external_id"] for call in receiver.wait_for(2)) == [
            "28671",
            "30922",
        ]
        assert smtp.messages == []

        site.listed = ["28671", "30922", "31050"]  # one new listing
        cycle()
        calls = receiver.wait_for(3)
        assert sorted(call.body["tender"]["external_id"] for call in calls) == [
            "28671",
            "30922",
            "31050",
        ]
        assert all(
            call.signature_valid and call.body["saved_search"]["id"] == ids["overijssel"]
            for call in calls
        )
        (mail,) = smtp.wait_for(1)
        assert mail["To"] == "anna@example.nl" and "Coördinator Sectorale Aanpak" in mail["Subject"]

        cycle()  # nothing changed on the site
        assert len(receiver.calls) == 3 and len(smtp.messages) == 1
    assert receiver.attempts == 3
    beats = sorted(
        path.name.rsplit("-", 1)[0] for path in (tmp_path / "data" / "heartbeats").iterdir()
    )
    assert beats == ["alerts", "crawler", "indexer", "snapshot"]  # what `tenderwatch health` checks


def test_a_search_saved_after_the_crawl_says_what_already_matches_and_can_be_told_once(tmp_path):
    data_dir = str(tmp_path / "data")
    mail = tmp_path / "data" / "mail"
    env = {
        "TENDERWATCH_NOW": SEED_TIME,
        "TENDERWATCH_AUTOTHROTTLE_START_DELAY": "0",
        "TENDERWATCH_LOG_FORMAT": "json",
    }
    with FlextenderReplica() as site:

        def cycle() -> None:
            result = tenderwatch(
                "run",
                "--once",
                "--base-url",
                site.url,
                "--api-url",
                site.url,
                "--data-dir",
                data_dir,
                env=env,
            )
            assert result.returncode == 0, result.stderr[-3000:]

        cycle()  # three open tenders indexed, no saved search yet
        quiet = tenderwatch(
            "saved-search",
            "add",
            "--name",
            "quiet",
            "--email",
            "anna@example.nl",
            "--region",
            "Overijssel",
            "--data-dir",
            data_dir,
            env=env,
        )
        assert quiet.returncode == 0, quiet.stderr
        assert "3 tenders indexed already match: add --notify-existing" in quiet.stderr
        told = tenderwatch(
            "saved-search",
            "add",
            "--name",
            "told",
            "--email",
            "bram@example.nl",
            "--keyword",
            "procesregisseur",
            "--notify-existing",
            "--data-dir",
            data_dir,
            env=env,
        )
        assert told.returncode == 0, told.stderr
        assert "1 alert queued" in told.stderr
        again = tenderwatch(
            "saved-search",
            "add",
            "--name",
            "told twice",
            "--email",
            "bram@example.nl",
            "--keyword",
            "procesregisseur",
            "--notify-existing",
            "--data-dir",
            data_dir,
            env=env,
        )
        assert "1 alert queued" in again.stderr  # its own search: its own alert

        cycle()  # nothing changed on the site: only the queued alerts go out
        mails = sorted(path.read_bytes() for path in mail.glob("*.eml"))
        assert len(mails) == 2
        assert all(
            b"To: bram@example.nl" in message and b"Procesregisseur" in message for message in mails
        )
        cycle()
        assert len(list(mail.glob("*.eml"))) == 2  # sent once
