"""The response cache: what makes two outputs the same entry, and what it gives back."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from sumbench.cache import ResponseCache, cache_key
from sumbench.records import Example, Generation
from sumbench.summarizers.cached import CachedSummarizer


class _Echo:
    """Generates '<fingerprint>:<article>' so any mix-up between entries shows."""

    name = "echo"
    runs_model = True
    batch_size = 7

    def __init__(self, fingerprint: str) -> None:
        self._fingerprint = fingerprint
        self.calls: list[str] = []
        self.planned: list[int] = []

    def fingerprint(self) -> str:
        return self._fingerprint

    def summarize(self, examples, on_each=None):
        self.calls += [e.id for e in examples]
        return [Generation(e.id, f"{self._fingerprint}:{e.article}", f"raw {e.article}",
                           len(e.article), 3, truncated=e.article.startswith("long"))
                for e in examples]

    def plan(self, n_documents: int) -> None:
        self.planned.append(n_documents)

    def describe(self):
        return {"summarizer": self.name, "fingerprint": self._fingerprint}


def _ex(doc_id: str, article: str) -> Example:
    return Example(doc_id, article, ("ref",))


def test_key_is_sha256_of_fingerprint_and_article():
    assert cache_key("f", "a") == hashlib.sha256(b"f\0a").hexdigest()
    assert cache_key("f", "a") != cache_key("g", "a") != cache_key("f", "b")


def test_another_fingerprint_never_reuses_an_output(tmp_path: Path):
    db = tmp_path / "c.sqlite"
    old = CachedSummarizer(_Echo("model-a"), ResponseCache(db))
    new_inner = _Echo("model-b")
    new = CachedSummarizer(new_inner, ResponseCache(db))
    old.summarize([_ex("d", "same article")])
    [g] = new.summarize([_ex("d", "same article")])
    assert new_inner.calls == ["d"] and not g.cached
    assert g.prediction == "model-b:same article"
    [again] = CachedSummarizer(_Echo("model-a"), ResponseCache(db)).summarize(
        [_ex("d", "same article")])
    assert again.cached and again.prediction == "model-a:same article"


def test_a_hit_returns_every_field_as_generated(tmp_path: Path):
    db = tmp_path / "c.sqlite"
    inner = _Echo("f")
    first = CachedSummarizer(inner, ResponseCache(db)).summarize(
        [_ex("a", "long article"), _ex("b", "short")])
    reread = CachedSummarizer(_Echo("f"), ResponseCache(db))
    second = reread.summarize([_ex("a", "long article"), _ex("b", "short")])
    for fresh, hit in zip(first, second, strict=True):
        assert hit == Generation(fresh.id, fresh.prediction, fresh.raw_prediction,
                                 fresh.input_tokens, fresh.output_tokens, fresh.truncated,
                                 cached=True)
    assert second[0].truncated is True and second[1].truncated is False
    assert reread.hits == 2


def test_only_misses_are_generated_and_order_is_kept(tmp_path: Path):
    inner = _Echo("f")
    cached = CachedSummarizer(inner, ResponseCache(tmp_path / "c.sqlite"))
    cached.summarize([_ex(f"d{i}", f"article {i}") for i in range(0, 600, 2)])
    inner.calls.clear()
    docs = [_ex(f"d{i}", f"article {i}") for i in range(600)]  # over one 500-key query
    out = cached.summarize(docs)
    assert [g.id for g in out] == [d.id for d in docs]
    assert [g.prediction for g in out] == [f"f:article {i}" for i in range(600)]
    assert inner.calls == [f"d{i}" for i in range(1, 600, 2)]
    assert [g.cached for g in out] == [i % 2 == 0 for i in range(600)]


def test_each_batch_is_one_committed_transaction(tmp_path: Path):
    db = tmp_path / "c.sqlite"
    cached = CachedSummarizer(_Echo("f"), ResponseCache(db))
    cached.summarize([_ex("a", "x"), _ex("b", "y")])
    with sqlite3.connect(db) as conn:  # another connection sees both rows: committed
        rows = conn.execute("SELECT fingerprint, prediction FROM responses ORDER BY prediction"
                            ).fetchall()
    assert rows == [("f", "f:x"), ("f", "f:y")]


def test_the_wrapper_forwards_what_the_run_needs(tmp_path: Path):
    inner = _Echo("f")
    cached = CachedSummarizer(inner, ResponseCache(tmp_path / "c.sqlite"))
    assert (cached.name, cached.runs_model, cached.batch_size) == ("echo", True, 7)
    cached.plan(42)
    assert inner.planned == [42]
    assert cached.describe() == {"summarizer": "echo", "fingerprint": "f"}


def test_the_cache_folder_is_made_as_needed(tmp_path: Path):
    db = tmp_path / "a" / "b" / "responses.sqlite"
    CachedSummarizer(_Echo("f"), ResponseCache(db)).summarize([_ex("d", "x")])
    assert db.is_file()
