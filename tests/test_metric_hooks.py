"""A metric's own settings (``Metric.Options``) and what it reports beside its values
(counts, failed documents, timings, records), through a run, its folder and a merge of
shards. The metric here counts each summary's words and fails on every other document,
so every number below can be checked by hand."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from sumbench import metrics as metric_registry
from sumbench import shards
from sumbench.errors import EXIT_FAILED_DOCUMENTS, SettingError
from sumbench.metrics import Column, Metric
from sumbench.options import RunOptions
from sumbench.pipeline import execute_run
from sumbench.runio import read_run

from .conftest import CNNDM, read_jsonl


@dataclass(frozen=True)
class FlakyOptions:
    flaky_fail_every: int = field(default=0, metadata={"turns_on": True})
    flaky_label: str = "words"

    def __post_init__(self) -> None:
        if self.flaky_fail_every < 0:
            raise SettingError("flaky_fail_every", "must be at least 0")


class Flaky(Metric):
    """Words per summary; document i fails when i is a multiple of ``fail_every``."""

    name = "flaky"
    Options = FlakyOptions

    def __init__(self, settings: FlakyOptions) -> None:
        self.settings = settings
        self.failed: dict[int, str] = {}
        self.lines: list[dict] = []

    def columns(self):
        return (Column("flaky_words", ("value",), None),)

    def score(self, *, predictions, references, articles):
        every = self.settings.flaky_fail_every
        self.failed = {i: "scripted failure" for i in range(len(predictions))
                       if every and i % every == 0}
        self.lines = [{"id": doc, "label": self.settings.flaky_label, "failed": i in self.failed}
                      for i, doc in enumerate(self.document_ids)]
        return [{"flaky_words": {"value": None if i in self.failed else float(len(p.split()))}}
                for i, p in enumerate(predictions)]

    def counts(self):
        return {"n_scored": len(self.document_ids) - len(self.failed),
                "failed_ids": [self.document_ids[i] for i in sorted(self.failed)]}

    def failures(self):
        return self.failed

    def timings(self):
        return {"calls": len(self.document_ids)}

    def records(self):
        return self.lines


@pytest.fixture
def flaky_registered(monkeypatch):
    monkeypatch.setitem(metric_registry.REGISTRY, "flaky", f"{__name__}:Flaky")


def _options(tmp_path, **given):
    return RunOptions.build(summarizer="lead", data=CNNDM, limit=6, cache=False,
                            quiet=True, out=tmp_path / given.pop("folder", "run"), **given)


def test_a_turns_on_setting_adds_its_metric_and_others_are_refused_without_it(
        flaky_registered, tmp_path):
    options = _options(tmp_path, flaky_fail_every=2)
    assert options.scoring.metrics == ("rouge", "diagnostics", "flaky")
    assert options.metric_settings("flaky") == FlakyOptions(2, "words")
    # a setting without turns_on, its metric not chosen: refused, naming the fix
    with pytest.raises(SettingError, match="add it with --metrics rouge,diagnostics,flaky"):
        _options(tmp_path, flaky_label="tokens")
    # defaults (and None, as the command line passes every option) are not "given"
    plain = _options(tmp_path, flaky_label="words", flaky_fail_every=None)
    assert plain.scoring.metrics == ("rouge", "diagnostics")
    assert plain.metric_settings("flaky") == FlakyOptions()
    with pytest.raises(SettingError, match="`flaky_fail_every` must be at least 0"):
        _options(tmp_path, metrics="rouge,flaky", flaky_fail_every=-1)


def test_counts_failures_timings_and_records_reach_the_run_folder(flaky_registered, tmp_path):
    rows = read_jsonl(CNNDM)[:6]
    options = _options(tmp_path, flaky_fail_every=2, flaky_label="tokens")
    assert execute_run(options, formats=[], fail_under=None, gate_on="mean") \
        == EXIT_FAILED_DOCUMENTS  # 3 failed documents, --max-failures 0
    run_dir = tmp_path / "run"
    summary = json.loads((run_dir / "results.json").read_text())
    failed_ids = [rows[i]["id"] for i in (0, 2, 4)]
    assert summary["counts"]["metrics"]["flaky"] == {"n_scored": 3, "failed_ids": failed_ids}
    assert summary["counts"]["n_metric_failed"] == 3
    assert list(summary["counts"]["metric_failed"]["flaky"]) == failed_ids
    assert summary["timings"]["metrics"]["flaky"] == {"calls": 6}
    assert any(w.startswith("flaky: 3 document(s) failed") for w in summary["warnings"])
    lines = [json.loads(line) for line in (run_dir / "flaky.jsonl").read_text().splitlines()]
    assert [(r["id"], r["label"], r["failed"]) for r in lines] == [
        (row["id"], "tokens", i % 2 == 0) for i, row in enumerate(rows)]
    again = read_run(run_dir)
    assert again.metric_records == {"flaky": lines}
    assert [d.scores["flaky_words"].value is None for d in again.documents] \
        == [i % 2 == 0 for i in range(6)]
    tolerant = _options(tmp_path, flaky_fail_every=2, max_failures=3, folder="tolerant")
    assert execute_run(tolerant, formats=[], fail_under=None, gate_on="mean") == 0


def test_merged_shards_add_counts_and_keep_records_in_suite_order(flaky_registered, tmp_path):
    folders = []
    for index in (2, 1):  # merged in the other order than the suite's
        folder = f"shard{index}"
        execute_run(_options(tmp_path, flaky_fail_every=3, shard=f"{index}/2", folder=folder,
                             max_failures=6), formats=[], fail_under=None, gate_on="mean")
        folders.append(tmp_path / folder)
    merged = shards.merge([(f, read_run(f)) for f in folders], argv=["merge"])
    whole = _options(tmp_path, flaky_fail_every=3, max_failures=6, folder="whole")
    execute_run(whole, formats=[], fail_under=None, gate_on="mean")
    parts = [read_run(f) for f in folders]
    assert merged.counts["metrics"]["flaky"]["n_scored"] == sum(
        p.counts["metrics"]["flaky"]["n_scored"] for p in parts)
    assert merged.counts["n_metric_failed"] == sum(p.counts["n_metric_failed"] for p in parts)
    ids = [d.id for d in merged.documents]
    assert [r["id"] for r in merged.metric_records["flaky"]] == ids
    assert ids == [row["id"] for row in read_jsonl(CNNDM)[:6]]
