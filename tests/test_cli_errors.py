"""Bad input anywhere, from options or from the environment, is one line of error, never a
traceback; and the values a user types the way people type them are taken."""

from __future__ import annotations

import socket

import pytest

from tests.test_cli import tenderwatch


def one_line_error(result, code: int = 2) -> str:
    message = result.stderr.decode().strip()
    assert result.returncode == code, message
    assert message.startswith("error:") and "\n" not in message and "Traceback" not in message, (
        message
    )
    return message


@pytest.mark.parametrize("port", ["-1", "70000"])
def test_replica_refuses_a_port_out_of_range(port):
    assert "--port" in one_line_error(tenderwatch("replica", "--port", port))


def test_replica_on_a_port_in_use_says_so():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        message = one_line_error(tenderwatch("replica", "--port", str(port)), code=1)
    assert f"a port from {port} on is in use" in message


@pytest.mark.parametrize(
    "command", [("search",), ("health", "crawler"), ("saved-search", "list"), ("user", "list")]
)
def test_a_data_dir_that_is_a_file_is_named_in_one_line(tmp_path, command):
    a_file = tmp_path / "not-a-dir"
    a_file.write_text("x")
    message = one_line_error(tenderwatch(*command, env={"TENDERWATCH_DATA_DIR": str(a_file)}))
    assert message == f"error: TENDERWATCH_DATA_DIR: {a_file} exists and is not a directory"


def test_a_bad_setting_from_the_environment_is_a_usage_error_like_a_bad_option(tmp_path):
    message = one_line_error(
        tenderwatch(
            "search",
            env={"TENDERWATCH_SMTP_PORT": "twenty-five", "TENDERWATCH_DATA_DIR": str(tmp_path)},
        )
    )
    assert message.startswith("error: TENDERWATCH_SMTP_PORT:")
    message = one_line_error(
        tenderwatch(
            "search", env={"TENDERWATCH_NOW": "yesterday", "TENDERWATCH_DATA_DIR": str(tmp_path)}
        )
    )
    assert message.startswith("error: TENDERWATCH_NOW:")


@pytest.mark.parametrize("name", ["", "bad name!", "-starts-with-dash", "x" * 101])
def test_user_add_refuses_names_that_are_not_identifiers(tmp_path, name):
    message = one_line_error(tenderwatch("user", "add", "--data-dir", str(tmp_path), "--", name))
    assert "is not a user name" in message
    assert tenderwatch("user", "list", "--data-dir", str(tmp_path)).stdout == b""


def test_user_add_takes_an_ordinary_name(tmp_path):
    added = tenderwatch("user", "add", "anna.de-vries", "--data-dir", str(tmp_path))
    assert added.returncode == 0 and added.stdout.startswith(b"tw_")
    assert tenderwatch("user", "list", "--data-dir", str(tmp_path)).stdout == b"anna.de-vries\n"


def test_search_of_a_data_dir_where_nothing_was_indexed_says_so_and_creates_nothing(tmp_path):
    missing = tmp_path / "never-used"
    message = one_line_error(tenderwatch("search", "--data-dir", str(missing)), code=1)
    assert "nothing has been indexed" in message and "tenderwatch run" in message
    assert not missing.exists()


@pytest.mark.parametrize("keyword", ["", "de het een", "   "])
def test_keywords_without_a_searchable_word_are_refused_alike(tmp_path, keyword):
    for command in (("search",), ("saved-search", "add", "--name", "x", "--email", "a@example.nl")):
        message = one_line_error(
            tenderwatch(*command, "--keyword", keyword, "--data-dir", str(tmp_path))
        )
        assert message.startswith("error: --keyword:")
        assert "no word to search for" in message or "too common to search for" in message


def test_range_errors_speak_of_what_the_user_gave_not_internal_fields(tmp_path):
    message = one_line_error(
        tenderwatch(
            "search", "--pay-scale-min", "12", "--pay-scale-max", "10", "--data-dir", str(tmp_path)
        )
    )
    assert message == "error: the lowest pay scale (12) is above the highest (10)"
    message = one_line_error(
        tenderwatch(
            "search",
            "--deadline-after",
            "2026-05-01",
            "--deadline-before",
            "2026-04-01",
            "--data-dir",
            str(tmp_path),
        )
    )
    assert (
        "pay_scale" not in message and "deadline_after" not in message and "2026-05-01" in message
    )


def test_education_level_is_taken_in_any_case(tmp_path):
    (tmp_path / "search.sqlite3").touch()
    result = tenderwatch(
        "search", "--education-level", "hbo", "--json", "--data-dir", str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == b"[]"


@pytest.mark.parametrize(
    "name, message, shown",
    [
        (
            "kafka.net.transport",
            "<KafkaTCPTransport [none] (closed)>: Error receiving network data closing socket",
            False,
        ),
        (
            "kafka.net.transport",
            "<KafkaTCPTransport [127.0.0.1:9092]>: Error receiving network data closing socket",
            True,
        ),
        ("kafka.net.selector", "Task <read> ran for 0.111s (>0.100s threshold).", False),
        ("kafka.coordinator", "LeaveGroup request failed", True),
        ("scrapy.statscollectors", "Dumping Scrapy stats", False),
    ],
)
def test_only_library_noise_is_kept_out_of_the_log(name, message, shown):
    """Library lines that are no fault of ours and nothing to act on are debug lines; the
    same library's other errors still show (a transport that was not closed on purpose)."""
    import logging

    from tenderwatch.common.logs import QuietLibraryInternals

    level = logging.WARNING if name.startswith("kafka.net.selector") else logging.ERROR
    if name == "scrapy.statscollectors":
        level = logging.INFO
    record = logging.LogRecord(name, level, __file__, 1, message, None, None)
    assert QuietLibraryInternals(logging.INFO).filter(record) is shown
    assert QuietLibraryInternals(logging.DEBUG).filter(record) is (
        shown or not name.startswith("scrapy")
    )


def test_kafka_python_s_closed_socket_race_at_shutdown_is_a_debug_line_and_other_task_errors_stay():
    import logging
    import sys

    from tenderwatch.common.logs import QuietLibraryInternals

    def record_of(error: BaseException) -> logging.LogRecord:
        try:
            raise error
        except type(error):
            exc_info = sys.exc_info()
        return logging.LogRecord(
            "kafka.net.selector",
            logging.ERROR,
            __file__,
            1,
            "Unhandled exception in task %s:",
            ("<Task>",),
            exc_info,
        )

    closed = KeyError(
        "'<socket.socket [closed] fd=-1, family=2, type=1, proto=6> is not registered'"
    )
    other = KeyError("'partition 3' is not assigned")
    assert QuietLibraryInternals(logging.INFO).filter(record_of(closed)) is False
    assert QuietLibraryInternals(logging.DEBUG).filter(record_of(closed)) is True
    assert QuietLibraryInternals(logging.INFO).filter(record_of(other)) is True
