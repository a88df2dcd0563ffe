"""The snapshot consumer: the latest event of every tender in `tenders.sqlite3`.

A small, always-on consumer that `run` and `demo` read back (what did this cycle find?).
Idempotent: an event only replaces a stored one with a lower `sequence`.
"""

from __future__ import annotations

from pathlib import Path

from consumers.loop import Message, Rejection
from tenderwatch.common.settings import Settings
from tenderwatch.common.sqlite import connect, immediate_transaction

SNAPSHOT_FILE = "tenders.sqlite3"
SCHEMA = """
CREATE TABLE IF NOT EXISTS tenders (
    tender_id TEXT PRIMARY KEY,
    sequence INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    tender_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (consumer TEXT PRIMARY KEY, received INTEGER NOT NULL);
"""


class TenderSnapshot:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = connect(path, check_same_thread=False)
        self.connection.executescript(SCHEMA)

    @classmethod
    def for_settings(cls, settings: Settings) -> TenderSnapshot:
        return cls(Path(settings.data_dir) / SNAPSHOT_FILE)

    def handle(self, messages: list[Message]) -> list[Rejection]:
        with immediate_transaction(self.connection):
            for message in messages:
                event = message.payload
                self.connection.execute(
                    """INSERT INTO tenders (tender_id, sequence, event_type, tender_json) VALUES
                    (?, ?, ?, ?)
                       ON CONFLICT (tender_id) DO UPDATE SET sequence = excluded.sequence,
                           event_type = excluded.event_type, tender_json = excluded.tender_json
                       WHERE excluded.sequence > tenders.sequence""",
                    (
                        event.subject,
                        event.data.sequence,
                        event.type,
                        event.data.tender.model_dump_json(),
                    ),
                )
            self.connection.execute(
                """INSERT INTO deliveries (consumer, received) VALUES ('snapshot', ?)
                   ON CONFLICT (consumer) DO UPDATE SET received = received + excluded.received""",
                (len(messages),),
            )
        return []

    def tenders(self) -> list[tuple[str, int, str, str]]:
        return self.connection.execute(
            "SELECT tender_id, sequence, event_type, tender_json FROM tenders ORDER BY tender_id"
        ).fetchall()

    def received(self) -> int:
        row = self.connection.execute(
            "SELECT received FROM deliveries WHERE consumer = 'snapshot'"
        ).fetchone()
        return row[0] if row else 0

    def close(self) -> None:
        self.connection.close()
