"""structlog, configured once per process.

JSON lines when stderr is not a terminal (production, CI), a readable console otherwise.
Standard-library loggers (Scrapy, Twisted, kafka-python) go through the same processors via
`ProcessorFormatter`, so every line has one shape. Bind context (`tender_id`, `source`,
`topic`/`partition`/`offset`) with `structlog.contextvars.bound_contextvars`.
"""

from __future__ import annotations

import logging
import sys

import structlog

_configured = False


def configure_logging(log_format: str = "auto", level: str = "INFO") -> None:
    global _configured
    if _configured:
        return
    _configured = True
    use_json = log_format == "json" or (log_format == "auto" and not sys.stderr.isatty())
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer = (
        [structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()]
        if use_json
        else [structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())]
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
        )
    )
    handler.setLevel(level.upper())
    handler.addFilter(QuietLibraryInternals(logging.getLevelName(level.upper())))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Client libraries narrate every connection at INFO; their warnings and errors still show.
    if logging.getLevelName(level.upper()) != logging.DEBUG:
        for chatty in ("kafka", "elastic_transport", "opensearch", "httpx", "uvicorn.access"):
            logging.getLogger(chatty).setLevel(logging.WARNING)
        # opensearch-py logs each failed request as a warning with its whole traceback; the store
        # turns the failure into one line of its own (StoreUnavailable), so only its errors show.
        logging.getLogger("opensearch").setLevel(logging.ERROR)


class QuietLibraryInternals(logging.Filter):
    """Scrapy sets its own logger levels whenever a crawler starts, so levels alone do not
    hold; this filter on our handler keeps item dumps, start-up banners and the stats dump
    (the crawl's own `crawl_finished` line carries the figures) below WARNING out. It also
    treats two kafka-python lines as debug lines, since neither is a fault of ours nor
    anything to act on:
    - "Task ... ran for 0.1s": its event loop timing a slow step;
    - "<KafkaTCPTransport ... (closed)>: Error receiving network data": its IO loop reading
      from a connection the client had already closed while shutting down (a race inside
      kafka-python, seen once in CI on Ctrl-C);
    - "Unhandled exception in task" whose error is about a socket already closed (`[closed]`,
      `fd=-1`): the same race, met while registering the closed socket (seen once in CI)."""

    NOISY = (
        "scrapy.core.scraper",
        "scrapy.middleware",
        "scrapy.addons",
        "scrapy.utils.log",
        "scrapy.crawler",
        "scrapy.extensions.remote_control",
        "scrapy.extensions.telnet",
        "scrapy.statscollectors",
    )

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            record.name == "kafka.net.selector"
            and str(record.msg).startswith("Task ")
            and " ran for " in str(record.getMessage())
        ):
            return self.level <= logging.DEBUG
        if (
            record.name == "kafka.net.transport"
            and "Error receiving network data" in str(record.msg)
            and "(closed)>" in record.getMessage()
        ):
            return self.level <= logging.DEBUG
        if (
            record.name == "kafka.net.selector"
            and str(record.msg).startswith("Unhandled exception in task")
            and record.exc_info
            and _about_a_closed_socket(record.exc_info[1])
        ):
            return self.level <= logging.DEBUG
        return record.levelno >= logging.WARNING or not record.name.startswith(self.NOISY)


def _about_a_closed_socket(error: BaseException | None) -> bool:
    """Whether an error (or one it came from) concerns a socket that was already closed."""
    seen = 0
    while error is not None and seen < 10:
        text = str(error)
        if "[closed]" in text or "fd=-1" in text or "file descriptor: -1" in text:
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False
