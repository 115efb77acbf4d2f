"""A content-addressed cache of model outputs in SQLite.

Key: sha256 of the summarizer's fingerprint (model weights hash or served model name,
generation settings or request body, prompt template, cleanup rules) and the article
text. Every result is committed as the summarizer reports it (``on_each``: a batch at
a time in process, each response as it arrives from a server), so a crash or
``kill -9`` loses only what was in flight and re-running the same command resumes
where it stopped. Failed requests are never cached.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sumbench.records import Generation

SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    prediction TEXT NOT NULL,
    raw_prediction TEXT NOT NULL,
    input_tokens INTEGER,
    output_tokens INTEGER,
    truncated INTEGER NOT NULL,
    created REAL NOT NULL
)
"""
# columns added after the first release, added in place to older cache files
ADDED_COLUMNS = {"finish_reason": "TEXT", "request": "TEXT"}


def cache_key(fingerprint: str, article: str) -> str:
    return hashlib.sha256(f"{fingerprint}\0{article}".encode()).hexdigest()


class ResponseCache:
    """SQLite in WAL mode: readers never block, a killed writer leaves no partial row."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=60, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(SCHEMA)
        have = {row[1] for row in self._db.execute("PRAGMA table_info(responses)")}
        for column, kind in ADDED_COLUMNS.items():
            if column not in have:
                self._db.execute(f"ALTER TABLE responses ADD COLUMN {column} {kind}")

    def get_many(self, keys: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        found: dict[str, tuple[Any, ...]] = {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start:start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT key, prediction, raw_prediction, input_tokens, output_tokens, truncated, "
                f"finish_reason, request FROM responses WHERE key IN ({marks})", chunk)
            found.update({row[0]: row[1:] for row in rows})
        return found

    def put_many(self, fingerprint: str, items: Sequence[tuple[str, Generation]]) -> None:
        now = time.time()
        with self._db:  # one transaction: all of the batch or none of it
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO responses (key, fingerprint, prediction, raw_prediction, "
                "input_tokens, output_tokens, truncated, created, finish_reason, request) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(key, fingerprint, g.prediction, g.raw_prediction, g.input_tokens,
                  g.output_tokens, int(g.truncated), now, g.finish_reason,
                  json.dumps(g.request) if g.request is not None else None)
                 for key, g in items if g.error is None])

    def close(self) -> None:
        self._db.close()
