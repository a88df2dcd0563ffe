"""What a new user meets in the first hour: every bad value named at once (one line each,
exit 2, never a traceback), a crawl that says what it does and why a source failed, and
tables whose columns fit their content."""

from __future__ import annotations

import json
import socket

import pytest

from crawler.crawl import in_words
from tenderwatch.crawl_summary import SourceSummary, summary_table
from tenderwatch.tables import table
from tests.test_cli import tenderwatch


def error_lines(result, code: int = 2) -> list[str]:
    """The refusal's lines: each an `error:` line, no traceback."""
    message = result.stderr.decode().strip()
    assert result.returncode == code, message
    lines = message.splitlines()
    assert (
        lines and all(line.startswith("error: ") for line in lines) and "Traceback" not in message
    ), message
    return lines


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    "args, env, expected",
    [
        (
            ("crawl", "flextender"),
            {"TENDERWATCH_LOG_LEVEL": "LOUD"},
            ["TENDERWATCH_LOG_LEVEL: 'LOUD' is not a log level"],
        ),
        (
            ("run", "--once"),
            {"TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS": "localhost"},
            ["TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS: 'localhost' is not host:port"],
        ),
        (
            ("search", "--region", "Atlantis"),
            {},
            ["'Atlantis' is not a province of the Netherlands"],
        ),
        (
            (
                "saved-search",
                "add",
                "--name",
                "x",
                "--email",
                "a@example.nl",
                "--region",
                "Overijsel",
            ),
            {},
            ["did you mean Overijssel?"],
        ),
        (("crawl", "nosuch"), {}, ["'nosuch' is not one of 'flextender', 'striive'"]),
        (
            ("search", "--pay-scale-min", "40", "--hours-min", "many"),
            {"TENDERWATCH_LOG_LEVEL": "LOUD"},
            ["--pay-scale-min", "--hours-min", "TENDERWATCH_LOG_LEVEL"],
        ),
        (
            ("crawl", "striive"),
            {"TENDERWATCH_LOG_LEVEL": "LOUD", "TENDERWATCH_SOURCES": "striive,nosuch"},
            [
                "TENDERWATCH_LOG_LEVEL",
                "TENDERWATCH_SOURCES: unknown source nosuch (known: flextender",
            ],
        ),
    ],
)
def test_every_bad_value_is_named_at_once_in_one_line_each(tmp_path, args, env, expected):
    lines = error_lines(
        tenderwatch(*args, env={"TENDERWATCH_DATA_DIR": str(tmp_path / "data"), **env})
    )
    assert len(lines) == len(expected), lines
    for line, fragment in zip(lines, expected, strict=True):
        assert fragment in line, (fragment, line)
    assert not (tmp_path / "data").exists()  # refused before anything was written


