"""One way to open and write the SQLite files (crawl state, snapshot, alerts, search store).

- `connect`: autocommit (transactions are explicit), WAL so readers never wait for the
  writer, and `synchronous=FULL`: consumers commit Kafka offsets right after a write, so a
  write lost to an OS crash after that commit would be lost for good.
- `immediate_transaction`: a write transaction taken at once (`BEGIN IMMEDIATE`, so two
  writers queue instead of failing half-way), rolled back on any exception.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def connect(
    path: Path, *, timeout_s: float = 30.0, check_same_thread: bool = True
) -> sqlite3.Connection:
    connection = sqlite3.connect(
        path, isolation_level=None, timeout=timeout_s, check_same_thread=check_same_thread
    )
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    return connection


@contextmanager
def immediate_transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
