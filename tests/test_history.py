"""`sumbench history` on real runs: series by comparability, exactly the planted change,
labels, exit codes, and the chart in a real browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sumbench.cli import app
from sumbench.compare import compare_runs
from sumbench.runio import read_run

from .conftest import CNNDM, read_jsonl

runner = CliRunner()
N_DOCS = 30
HOSTILE_LABEL = "<script>document.body.setAttribute('data-pwned','1')</script>"


def sumbench(*args: object) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bart, bart again, s2s, s2s again (published outputs): one series whose only change
    is bart -> s2s. Lead-3 twice on edited references: a series of its own."""
    root = tmp_path_factory.mktemp("history")
    rows = read_jsonl(CNNDM)[:N_DOCS]
    for system in ("bart", "s2s"):
        (root / f"{system}.jsonl").write_text("".join(
            json.dumps({"id": r["id"], "prediction": r["systems"][system]}) + "\n"
            for r in rows))
    edited = [dict(r, references=["An edited reference."]) if i < 3 else r
              for i, r in enumerate(rows)]
    (root / "edited.jsonl").write_text("".join(json.dumps(r) + "\n" for r in edited))
    plan = [("r1", "bart", "v1"), ("r2", "bart", "v2"), ("r3", "s2s", "v3"),
            ("r4", "s2s", None), ("lead1", "lead", "lead one"), ("lead2", "lead", None)]
    for folder, system, label in plan:
        args = ["run", "--out", root / folder, "--quiet", "--limit", N_DOCS]
        if system == "lead":
            args += ["--summarizer", "lead", "--data", root / "edited.jsonl"]
        else:
            args += ["--summarizer", "predictions", "--predictions", root / f"{system}.jsonl",
                     "--data", CNNDM]
        if label:
            args += ["--label", label]
        code, output = sumbench(*args)
        assert code == 0, output
    return root


def _history(root: Path, *folders: str, extra: tuple = ()) -> tuple[int, str, dict]:
    out = root / "out"
    shutil.rmtree(out, ignore_errors=True)
    code, output = sumbench("history", *(root / f for f in folders), "--out", out, *extra)
    data = json.loads((out / "history.json").read_text()) if (out / "history.json").is_file() \
        else {}
    return code, output, data


def test_series_and_exactly_the_planted_change(runs: Path):
    order = ("r1", "r2", "lead1", "r3", "r4", "lead2")  # the other series interleaved
    code, output, h = _history(runs, *order)
    assert code == 0, output
    paths = [str(runs / f) for f in order]
    assert [r["path"] for r in h["runs"]] == paths
    assert [r["series"] for r in h["runs"]] == [1, 1, 2, 1, 1, 2]
    assert [r["label"] for r in h["runs"]] == ["v1", "v2", "lead one", "v3", "r4", "lead2"]
    assert h["n_series"] == 2 and h["regressed"] is False
    [note] = h["notes"]
    assert note.startswith(f"{runs / 'lead1'} starts series 2 (2 runs)")
    assert "references differ for 3 document(s)" in note
    metrics = ["rouge1.fmeasure", "rouge2.fmeasure", "rougeL.fmeasure", "rougeLsum.fmeasure"]
    assert h["metrics"] == metrics
    changes = h["changes"]
    assert [(c["metric"], c["from"], c["to"], c["verdict"]) for c in changes] == [
        (m, str(runs / "r2"), str(runs / "r3"), "regression") for m in metrics]
    # the numbers are compare's own for that pair
    pair = compare_runs(read_run(runs / "r2"), read_run(runs / "r3"))
    for change, m in zip(changes, pair.metrics, strict=True):
        assert change["delta"] == {"mean": m.delta.mean_delta, "low": m.delta.low,
                                   "high": m.delta.high}
        assert change["p_value"] == m.delta.p_value < 0.05
    r3 = read_run(runs / "r3")
    first = h["runs"][3]
    assert first["signature"] == r3.signature
    assert first["metrics"]["rouge2.fmeasure"] == r3.scores["rouge2"]["fmeasure"].as_dict()
    assert first["git_commit"] == r3.spec.git_commit
    assert first["created_at"] == r3.timings["created_at"]
    md = (runs / "out" / "history.md").read_text()
    assert md.count("🔴 regression") == 4 and "starts series 2" in md


def test_fail_on_regression_looks_at_the_latest_pair_of_each_series(runs: Path):
    assert _history(runs, "r1", "r2", "r3", extra=("--fail-on-regression",))[0] == 1
    assert _history(runs, "r1", "r2", "r3")[0] == 0  # reported, not failed, without the flag
    # the regression is history once a later pair shows no change
    code, output, h = _history(runs, "r1", "r3", "r4", extra=("--fail-on-regression",))
    assert code == 0, output
    assert len(h["changes"]) == 4
    # a series' latest pair regressing fails the run even if another series is fine
    assert _history(runs, "lead1", "lead2", "r2", "r3",
                    extra=("--fail-on-regression",))[0] == 1


