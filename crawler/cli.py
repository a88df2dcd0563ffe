"""`tenderwatch`: the command line."""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import click
import structlog

from crawler.config import Settings
from crawler.logs import configure_logging

DEMO_CLOCK = "2026-03-01T12:00:00+01:00"


def _settings(**overrides) -> Settings:
    settings = Settings()
    updates = {key: value for key, value in overrides.items() if value is not None}
    return settings.model_copy(update=updates) if updates else settings


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="tenderwatch")
def main() -> None:
    """tenderwatch: crawls Dutch public-sector freelance assignments (inhuuropdrachten) and
    normalises them into one Tender model.

    Settings come from TENDERWATCH_* environment variables (see README); options override them.
    """


@main.command()
@click.argument("path", type=click.Path(allow_dash=True, dir_okay=False, path_type=str))
@click.option("--url", help="URL the page was saved from (used when the page lacks its request number).")
@click.option("--base-url", default=None, help="Site the canonical tender URL points at. [default: www.flextender.nl]")
def parse(path: str, url: str | None, base_url: str | None) -> None:
    """Parse a saved Flextender detail page (PATH, or - for stdin) and print the Tender as JSON.

    Exits 2 with a one-line reason when the input is not a listing page.
    """
    from crawler.normalize import normalise
    from crawler.pages.flextender import FlextenderDetailPage
    from crawler.pages.raw import UnrecognisedPage

    settings = _settings(flextender_base_url=base_url)
    configure_logging(settings.log_format, settings.log_level)
    try:
        body = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        click.echo(f"error: cannot read {path}: {exc.strerror}", err=True)
        sys.exit(2)
    try:
        raw = FlextenderDetailPage(body, url=url).raw(settings.flextender_base_url)
    except UnrecognisedPage as exc:
        click.echo(f"error: {path} is not a listing page: {exc}", err=True)
        sys.exit(2)
    if not raw.external_id:
        click.echo(f"error: {path} has no request number (aanvraagnummer); pass --url of the page", err=True)
        sys.exit(2)
    now = settings.now or datetime.now(UTC)
    click.echo(normalise(raw, fetched_at=now, now=now).model_dump_json(indent=2))


@main.command()
@click.argument("spider", type=click.Choice(["flextender"]))
@click.option("--base-url", help="www site (listing, AJAX, detail pages). Env: TENDERWATCH_FLEXTENDER_BASE_URL.")
@click.option("--api-url", help="JSON API host. Env: TENDERWATCH_FLEXTENDER_API_URL.")
@click.option("--output", "-o", default="-", show_default=True, help="JSON-lines file to append tenders to; - is stdout.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help="Crawl state directory. Env: TENDERWATCH_DATA_DIR. [default: ./.tenderwatch]")
def crawl(spider: str, base_url: str | None, api_url: str | None, output: str, data_dir: Path | None) -> None:
    """Run one crawl of SPIDER and write new, changed and closed tenders as JSON lines.

    Only what changed since the last crawl in the same data directory is written. Exit codes:
    0 done; 3 a page was not recognised (layout changed?); 4 the list of open listings could
    not be fetched from either the API or the listing page.
    """
    from crawler.crawl import run_crawl

    settings = _settings(flextender_base_url=base_url, flextender_api_url=api_url, data_dir=data_dir)
    configure_logging(settings.log_format, settings.log_level)
    outcome = run_crawl(spider, settings, output=output)
    structlog.get_logger("tenderwatch.crawl").info("crawl_finished", spider=spider, exit_code=outcome.exit_code, **outcome.summary())
    sys.exit(outcome.exit_code)


@main.command()
@click.option("--port", default=8808, show_default=True, help="Port to serve on (127.0.0.1).")
def replica(port: int) -> None:
    """Serve the bundled Flextender replica (five real listings) until Ctrl-C, for offline work:
    point --base-url and --api-url of `crawl` at the printed URL."""
    import time

    from crawler.replica import FlextenderReplica

    with FlextenderReplica(port=port) as site:
        click.echo(f"Flextender replica on {site.url} (listed: {', '.join(site.listed)}); Ctrl-C stops it.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


@main.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Also keep the tenders as JSON lines here.")
def demo(output: Path | None) -> None:
    """Offline showcase: serve the bundled replica, crawl it once (clock frozen at
    2026-03-01, when three of the five listings were open) and print what was found."""
    from crawler.crawl import run_crawl
    from crawler.replica import FlextenderReplica

    with tempfile.TemporaryDirectory(prefix="tenderwatch-demo-") as work, FlextenderReplica() as site:
        target = output or Path(work) / "tenders.jsonl"
        settings = _settings(
            flextender_base_url=site.url, flextender_api_url=site.url, data_dir=Path(work) / "data",
            now=datetime.fromisoformat(DEMO_CLOCK), autothrottle_start_delay=0.0,
        )
        configure_logging(settings.log_format, "WARNING")
        click.echo(f"Crawling the Flextender replica at {site.url} ...", err=True)
        outcome = run_crawl("flextender", settings, output=str(target))
        tenders = [json.loads(line) for line in Path(target).read_text(encoding="utf-8").splitlines()]
        for tender in tenders:
            scale = tender["pay_scale"]["label"] if tender["pay_scale"] else "-"
            click.echo(f"{tender['id']:<18} {tender['status']:<8} {tender['deadline'] or '-':<26} "
                       f"{tender['region'] or '-':<11} schaal {scale:<4} {tender['title']}")
        click.echo(f"{len(tenders)} tenders; {sum(len(t['warnings']) for t in tenders)} values flagged in warnings.", err=True)
        sys.exit(outcome.exit_code)


if __name__ == "__main__":
    main()
