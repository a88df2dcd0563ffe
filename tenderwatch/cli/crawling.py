"""Commands that crawl, or serve and show what is crawled: parse, crawl, replica, demo."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click
import structlog

from crawler.sources import SOURCES
from schemas.events import TYPE_PREFIX
from tenderwatch.cli.app import cli, load_settings
from tenderwatch.common.logs import configure_logging
from tenderwatch.common.settings import Settings

DEMO_CLOCK = "2026-03-01T12:00:00+01:00"


@cli.command()
@click.argument("path", type=click.Path(allow_dash=True, dir_okay=False, path_type=str))
@click.option(
    "--url", help="URL the page was saved from (used when the page lacks its request number)."
)
@click.option(
    "--base-url",
    default=None,
    help="Site the canonical tender URL points at. [default: www.flextender.nl]",
)
def parse(path: str, url: str | None, base_url: str | None) -> None:
    """Parse a saved Flextender detail page (PATH, or - for stdin) and print the Tender as JSON.

    Exits 2 with a one-line reason when the input is not a listing page.
    """
    from crawler.pages.raw import UnrecognisedPage
    from crawler.sources.flextender.normalize import normalise
    from crawler.sources.flextender.pages import FlextenderDetailPage

    settings = load_settings(flextender_base_url=base_url)
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
        click.echo(
            f"error: {path} has no request number (aanvraagnummer); pass --url of the page",
            err=True,
        )
        sys.exit(2)
    now = settings.now or datetime.now(UTC)
    click.echo(normalise(raw, fetched_at=now, now=now).model_dump_json(indent=2))


def _publish_outbox(settings: Settings) -> int | None:
    """Publish the outbox when a broker is configured; None when none is."""
    if not settings.kafka_bootstrap_servers:
        return None
    from kafka.errors import KafkaError

    from consumers.kafka_clients import make_producer
    from crawler.publisher import OutboxPublisher
    from crawler.state import CrawlState

    state = CrawlState(settings.state_path)
    try:
        producer = make_producer(settings)
    except KafkaError as exc:
        structlog.get_logger("tenderwatch.crawl").warning(
            "broker_unavailable_events_kept", error=str(exc), outbox_pending=state.pending_count()
        )
        state.close()
        return 0
    try:
        return OutboxPublisher(state, producer, settings.tender_events_topic).drain()
    finally:
        producer.close(timeout=5)
        state.close()


@cli.command()
@click.argument("source", type=click.Choice([*SOURCES, "all"]))
@click.option(
    "--base-url",
    help="Flextender's www site (listing, AJAX, detail pages). Env: "
    "TENDERWATCH_FLEXTENDER_BASE_URL.",
)
@click.option("--api-url", help="Flextender's JSON API host. Env: TENDERWATCH_FLEXTENDER_API_URL.")
@click.option(
    "--output",
    "-o",
    default=None,
    help="Also append each new, changed or closed tender as a JSON line to this file; - is stdout.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Crawl state and outbox directory. Env: TENDERWATCH_DATA_DIR. [default: ./.tenderwatch]",
)
@click.option(
    "--summary-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the crawl's outcome (ok or the failure in words, time, counts) to this file "
    "as JSON.",
)
def crawl(
    source: str,
    base_url: str | None,
    api_url: str | None,
    output: str | None,
    data_dir: Path | None,
    summary_file: Path | None,
) -> None:
    """Run one crawl of SOURCE (a source of `crawler/sources/`, or all of them, one after the
    other). Each new, changed or closed tender becomes an event in the outbox (crawl state
    directory); with TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS set the outbox is then published to
    Kafka (if the broker is down the events wait for the next publish). Each source's host is
    a setting (TENDERWATCH_STRIIVE_URL, TENDERWATCH_INHUURDESK_URL, ...; see README).

    The log says when each source starts (`source_crawl_started`) and how it ended
    (`source_crawl_ended`: what it found, or why it failed, in words); `all` ends with a table
    of every source on stdout. A host that cannot
    be reached is given up after one retry.

    Exit codes: 0 done; 3 a page was not recognised (layout changed?); 4 the list of open
    listings could not be fetched whole (a failed or unrecognised page, an empty list, or one
    that shrank by more than half, or a host that cannot be reached): nothing was closed. With
    `all`, the first failing code.
    """
    if source == "all":
        _crawl_each_source(base_url=base_url, api_url=api_url, output=output, data_dir=data_dir)
    import signal
    import time

    from crawler.crawl import run_crawl
    from crawler.state import CrawlState
    from tenderwatch.common.children import die_with_parent
    from tenderwatch.crawl_summary import SourceSummary

    die_with_parent()  # only when `run` started this crawl
    settings = load_settings(
        flextender_base_url=base_url, flextender_api_url=api_url, data_dir=data_dir
    )
    configure_logging(settings.log_format, settings.log_level)
    log = structlog.get_logger("tenderwatch.crawl")
    log.info("source_crawl_started", source=source, hosts=SOURCES[source].hosts(settings))
    started = time.monotonic()
    outcome = run_crawl(source, settings, output=output)
    # Scrapy's own SIGTERM/SIGINT handlers do nothing once its reactor stopped: a signal from
    # here on must end the process, not be swallowed while it exits.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    published = _publish_outbox(settings)
    figures = {"published": published} if published is not None else {}
    state = CrawlState(settings.state_path)
    figures["outbox_pending"] = state.pending_count()
    recorded_error = state.source_status(source).last_error
    state.close()
    log.info(
        "crawl_finished",
        source=source,
        exit_code=outcome.exit_code,
        **outcome.counts(),
        **figures,
        **outcome.summary(),
    )
    summary = SourceSummary(
        source,
        outcome.exit_code,
        round(time.monotonic() - started, 1),
        **outcome.counts(),
        unchanged=outcome.stats.get("tenderwatch/unchanged", 0),
        failure=outcome.failure(recorded_error),
    )
    (log.warning if summary.failure else log.info)(
        "source_crawl_ended", source=source, outcome=summary.line()
    )
    if summary_file is not None:
        summary.write(summary_file)
    sys.exit(outcome.exit_code)


def _crawl_each_source(**options: str | Path | None) -> None:
    """`crawl all`: each source in a process of its own (Scrapy's reactor runs once per
    process), one after the other; one source failing does not keep the others from running.
    Ends with a table of every source on stdout."""
    import subprocess
    import tempfile
    import time

    from tenderwatch.crawl_summary import SourceSummary, summary_table

    arguments = [
        part
        for name, value in options.items()
        if value is not None
        for part in (f"--{name.replace('_', '-')}", str(value))
    ]
    summaries = []
    with tempfile.TemporaryDirectory(prefix="tenderwatch-crawl-") as directory:
        for name in SOURCES:
            summary_path = Path(directory) / f"{name}.json"
            started = time.monotonic()
            code = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "tenderwatch.cli",
                    "crawl",
                    name,
                    *arguments,
                    "--summary-file",
                    str(summary_path),
                ],
                check=False,
            ).returncode
            summaries.append(
                SourceSummary.read(summary_path, name, code, round(time.monotonic() - started, 1))
            )
    click.echo(summary_table(summaries))
    sys.exit(next((summary.exit_code for summary in summaries if summary.exit_code), 0))


@cli.command()
@click.option(
    "--port",
    default=8808,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port of the first source's replica (127.0.0.1); the next sources take the ports after "
    "it. "
    "0 picks free ones.",
)
def replica(port: int) -> None:
    """Serve a replica of every source until Ctrl-C, for offline work: point the sources'
    host settings (printed) at them. Flextender's serves five real listings, three of them open.

    The listings closed in 2026: crawl them with the clock frozen at the demo's moment,
    TENDERWATCH_NOW=2026-03-01T12:00:00+01:00, or the open ones are expired on arrival.
    """
    import errno
    import time
    from contextlib import ExitStack

    from crawler.replicas import serve_replicas

    with ExitStack() as stack:
        try:
            replicas = stack.enter_context(serve_replicas(port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise click.ClickException(
                    f"a port from {port} on is in use: stop what listens there, or pass "
                    "--port 0 for free ones"
                ) from None
            raise click.ClickException(
                f"cannot serve on 127.0.0.1 from port {port}: {exc.strerror}"
            ) from None
        for line in replicas.described():
            click.echo(f"{line}.")
        variables = replicas.environment()
        exports = " ".join(f"{name}={value}" for name, value in variables.items())
        click.echo(
            f"Ctrl-C stops it. In another terminal:\n"
            f"  export TENDERWATCH_NOW={DEMO_CLOCK}   # when the open listings were open\n"
            f"  export {exports}\n"
            f"  tenderwatch run --once --data-dir ./replica-data\n"
            f"  tenderwatch search --data-dir ./replica-data",
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


DEMO_DATA_DIR = Path(".tenderwatch-demo")


@cli.command()
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEMO_DATA_DIR,
    show_default=True,
    help="Keep the demo's data here (search it afterwards with the same --data-dir).",
)
def demo(data_dir: Path) -> None:
    """Offline showcase: serve a replica of every source (Flextender's: five real listings), run
    one `run --once` cycle against them on the embedded broker and print the tenders the
    consumers received. The clock is frozen at 2026-03-01, when three of Flextender's five were
    open; the other two had closed. The data stays in --data-dir, so `tenderwatch search` can
    search it."""
    import json

    from consumers.snapshot import TenderSnapshot
    from crawler.replicas import serve_replicas
    from tenderwatch.runner import Runner

    with serve_replicas() as replicas:
        described = replicas.described()
        settings = load_settings(
            **replicas.settings_values(),
            data_dir=data_dir,
            now=datetime.fromisoformat(DEMO_CLOCK),
            autothrottle_start_delay=0.0,
            kafka_bootstrap_servers=None,
            log_level="WARNING",
            sources="all",
        )
        configure_logging(settings.log_format, settings.log_level)
        click.echo(
            f"Crawling the replicas ({'; '.join(described)}), clock frozen at {DEMO_CLOCK}; events "
            "through the embedded broker ...",
            err=True,
        )
        code = Runner(
            settings, once=True, interval_s=60, show_summary=lambda text: click.echo(text, err=True)
        ).run()
        snapshot = TenderSnapshot.for_settings(settings)
        tenders = snapshot.tenders()
        snapshot.close()
    click.echo(
        f"{'source':<11} {'last event':<17} {'deadline':<16} {'region':<13} {'scale':<5} title"
    )
    for _tender_id, _sequence, event_type, tender_json in tenders:
        tender = json.loads(tender_json)
        scale = tender["pay_scale"]["label"] if tender["pay_scale"] else "-"
        deadline = tender["deadline"][:16].replace("T", " ") if tender["deadline"] else "-"
        click.echo(
            f"{tender['source']:<11} {event_type.removeprefix(TYPE_PREFIX):<17} {deadline:<16} "
            f"{(tender['region'] or '-')[:13]:<13} "
            f"{scale:<5} {tender['title']}"
        )
    click.echo(
        f"{len(tenders)} tenders received by the consumers: every listing the replicas list (a "
        "listing first seen closed arrives as expired; Flextender's closed ones are off its list, "
        "so nobody saw them). Search them:\n"
        f"  tenderwatch search --data-dir {data_dir}\n"
        f"or in the browser (http://127.0.0.1:8000/):\n"
        f"  tenderwatch serve --data-dir {data_dir}",
        err=True,
    )
    sys.exit(code)
