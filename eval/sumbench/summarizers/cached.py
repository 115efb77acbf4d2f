"""A summarizer with the response cache in front: cached articles are not sent again.

``CachedSummarizer`` wraps any summarizer whose ``fingerprint()`` is not None; every
result is committed as the summarizer reports it (``on_each``), so a crash loses only
what was in flight (cache.py holds the store).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sumbench.cache import ResponseCache, cache_key
from sumbench.records import Example, Generation
from sumbench.summarizers import ResultHook, Summarizer


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

    def summarize(self, examples: Sequence[Example],
                  on_each: ResultHook | None = None) -> list[Generation]:
        keyed = {ex.id: cache_key(self.key, ex.article) for ex in examples}
        found = self.cache.get_many(list(keyed.values()))
        out: dict[str, Generation] = {}
        for ex in examples:
            if keyed[ex.id] in found:
                pred, raw, n_in, n_out, truncated, finish, request = found[keyed[ex.id]]
                out[ex.id] = Generation(
                    ex.id, pred, raw, n_in, n_out, bool(truncated), True, finish_reason=finish,
                    request=json.loads(request) if request is not None else None)
                self.hits += 1
                if on_each:
                    on_each(out[ex.id])
        committed: set[str] = set()

        def commit(generation: Generation) -> None:
            self.cache.put_many(self.key, [(keyed[generation.id], generation)])
            committed.add(generation.id)
            if on_each:
                on_each(generation)

        misses = [ex for ex in examples if ex.id not in out]
        if misses:
            fresh = self.inner.summarize(misses, on_each=commit)
            late = [(keyed[g.id], g) for g in fresh if g.id not in committed]
            if late:  # a summarizer that did not report each result as it finished
                self.cache.put_many(self.key, late)
            out.update((g.id, g) for g in fresh)
        return [out[ex.id] for ex in examples]

    def fingerprint(self) -> str | None:
        return self.key

    def plan(self, n_documents: int) -> None:
        self.inner.plan(n_documents)

    def describe(self) -> dict[str, Any]:
        return self.inner.describe()

    def timings(self) -> dict[str, float]:
        return self.inner.timings()
