"""Crashes lose no finished work: kill -9 and Ctrl-C mid-generation, then resume."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sumbench.cache import ResponseCache
from sumbench.records import Example, Generation
from sumbench.summarizers.cached import CachedSummarizer

from .conftest import CNNDM

pytestmark = pytest.mark.slow


N_DOCS = 6  # after the first commit, 5 more documents to generate: far longer than the
            # moment the test needs to take the lock (see _start_and_interrupt)


def _cmd(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "sumbench", "run", "--data", str(CNNDM), "--limit", str(N_DOCS),
            "--batch-size", "1", "--max-new-tokens", "16", "--max-input-tokens", "120",
            "--quiet", "--out", str(out), *extra]


def _rows(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _env(model_cache: Path) -> dict[str, str]:
    return {**os.environ, "SUMBENCH_CACHE_DIR": str(model_cache), "HF_HUB_OFFLINE": "1"}


def _start_and_interrupt(cmd: list[str], env: dict, db: Path, sig: int) -> subprocess.Popen:
    """Start a run, wait until its first document is committed, then interrupt it while
    it provably cannot finish: the test holds SQLite's write lock on the cache, so the
    run blocks before it can commit another document, and the lock is let go only after
    the signal is sent. No timing decides the outcome, however loaded the machine."""
    # A shell that starts a job in the background (`cmd &`, as CI scripts may) makes it
    # ignore SIGINT, and Python keeps an ignored SIGINT ignored: give the run the default.
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 300
    while _rows(db) < 1:  # bounded wait for the first commit, not a race
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no document finished within 300 s"
        time.sleep(0.05)
    lock = sqlite3.connect(db, timeout=60, isolation_level=None)
    try:
        lock.execute("BEGIN IMMEDIATE")  # the writer's lock: the run cannot commit now
        assert _rows(db) < N_DOCS and proc.poll() is None, "the run ended before the lock"
        proc.send_signal(sig)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    proc.wait(timeout=120)
    return proc


def _comparable(run_dir: Path) -> tuple[dict, str]:
    results = json.loads((run_dir / "results.json").read_text())
    results.pop("timings")
    results["spec"].pop("command")
    return results, (run_dir / "samples.jsonl").read_text()


def test_kill_9_then_resume_equals_uninterrupted_run(default_model, model_cache_dir, tmp_path):
    env = _env(model_cache_dir)
    db = tmp_path / "responses.sqlite"
    killed = _start_and_interrupt(_cmd(tmp_path / "run", "--cache-file", str(db)), env, db,
                                  signal.SIGKILL)
    assert killed.returncode == -signal.SIGKILL
    finished_before = _rows(db)
    assert 1 <= finished_before < N_DOCS
    assert not (tmp_path / "run" / "results.json").exists()

    subprocess.run(_cmd(tmp_path / "run", "--cache-file", str(db)), env=env, check=True)
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["timings"]["cache_hits"] == finished_before  # resumed, not redone
    assert _rows(db) == N_DOCS

    subprocess.run(_cmd(tmp_path / "fresh", "--no-cache"), env=env, check=True)
    assert _comparable(tmp_path / "run") == _comparable(tmp_path / "fresh")


def test_ctrl_c_exits_130_and_keeps_finished_documents(default_model, model_cache_dir,
                                                       tmp_path):
    env = _env(model_cache_dir)
    db = tmp_path / "responses.sqlite"
    proc = _start_and_interrupt(_cmd(tmp_path / "run", "--cache-file", str(db)), env, db,
                                signal.SIGINT)
    _, stderr = proc.communicate()
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "run the same command again to resume" in stderr
    assert "Traceback" not in stderr
    assert _rows(db) >= 1


class _Counting:
    name = "counting"
    runs_model = True
    batch_size = None

    def __init__(self) -> None:
        self.calls: list[str] = []

    def fingerprint(self) -> str:
        return "f1"

    def summarize(self, examples, on_each=None):
        self.calls += [e.id for e in examples]
        return [Generation(e.id, e.article.upper(), e.article, 3, 2) for e in examples]

    def describe(self):
        return {"summarizer": self.name}


def test_cache_serves_hits_and_only_generates_misses(tmp_path: Path):
    inner = _Counting()
    cached = CachedSummarizer(inner, ResponseCache(tmp_path / "c.sqlite"))
    a, b = Example("a", "alpha", ("r",)), Example("b", "beta", ("r",))
    first = cached.summarize([a])
    second = cached.summarize([a, b])
    assert inner.calls == ["a", "b"]
    assert second[0] == Generation("a", "ALPHA", "alpha", 3, 2, False, cached=True)
    assert second[1].cached is False and first[0].cached is False
    # same article under another id is the same cache entry; the id is the new one
    [renamed] = cached.summarize([Example("a2", "alpha", ("r",))])
    assert renamed.id == "a2" and renamed.cached
