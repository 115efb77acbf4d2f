"""The metric contract: a metric from outside the package (the README's plugin, installed
as a package of its own) in a run, a gate, `compare`, every report and meta-eval; and
what a metric may return, checked by hand."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sumbench.compare import compare_runs
from sumbench.errors import MetricError, SettingError
from sumbench.metrics import Column, Metric, metric_class, parse_metric_names
from sumbench.run import evaluate_suite
from sumbench.scoring import RougeSpec
from sumbench.suites.jsonl import load_jsonl
from sumbench.summarizers.baselines import LeadSummarizer

from .conftest import CNNDM, ROOT, SHARED, read_jsonl


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's plugin, exactly as written there, built and installed as a package
    of its own into a folder that only the subprocesses below put on their path."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    marker = readme.index("<!-- metric-plugin-example -->")
    python = re.search(r"```python\n(.*?)```", readme[marker:], re.S)
    toml = re.search(r"```toml\n(.*?)```", readme[marker:], re.S)
    assert python and toml, "the plugin example is a python block and a toml block"
    root = tmp_path_factory.mktemp("plugin")
    package, site = root / "sumbench-wordcount", root / "site"
    package.mkdir()
    (package / "sumbench_wordcount.py").write_text(python.group(1))
    (package / "pyproject.toml").write_text(toml.group(1))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--no-build-isolation", "--disable-pip-version-check", "--target",
                    str(site), str(package)], check=True, capture_output=True, timeout=300)
    assert (site / "sumbench_wordcount.py").is_file()
    return site


def _sumbench(site: Path | None, *args: object, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "SUMBENCH_WORKERS": "0"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(site) if site else "",
                                                     env.get("PYTHONPATH", "")) if p)
    return subprocess.run([sys.executable, "-m", "sumbench", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)


def test_the_readme_plugin_in_a_run_a_gate_compare_and_every_report(plugin_site, tmp_path):
    rows = read_jsonl(CNNDM)[:12]
    common = ("run", "--data", CNNDM, "--limit", 12, "--summarizer", "lead", "--no-cache",
              "--quiet", "--metrics", "rouge,diagnostics,wordcount")
    three = _sumbench(plugin_site, *common, "--out", "lead3", "--gate", "wordcount<=60",
                      "--report", "md,junit,html,csv", cwd=tmp_path)
    assert three.returncode == 1, three.stderr  # lead-3 is longer than 60 words: gate fails
    one = _sumbench(plugin_site, *common, "--lead-sentences", 1, "--out", "lead1",
                    "--gate", "wordcount<=60", cwd=tmp_path)
    assert one.returncode == 0, one.stderr

    # per document: the word count, by hand; the aggregate: their exact mean
    samples = [json.loads(line) for line in
               (tmp_path / "lead3" / "samples.jsonl").read_text().splitlines()]
    assert [s["id"] for s in samples] == [r["id"] for r in rows]
    counts = [len(s["prediction"].split()) for s in samples]
    assert [s["scores"]["wordcount"] for s in samples] == [{"value": c} for c in counts]
    results = json.loads((tmp_path / "lead3" / "results.json").read_text())
    assert results["scores"]["wordcount"]["value"]["mean"] == pytest.approx(
        sum(counts) / len(counts), abs=1e-12)
    assert results["signature"].endswith("|metrics:wordcount")
    assert results["spec"]["metrics"]["wordcount"]["columns"] == [
        {"name": "wordcount", "statistics": ["value"], "direction": None,
         "metric": "wordcount"}]
    assert set(results["scores"]) == {"rouge1", "rouge2", "rougeL", "rougeLsum", "wordcount"}

    # every report names it
    folder = tmp_path / "lead3"
    assert re.search(r"\| wordcount \| \d+\.\d{4} \[", (folder / "summary.md").read_text())
    assert "wordcount (mean)" in (folder / "summary.md").read_text()  # the gate's row
    assert 'id="other-metrics"' in (folder / "report.html").read_text()
    assert f"wordcount: value={counts[0]:.4f}" in (folder / "junit.xml").read_text()
    table = list(csv.DictReader(io.StringIO((folder / "samples.csv").read_text())))
    assert [float(r["wordcount_value"]) for r in table] == counts

    # compare pairs it per document; no direction: "decreased", never a regression
    compared = _sumbench(plugin_site, "compare", "lead3", "lead1", "--metrics",
                         "wordcount,rouge1", "--report", "json", cwd=tmp_path)
    verdicts = {m["metric"]: m["verdict"] for m in json.loads(
        (tmp_path / "lead1" / "compare" / "compare.json").read_text())["metrics"]}
    assert verdicts["wordcount.value"] == "decreased"
    assert verdicts["rouge1.fmeasure"] in ("regressed", "no significant change")
    assert compared.returncode == (1 if verdicts["rouge1.fmeasure"] == "regressed" else 0)

    # a finished run is gated and reported without the plugin installed at all
    report = _sumbench(None, "report", "lead1", "--format", "md", "--gate", "wordcount>=100",
                       cwd=tmp_path)
    assert report.returncode == 1, report.stderr
    assert "wordcount (mean)" in (tmp_path / "lead1" / "summary.md").read_text()


def test_the_plugin_in_meta_eval(plugin_site, tmp_path):
    out = _sumbench(plugin_site, "meta-eval", SHARED / "frank-cnndm-dev.jsonl", "--metrics",
                    "rouge,wordcount", "--out", "meta", "--n-resamples", 50, "--report", "json",
                    cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    result = json.loads((tmp_path / "meta" / "meta_eval.json").read_text())
    assert "wordcount" in result["metrics"] and "density" not in result["metrics"]


def test_an_unknown_or_missing_metric_is_one_clear_error(tmp_path):
    with pytest.raises(SettingError, match="names 'wordcout', which is no metric here"):
        parse_metric_names("rouge,wordcout")
    with pytest.raises(SettingError, match="must include rouge"):
        parse_metric_names("diagnostics")
    assert parse_metric_names(None) == ("rouge", "diagnostics")
    assert metric_class("rouge").name == "rouge"
    out = _sumbench(None, "run", "--summarizer", "lead", "--metrics", "rouge,wordcount",
                    "--out", "r", cwd=tmp_path)
    assert out.returncode == 2 and "--metrics names 'wordcount'" in out.stderr
    assert not (tmp_path / "r").exists()


class _Scripted(Metric):
    """A metric that returns what a test tells it to."""

    name = "scripted"

    def __init__(self, rows):
        self.rows = rows

    def columns(self):
        return (Column("length", ("value",), "lower"),)

    def score(self, *, predictions, references, articles):
        return self.rows(predictions) if callable(self.rows) else self.rows


def _run(metric: Metric, n: int = 4, k: int = 3):
    examples = load_jsonl(CNNDM)[:n]
    return evaluate_suite(examples, LeadSummarizer(k), RougeSpec(), metrics=[
        metric_class("rouge")(RougeSpec()), metric])


@pytest.mark.parametrize(("rows", "message"), [
    (lambda p: [{"length": {"value": 1.0}}] * (len(p) - 1), "returned 3 results for 4"),
    (lambda p: [{"length": {"value": 1.0}, "extra": {"value": 2}}] * len(p),
     "returned columns \\['extra', 'length'\\], but columns\\(\\) declares \\['length'\\]"),
    (lambda p: [{"length": {"mean": 1.0}}] * len(p), "declares the statistics \\['value'\\]"),
    (lambda p: [{"length": {"value": float("nan")}}] * len(p), "nan is not a finite number"),
    (lambda p: [{"length": {"value": "7"}}] * len(p), "'7' is not a finite number"),
])
def test_what_a_metric_returns_is_checked_and_names_the_document(rows, message):
    with pytest.raises(MetricError, match=message) as err:
        _run(_Scripted(rows))
    assert "metric 'scripted'" in str(err.value)
    if "results for" not in message:
        assert "document 'cnn-test-" in str(err.value)


def test_a_lower_is_better_column_regresses_when_it_rises():
    """Summary length in characters, declared lower-is-better: lead-3 against lead-1 is
    a significant rise, so a regression; the other way round, an improvement."""
    def lengths(predictions):
        return [{"length": {"value": float(len(p))}} for p in predictions]

    long_run, short_run = _run(_Scripted(lengths), n=30, k=3), _run(_Scripted(lengths), n=30,
                                                                    k=1)
    worse = compare_runs(short_run, long_run, metrics="length")
    better = compare_runs(long_run, short_run, metrics="length")
    assert [m.verdict for m in worse.metrics] == ["regressed"] and worse.regressed
    assert [m.verdict for m in better.metrics] == ["improved"] and not better.regressed
    expected = sum(len(d.generation.prediction) for d in long_run.documents) / 30
    assert worse.metrics[0].new_mean == pytest.approx(expected, abs=1e-9)


def test_none_is_left_out_of_the_mean_and_the_csv():
    def every_other(predictions):
        return [{"length": {"value": None if i % 2 else 10.0 * i}}
                for i, _ in enumerate(predictions)]

    result = _run(_Scripted(every_other))
    assert result.scores["length"]["value"].mean == pytest.approx((0 + 20) / 2)
    assert [d.scores["length"].value for d in result.documents] == [0.0, None, 20.0, None]
