"""One way to write to the SQLite files (crawl state, alerts): a write transaction taken at
once (`BEGIN IMMEDIATE`, so two writers queue instead of failing half-way), rolled back on
any exception."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def immediate_transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
