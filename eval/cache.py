"""A content-addressed cache of model outputs in SQLite.

Key: sha256 of the summarizer's fingerprint (model weights hash, generation settings,
prompt template, cleanup rules) and the article text. Every finished batch is
committed in one transaction, so a crash or ``kill -9`` loses at most the batch in
flight and re-running the same command resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sumbench.records import Example, Generation
from sumbench.summarizers import Summarizer

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

    def get_many(self, keys: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        found: dict[str, tuple[Any, ...]] = {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start:start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT key, prediction, raw_prediction, input_tokens, output_tokens, truncated "
                f"FROM responses WHERE key IN ({marks})", chunk)
            found.update({row[0]: row[1:] for row in rows})
        return found

    def put_many(self, fingerprint: str, items: Sequence[tuple[str, Generation]]) -> None:
        now = time.time()
        with self._db:  # one transaction: all of the batch or none of it
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(key, fingerprint, g.prediction, g.raw_prediction, g.input_tokens,
                  g.output_tokens, int(g.truncated), now) for key, g in items])

    def close(self) -> None:
        self._db.close()


class CachedSummarizer:
    """Put in front of a summarizer whose ``fingerprint()`` is not None; same Protocol out."""

    def __init__(self, inner: Summarizer, cache: ResponseCache) -> None:
        key = inner.fingerprint()
        if key is None:
            raise ValueError(f"summarizer {inner.name!r} has no fingerprint: nothing to cache")
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self.runs_model = inner.runs_model
        self.batch_size = inner.batch_size  # chunks of this size are committed one by one
        self.key = key
        self.hits = 0

    def summarize(self, examples: Sequence[Example]) -> list[Generation]:
        keyed = [(ex, cache_key(self.key, ex.article)) for ex in examples]
        found = self.cache.get_many([key for _, key in keyed])
        misses = [ex for ex, key in keyed if key not in found]
        fresh = {g.id: g for g in self.inner.summarize(misses)} if misses else {}
        if fresh:
            self.cache.put_many(self.key,
                                [(key, fresh[ex.id]) for ex, key in keyed if ex.id in fresh])
        out = []
        for ex, key in keyed:
            if key in found:
                pred, raw, n_in, n_out, truncated = found[key]
                out.append(Generation(ex.id, pred, raw, n_in, n_out, bool(truncated), True))
                self.hits += 1
            else:
                out.append(fresh[ex.id])
        return out

    def fingerprint(self) -> str | None:
        return self.key

    def plan(self, n_documents: int) -> None:
        self.inner.plan(n_documents)

    def describe(self) -> dict[str, Any]:
        return self.inner.describe()

    def timings(self) -> dict[str, float]:
        return self.inner.timings()
