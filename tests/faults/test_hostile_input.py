"""Hostile input to the page objects and the normaliser: a 10 MB page, wrong encodings, and
fuzzing for crashes. Each case is bounded in time; a refusal must be `UnrecognisedPage`."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.pages.raw import UnrecognisedPage
from crawler.sources.flextender.normalize import normalise
from crawler.sources.flextender.pages import FlextenderDetailPage

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def parse(body: bytes) -> tuple[str, float, int]:
    """('parsed' | 'refused', seconds, length of the description)."""
    started = time.perf_counter()
    try:
        tender = normalise(
            FlextenderDetailPage(
                body, url="https://www.flextender.nl/opdracht/?aanvraagnr=30922"
            ).raw(),
            fetched_at=NOW,
            now=NOW,
        )
    except UnrecognisedPage:
        return "refused", time.perf_counter() - started, 0
    return "parsed", time.perf_counter() - started, len(tender.description)


@pytest.mark.timeout(120)
def test_ten_megabyte_pages(replica_pages, fault_report):
    page = replica_pages["30922"]
    junk = (b"<div>" + b"x" * 1000 + b"</div>") * 10_000  # 10 MB of markup without a listing
    huge_description = page.replace(
        "<p>", "<p>" + "Zeer lange tekst. " * 600_000, 1
    ).encode()  # 10 MB listing
    one_megabyte = page.replace("<p>", "<p>" + "Zeer lange tekst. " * 60_000, 1).encode()
    runs = {
        "junk": parse(junk),
        "listing": parse(huge_description),
        "small": parse(page.encode()),
        "1 MB listing": parse(one_megabyte),
    }
    per_mb = runs["listing"][1] / (len(huge_description) / 1e6)
    growth = runs["listing"][1] / max(runs["1 MB listing"][1], 1e-3)
    fault_report(
        events_in=len(runs),
        events_out=len(runs),
        lost=0,
        duplicated=0,
        note=f"10 MB junk {runs['junk'][0]} in {runs['junk'][1]:.1f} s; 10 MB listing "
        f"{runs['listing'][0]} "
        f"in {runs['listing'][1]:.1f} s ({per_mb * 1000:.0f} ms/MB; {growth:.0f}x the 1 MB "
        "listing's time)",
    )
    assert (
        runs["junk"][0] == "refused"
        and runs["listing"][0] == "parsed"
        and runs["small"][0] == "parsed"
    )
    assert runs["listing"][2] > 10_000_000 > runs["small"][2]  # the 10 MB reached the Tender
    assert runs["junk"][1] < 30 and runs["listing"][1] < 60
    assert growth < 40  # ten times the text, about ten times the time: no super-linear path


def test_wrong_encodings(replica_pages, fault_report):
    page = replica_pages["31050"]  # "Coördinator Sectorale Aanpak"
    variants = {
        "utf-8": page.encode("utf-8"),
        "windows-1252": page.replace("UTF-8", "windows-1252").encode("cp1252", errors="replace"),
        "latin-1 undeclared": page.encode("latin-1", errors="replace"),
        "utf-16 with BOM": page.encode("utf-16"),
        "utf-8 with invalid bytes": page.encode("utf-8").replace(b"Aanpak", b"Aan\xff\xfepak", 1),
    }
    titles = {}
    for name, body in variants.items():
        page_object = FlextenderDetailPage(
            body, url="https://www.flextender.nl/opdracht/?aanvraagnr=31050"
        )
        titles[name] = normalise(page_object.raw(), fetched_at=NOW, now=NOW).title
    fault_report(
        events_in=len(variants),
        events_out=len(titles),
        lost=0,
        duplicated=0,
        note="; ".join(f"{name}: {title!r}" for name, title in titles.items()),
    )
    assert (
        titles["utf-8"]
        == titles["windows-1252"]
        == titles["latin-1 undeclared"]
        == titles["utf-16 with BOM"]
        == "Coördinator Sectorale Aanpak"
    )
    assert (
        titles["utf-8 with invalid bytes"] == "Coördinator Sectorale Aanpak"
    )  # still read as UTF-8


def test_fuzzed_pages_parse_or_are_refused(replica_pages, fault_report):
    """Cut, spliced and byte-flipped real pages: parsed or refused, never another exception; the
    figures go to the fault report (one test, so it holds whichever worker runs it)."""
    fuzz = {"examples": 0, "refused": 0, "parsed": 0, "slowest_s": 0.0}

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.data())
    def one_page(data):
        page = replica_pages[data.draw(st.sampled_from(sorted(replica_pages)))].encode()
        start = data.draw(st.integers(0, len(page)))
        end = data.draw(st.integers(start, len(page)))
        noise = data.draw(st.binary(max_size=200))
        outcome, seconds, _ = parse(page[:start] + noise + page[end:])
        fuzz["examples"] += 1
        fuzz[outcome] += 1
        fuzz["slowest_s"] = max(fuzz["slowest_s"], seconds)
        assert seconds < 5

    one_page()
    assert fuzz["examples"] >= 100
    fault_report(
        events_in=fuzz["examples"],
        events_out=fuzz["parsed"] + fuzz["refused"],
        lost=0,
        duplicated=0,
        note=f"{fuzz['parsed']} parsed, {fuzz['refused']} refused cleanly, 0 crashes; slowest "
        f"{fuzz['slowest_s'] * 1000:.0f} ms",
    )
