"""Helper processes for big scoring runs: same numbers with and without them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sumbench import scoring, text, workers
from sumbench.errors import ScoringMismatchError, SumbenchError
from sumbench.scoring import RougeSpec, score_batch

from .conftest import SUMMEVAL, fast_scorer_off_at, read_jsonl


def _summeval_texts(articles: int) -> list[str]:
    rows = read_jsonl(SUMMEVAL)[:articles]
    return [t for row in rows for t in row["references"] + [s["summary"] for s in
                                                             row["systems"].values()]]


def test_sentences_split_in_helpers_equal_those_split_here():
    texts = _summeval_texts(12)
    assert len(set(texts)) > 4 * text.CHUNK
    text._LINES.clear()
    with workers.pool(2) as pool:
        shared = text.sentence_lines_many(texts, pool)
    assert shared == [text._split_into_lines(t) for t in texts]


def test_the_check_in_a_helper_still_catches_a_wrong_fast_score(monkeypatch):
    """The helper imports rouge-score afresh, so the fast path patched here is checked
    against the real thing."""
    monkeypatch.setattr(scoring, "_fast_scorer", lambda spec: fast_scorer_off_at(3))
    refs = [["a b c", "a d"], ["x y"], ["p q r"]]
    with workers.pool(1) as pool, pytest.raises(ScoringMismatchError, match="pair #3"):
        score_batch(references=refs, predictions=["a b", "x", "p r"],
                    spec=RougeSpec(use_stemmer=False), pool=pool)


def test_helpers_start_only_where_allowed_and_worth_it(monkeypatch):
    monkeypatch.setattr(workers, "_allowed", False)
    assert workers.useful_workers(10_000) == 0  # a library caller: one process
    monkeypatch.setattr(workers, "_allowed", True)
    assert workers.useful_workers(workers.MIN_TEXTS - 1) == 0
    monkeypatch.setenv(workers.ENV_VAR, "3")
    assert workers.useful_workers(workers.MIN_TEXTS) == 3
    monkeypatch.setenv(workers.ENV_VAR, "0")
    assert workers.useful_workers(10_000) == 0
    monkeypatch.setenv(workers.ENV_VAR, "two")
    for texts in (10_000, 1):  # refused even where no helper would start
        with pytest.raises(SumbenchError, match="SUMBENCH_WORKERS='two'"):
            workers.useful_workers(texts)


def _run(tmp_path: Path, name: str, helpers: int, suite: Path, preds: Path) -> Path:
    out = tmp_path / name
    env = {**os.environ, workers.ENV_VAR: str(helpers)}
    subprocess.run([sys.executable, "-m", "sumbench", "run", "--summarizer", "predictions",
                    "--predictions", str(preds), "--data", str(suite), "--out", str(out),
                    "--quiet"], check=True, env=env, timeout=300)
    return out


def test_a_run_with_helpers_writes_what_a_run_without_them_writes(tmp_path: Path):
    """480 SummEval summaries (16 systems x 30 articles, 11 references each): split,
    checked and diagnosed by two helpers, or all in one process."""
    suite, preds = tmp_path / "suite.jsonl", tmp_path / "preds.jsonl"
    with suite.open("w") as s_fh, preds.open("w") as p_fh:
        for row in read_jsonl(SUMMEVAL)[:30]:
            for name, system in row["systems"].items():
                doc = f"{row['id']}-{name}"
                s_fh.write(json.dumps({"id": doc, "article": row["article"],
                                       "references": row["references"]}) + "\n")
                p_fh.write(json.dumps({"id": doc, "prediction": system["summary"]}) + "\n")
    alone = _run(tmp_path, "alone", 0, suite, preds)
    helped = _run(tmp_path, "helped", 2, suite, preds)
    assert (alone / "samples.jsonl").read_bytes() == (helped / "samples.jsonl").read_bytes()
    results = [json.loads((run / "results.json").read_text()) for run in (alone, helped)]
    assert [r["timings"]["scoring_helpers"] for r in results] == [0, 2]
    for r in results:
        del r["timings"], r["spec"]["command"]
    assert results[0] == results[1]
