"""The saved-search API under bad input: oversized bodies, invalid filters, injection attempts
in keywords, another user's ids. Every one is refused with a 4xx and the stored data is
byte-for-byte what it was."""

from __future__ import annotations

import hashlib
import sqlite3

from fastapi.testclient import TestClient

from tenderwatch.web.app import create_app


def fingerprint(path) -> str:
    connection = sqlite3.connect(path)
    try:
        rows = [
            row
            for table in ("users", "saved_searches", "alerts", "deliveries")
            for row in connection.execute(f"SELECT * FROM {table} ORDER BY 1")
        ]  # noqa: S608 - fixed names
    finally:
        connection.close()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_the_api_refuses_bad_input_and_changes_nothing(settings, fault_report):
    settings = settings.model_copy(update={"webhook_allow_loopback": False})  # as in production
    app = create_app(settings)
    with TestClient(app) as api:
        repository = app.state.repository
        anna, bram = repository.add_user("anna"), repository.add_user("bram")
        as_anna, as_bram = {"Authorization": f"Bearer {anna}"}, {"Authorization": f"Bearer {bram}"}
        mine = api.post(
            "/saved-searches",
            headers=as_anna,
            json={
                "name": "mine",
                "email": "anna@example.nl",
                "filter": {"regions": ["Overijssel"]},
            },
        ).json()
        before = fingerprint(settings.alerts_path)
        valid = {"name": "x", "email": "a@example.nl"}
        attempts = [
            (
                "POST",
                "/saved-searches",
                {
                    "content": b'{"name": "' + b"x" * 40_000 + b'"}',
                    "headers": {**as_anna, "Content-Type": "application/json"},
                },
            ),
            (
                "POST",
                "/saved-searches",
                {
                    "content": b"[" * 20_000,
                    "headers": {**as_anna, "Content-Type": "application/json"},
                },
            ),
            (
                "POST",
                "/saved-searches",
                {
                    "content": b"not json",
                    "headers": {**as_anna, "Content-Type": "application/json"},
                },
            ),
            (
                "POST",
                "/saved-searches",
                {"json": {**valid, "filter": {"pay_scale_min": 99}}, "headers": as_anna},
            ),
            (
                "POST",
                "/saved-searches",
                {"json": {**valid, "filter": {"deadline_after": "tomorrow"}}, "headers": as_anna},
            ),
            (
                "POST",
                "/saved-searches",
                {"json": {**valid, "filter": {"status": "everything"}}, "headers": as_anna},
            ),
            (
                "POST",
                "/saved-searches",
                {"json": {**valid, "filter": {"regions": ["x"] * 51}}, "headers": as_anna},
            ),
            (
                "POST",
                "/saved-searches",
                {"json": {**valid, "filter": {"keyword": "'; --"}}, "headers": as_anna},
            ),
            (
                "POST",
                "/saved-searches",
                {"json": {**valid, "filter": {"keyword": "*:*"}}, "headers": as_anna},
            ),
            (
                "POST",
                "/saved-searches",
                {"json": {**valid, "filter": {"keyword": "x\u0000y"}}, "headers": as_anna},
            ),
            (
                "POST",
                "/saved-searches",
                {"json": {**valid, "filter": {"keyword": "k" * 501}}, "headers": as_anna},
            ),
            ("POST", "/saved-searches", {"json": {**valid, "owner": "bram"}, "headers": as_anna}),
            (
                "POST",
                "/saved-searches",
                {"json": {**valid, "webhook_url": "http://[::1]:8080/"}, "headers": as_anna},
            ),
            (
                "POST",
                "/saved-searches",
                {"json": {**valid, "webhook_url": "gopher://example.nl/"}, "headers": as_anna},
            ),
            (
                "POST",
                "/saved-searches",
                {"json": valid, "headers": {"Authorization": "Bearer ' OR 1=1 --"}},
            ),
            ("GET", f"/saved-searches/{mine['id']}", {"headers": as_bram}),
            (
                "PATCH",
                f"/saved-searches/{mine['id']}",
                {"json": {"active": False}, "headers": as_bram},
            ),
            ("DELETE", f"/saved-searches/{mine['id']}", {"headers": as_bram}),
            ("GET", "/saved-searches/' OR '1'='1", {"headers": as_anna}),
            ("DELETE", "/saved-searches/%25", {"headers": as_anna}),
            (
                "PATCH",
                f"/saved-searches/{mine['id']}",
                {"json": {"active": "maybe"}, "headers": as_anna},
            ),
            (
                "PATCH",
                f"/saved-searches/{mine['id']}",
                {"json": {"owner": "bram"}, "headers": as_anna},
            ),
            ("POST", "/unsubscribe", {"params": {"token": f"{mine['id']}.forged"}}),
            ("POST", "/unsubscribe", {"params": {"token": "' OR 1=1 --"}}),
        ]
        statuses = [
            api.request(method, path, **options).status_code for method, path, options in attempts
        ]
        after = fingerprint(settings.alerts_path)
        # Query syntax with words in it is a search for those words, stored as text, nothing more.
        injection = "' OR 1=1; DROP TABLE saved_searches; --"
        accepted = api.post(
            "/saved-searches", headers=as_anna, json={**valid, "filter": {"keyword": injection}}
        )
        stored = repository.get(accepted.json()["id"]).filter.keyword
        remaining = [saved.id for saved in repository.list()]
    refused = [status for status in statuses if 400 <= status < 500]
    fault_report(
        events_in=len(attempts),
        events_out=len(refused),
        lost=0,
        duplicated=0,
        note=f"{len(refused)} of {len(attempts)} refused with 4xx "
        f"({', '.join(sorted(set(map(str, statuses))))}); "
        f"stored data {'unchanged' if before == after else 'CHANGED'}",
    )
    assert statuses == [status for status in statuses if 400 <= status < 500], statuses
    assert before == after
    assert (
        accepted.status_code == 201
        and stored == injection
        and remaining == [mine["id"], accepted.json()["id"]]
    )