def test_a_quoted_pattern_is_expanded_in_sorted_order(runs: Path):
    code, output = sumbench("history", str(runs / "r*"), "--out", runs / "glob",
                            "--report", "json")
    assert code == 0, output
    h = json.loads((runs / "glob" / "history.json").read_text())
    assert [r["path"] for r in h["runs"]] == [str(runs / f"r{i}") for i in (1, 2, 3, 4)]
    code, output = sumbench("history", str(runs / "nothing-*"), "--out", runs / "none")
    assert code == 2 and "matches no run folder" in output


def test_metrics_and_diagnostics_are_followed_as_compare_follows_them(runs: Path):
    code, output, h = _history(runs, "r1", "r2", "r3", "r4",
                               extra=("--metrics", "rouge2.recall,density"))
    assert code == 0, output
    assert h["metrics"] == ["rouge2.recall", "density"]
    verdicts = {c["metric"]: c["verdict"] for c in h["changes"]}
    expected = compare_runs(read_run(runs / "r2"), read_run(runs / "r3"),
                            metrics="rouge2.recall,density")
    assert verdicts["rouge2.recall"] == "regression"
    assert expected.metrics[1].verdict in ("increased", "decreased")  # never a regression
    assert verdicts["density"] == expected.metrics[1].verdict
    assert set(h["runs"][0]["metrics"]) == {"rouge2.recall", "density"}


def test_an_older_run_without_label_commit_or_time_still_loads(runs: Path, tmp_path: Path):
    old = tmp_path / "older-run"
    shutil.copytree(runs / "r1", old)
    results = json.loads((old / "results.json").read_text())
    results["spec"].pop("label"), results["spec"].pop("git_commit")
    results["timings"].pop("created_at")
    (old / "results.json").write_text(json.dumps(results))
    code, output = sumbench("history", old, runs / "r2", "--out", tmp_path / "h",
                            "--report", "json")
    assert code == 0, output
    first = json.loads((tmp_path / "h" / "history.json").read_text())["runs"][0]
    assert first["label"] == "older-run" and first["git_commit"] is None
    assert first["created_at"] == results["timings"]["started_at"]  # the older record


def test_history_needs_a_run_folder(tmp_path: Path):
    code, output = sumbench("history", tmp_path / "missing", "--out", tmp_path / "h")
    assert code == 2 and "not a run folder" in output


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="Debian's chromium is not installed "
                    "(.ci/run installs it)")
def test_history_chart_renders_in_chromium(runs: Path, tmp_path: Path):
    """The page in a real browser: a chart per metric with its band, line, one point per
    run and the change marked; a hostile label shows as text; the CSP holds."""
    hostile = tmp_path / "hostile"
    shutil.copytree(runs / "r4", hostile)
    results = json.loads((hostile / "results.json").read_text())
    results["spec"]["label"] = HOSTILE_LABEL
    (hostile / "results.json").write_text(json.dumps(results))
    out = tmp_path / "h"
    code, output = sumbench("history", runs / "r1", runs / "r2", runs / "r3", hostile,
                            runs / "lead1", "--out", out, "--report", "html")
    assert code == 0, output
    page = (out / "history.html").read_text()
    assert "Content-Security-Policy" in page and "<script>document" not in page
    assert "http" not in page.replace("http-equiv", "").replace("http://www.w3.org", "")
    proc = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=2000",
         "--dump-dom", (out / "history.html").as_uri()], capture_output=True, text=True,
        timeout=120)
    dom = proc.stdout
    assert "<body" in dom, proc.stderr[-2000:]
    assert "data-pwned" not in re.search(r"<body[^>]*>", dom).group()
    assert 'data-ready="1"' in dom  # the page's own script ran under its CSP
    figures = re.findall(r'<figure class="chart" id="chart-([^"]+)">(.*?)</figure>', dom, re.S)
    assert [m for m, _ in figures] == ["rouge1.fmeasure", "rouge2.fmeasure",
                                       "rougeL.fmeasure", "rougeLsum.fmeasure"]
    for _, svg in figures:
        assert svg.count('class="point"') == 5  # every run, in both series
        assert svg.count('class="band"') == 2 and svg.count('class="line"') == 2
        assert svg.count('class="change regression"') == 1  # r2 -> r3
        assert "v3 · " in svg and "&lt;script&gt;document.body" in svg  # labels, as text