@pytest.mark.parametrize(
    "region", ["overijssel", "NOORD-HOLLAND", "north holland", "Fryslân", "South Holland"]
)
def test_a_province_is_taken_in_dutch_or_english_in_any_case(tmp_path, region):
    result = tenderwatch(
        "saved-search",
        "add",
        "--name",
        "x",
        "--email",
        "a@example.nl",
        "--region",
        region,
        "--data-dir",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr.decode()


def test_sources_on_a_data_dir_never_crawled_says_so_and_fails(tmp_path):
    result = tenderwatch("sources", "--data-dir", str(tmp_path / "never"))
    assert result.returncode == 1
    assert "nothing has been crawled in" in result.stderr.decode()


def test_a_crawl_of_an_unreachable_host_ends_soon_and_says_why_in_words(tmp_path):
    summary_path = tmp_path / "summary.json"
    result = tenderwatch(
        "crawl",
        "striive",
        "--data-dir",
        str(tmp_path / "data"),
        "--summary-file",
        str(summary_path),
        env={
            "TENDERWATCH_STRIIVE_URL": f"http://127.0.0.1:{closed_port()}",
            "TENDERWATCH_RETRY_BACKOFF_BASE": "0.05",
        },
    )
    assert result.returncode == 4
    logged = {
        line["event"]: line
        for line in map(json.loads, result.stderr.decode().splitlines())
        if line.get("logger") == "tenderwatch.crawl"
    }
    assert logged["source_crawl_started"]["hosts"][0].startswith("http://127.0.0.1:")
    ended = logged["source_crawl_ended"]["outcome"]
    assert ended.startswith("striive: failed after") and "refused the connection" in ended
    summary = json.loads(summary_path.read_text())
    assert (summary["source"], summary["exit_code"]) == ("striive", 4)
    assert summary["failure"].startswith("the host refused the connection")


@pytest.mark.parametrize(
    "error, words",
    [
        (
            "page 1 failed: DNS lookup failed: no results for hostname lookup: api.freep.nl.",
            "cannot find host api.freep.nl: no network, or a wrong host name",
        ),
        (
            "no list of open listings: Connection was refused by other side: 111: Connection "
            "refused.",
            "the host refused the connection",
        ),
        (
            "page 2 failed: User timeout caused connection failure: Getting http://x/ took longer "
            "than 30.0 seconds..",
            "the host did not answer in time",
        ),
        (
            "the list shrank from 40 to 3 listings (more than half) since the last complete crawl",
            "the list shrank from 40 to 3 listings",
        ),
    ],
)
def test_crawl_failures_read_as_words(error, words):
    assert in_words(error).startswith(words)


def test_table_columns_are_as_wide_as_their_widest_cell():
    lines = table(
        ["source", "open"], [["opdrachtoverheid", "12"], ["freep", "3"]], right=frozenset({1})
    ).splitlines()
    assert lines == ["source            open", "opdrachtoverheid    12", "freep                3"]


def test_the_crawl_summary_lists_every_source_with_its_result():
    rendered = summary_table(
        [
            SourceSummary("striive", 0, 1.25, found=25, new=3),
            SourceSummary("opdrachtoverheid", 4, 7.0, failure="cannot find host x"),
        ]
    ).splitlines()
    assert rendered[1].split()[:5] == ["striive", "ok", "1.2", "s", "25"]
    assert rendered[2].split()[:2] == ["opdrachtoverheid", "FAILED"] and rendered[2].endswith(
        "cannot find host x"
    )
    assert (
        rendered[0].index("result") == rendered[1].index(" ok ") + 1 == rendered[2].index("FAILED")
    )


def test_saved_search_add_refuses_a_multi_line_name_and_a_url_with_control_characters(tmp_path):
    lines = error_lines(
        tenderwatch(
            "saved-search",
            "add",
            "--name",
            "Zwolle\nBcc: x@example.nl",
            "--webhook",
            "https://example.com/a\x01b",
            "--data-dir",
            str(tmp_path),
        )
    )
    assert len(lines) == 2 and lines[0].startswith("error: --name: a name is one line of text")
    assert lines[1].startswith("error: --webhook: a webhook URL has no spaces, control characters")


@pytest.mark.parametrize(
    "key, fragment",
    [
        ("change-me-long-random-secret", "the placeholder of deploy/.env.example"),
        ("short", "5 bytes is too short to sign links: at least 32"),
    ],
)
def test_a_placeholder_or_short_secret_key_is_refused(tmp_path, key, fragment):
    (line,) = error_lines(
        tenderwatch(
            "saved-search", "list", "--data-dir", str(tmp_path), env={"TENDERWATCH_SECRET_KEY": key}
        )
    )
    assert line.startswith("error: TENDERWATCH_SECRET_KEY: ") and fragment in line


def test_what_tenderwatch_writes_is_private_to_its_user(tmp_path):
    data_dir = tmp_path / "data"
    result = tenderwatch(
        "saved-search", "add", "--name", "x", "--email", "a@example.nl", "--data-dir", str(data_dir)
    )
    assert result.returncode == 0, result.stderr.decode()
    written = [data_dir, *data_dir.rglob("*")]
    assert written[1:] and all(path.stat().st_mode & 0o077 == 0 for path in written), [
        (str(path), oct(path.stat().st_mode)) for path in written
    ]


def test_the_generated_key_file_is_whole_and_private_when_many_processes_start_at_once(tmp_path):
    """Eight processes ask for the key at the same moment: one key, 64 characters, mode 0600."""
    import subprocess
    import sys

    code = (
        "import sys; from tenderwatch.common.settings import Settings; from "
        "consumers.alerts.tokens import secret_key; "
        "print(secret_key(Settings(data_dir=sys.argv[1])).decode())"
    )
    children = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE)
        for _ in range(8)
    ]
    keys = {child.communicate(timeout=60)[0].decode().strip() for child in children}
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600
    assert [path.name for path in tmp_path.iterdir()] == ["secret.key"]  # no partial file left
