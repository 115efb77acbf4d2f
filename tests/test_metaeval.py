"""sumbench meta-eval: the coefficients equal scipy's, the levels are as defined (checked
by hand and against an independent rouge-score + scipy computation on SummEval), the
bootstrap is seeded, and the paired test tells a good metric from noise."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from sumbench import metaeval
from sumbench.cli import app
from sumbench.errors import EXIT_BAD_INPUT, InputError

from .conftest import SUMMEVAL, read_jsonl

runner = CliRunner()


@pytest.mark.parametrize("seed", range(5))
def test_coefficients_equal_scipy_with_ties(seed: int):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, size=(30, 9)).astype(float)  # many ties
    y = rng.integers(0, 5, size=(30, 9)).astype(float)
    for coefficient, reference in (("kendall", stats.kendalltau), ("spearman", stats.spearmanr),
                                   ("pearson", stats.pearsonr)):
        got = metaeval.correlate(x, y, coefficient)
        for row in range(30):
            if np.all(x[row] == x[row][0]) or np.all(y[row] == y[row][0]):
                assert np.isnan(got[row])
                continue
            expected = reference(x[row], y[row])[0]  # kendalltau is tau-b
            assert got[row] == pytest.approx(expected, abs=1e-12), (coefficient, row)


def test_levels_by_hand():
    # 3 documents x 3 systems
    metric = np.array([[1.0, 2.0, 3.0], [1.0, 3.0, 2.0], [5.0, 5.0, 5.0]])
    human = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    # system means: metric (7/3, 10/3, 10/3), human (1, 2, 3): pairs (1,2) +, (1,3) +,
    # (2,3) tied in the metric -> tau-b = 2 / sqrt(2 * 3)
    assert metaeval.level_value(metric, human, "system", "kendall") == \
        pytest.approx(2 / np.sqrt(6))
    # per document: tau 1, then 1/3, then undefined (constant) -> mean of 1 and 1/3
    assert metaeval.level_value(metric, human, "summary", "kendall") == pytest.approx(2 / 3)


def _tiny(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "human.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _row(doc: str, scores: dict[str, float], article: str | None = "An article.") -> dict:
    row = {"id": doc, "references": ["a reference"],
           "systems": {name: {"summary": f"summary by {name}", "human": {"overall": v}}
                       for name, v in scores.items()}}
    if article is not None:
        row["article"] = article
    return row


def test_constant_documents_are_skipped_and_counted(tmp_path: Path):
    rows = [_row("d1", {"a": 1, "b": 2, "c": 3}), _row("d2", {"a": 2, "b": 2, "c": 2}),
            _row("d3", {"a": 3, "b": 1, "c": 2})]
    data = metaeval.load_human(_tiny(tmp_path, rows))
    scores = {"m": np.array([[1.0, 2.0, 3.0], [3.0, 1.0, 2.0], [1.0, 2.0, 3.0]])}
    rows, _tests = metaeval.meta_evaluate(data, scores, metaeval.MetaEvalOptions(n_resamples=20))
    summary = next(r for r in rows if r.level == "summary")
    assert summary.n_skipped == 1  # d2's human scores are constant
    # d1: tau 1; d3: metric (1,2,3) vs human (3,1,2): pairs -,-,+ -> -1/3; mean 1/3
    assert summary.kendall.value == pytest.approx(1 / 3, abs=1e-6)


def test_the_bootstrap_is_seeded():
    rng = np.random.default_rng(0)
    human = {"h": rng.random((20, 6))}
    scores = {"m": human["h"] + rng.random((20, 6))}
    docs, systems = metaeval.resample_documents_and_systems(20, 6, "both", 100, seed=3)
    again = metaeval.resample_documents_and_systems(20, 6, "both", 100, seed=3)
    other = metaeval.resample_documents_and_systems(20, 6, "both", 100, seed=4)
    first = metaeval.correlation_rows(scores, human, docs, systems, 0.95)
    assert first == metaeval.correlation_rows(scores, human, *again, 0.95)
    assert first != metaeval.correlation_rows(scores, human, *other, 0.95)
    only_docs = metaeval.resample_documents_and_systems(20, 6, "documents", 5, seed=0)
    assert (only_docs[1] == np.arange(6)).all() and not (only_docs[0] == np.arange(20)).all()


def test_the_paired_test_tells_a_good_metric_from_noise():
    paired = metaeval.correlation_paired_test
    rng = np.random.default_rng(1)
    human = rng.random((40, 8))
    good = human + 0.1 * rng.random((40, 8))
    noise = rng.random((40, 8))
    for level in ("system", "summary"):
        better = paired(good, noise, human, level=level, n_permutations=200)
        assert better["delta"] > 0 and better["p_value"] < 0.05
        worse = paired(noise, good, human, level=level, n_permutations=200)
        assert worse["p_value"] > 0.5
        same = paired(good, good, human, level=level, n_permutations=200)
        assert same["delta"] == 0 and same["p_value"] == 1.0


@pytest.mark.parametrize(("rows", "message"), [
    ([{"id": "a"}], "'references' must be a non-empty list"),
    ([_row("d1", {"a": 1, "b": 2}), _row("d1", {"a": 1, "b": 2})], "duplicate id 'd1'"),
    ([_row("d1", {"a": 1, "b": 2}), _row("d2", {"a": 1, "c": 2})],
     "document 'd2' has systems ['a', 'c']"),
    ([_row("d1", {"a": 1, "b": 2})], "needs at least two documents"),
    ([{"id": "d", "references": ["r"], "systems": {"a": {"summary": "s", "human": {"x": "high"}},
                                                   "b": {"summary": "s", "human": {"x": 1}}}}],
     "system 'a': needs 'summary'"),
])
def test_bad_input_names_the_line(tmp_path: Path, rows, message):
    path = _tiny(tmp_path, rows)
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        metaeval.load_human(path)


def test_without_articles_diagnostics_are_skipped(tmp_path: Path):
    rows = [_row(f"d{i}", {"a": i, "b": 2, "c": 3 - i}, article=None) for i in range(3)]
    data = metaeval.load_human(_tiny(tmp_path, rows))
    from sumbench.scoring import RougeSpec

    assert set(metaeval.metric_scores(data, RougeSpec())) == {
        f"{t}.{s}" for t in ("rouge1", "rouge2", "rougeL", "rougeLsum")
        for s in ("precision", "recall", "fmeasure")}


def test_summeval_system_level_equals_rouge_score_and_scipy(tmp_path: Path):
    """On the first 12 SummEval documents: our system-level Kendall of ROUGE-1 F1 with
    each dimension equals one computed independently, rouge-score's score_multi then
    scipy's kendalltau."""
    from rouge_score import rouge_scorer

    rows = read_jsonl(SUMMEVAL)[:12]
    path = _tiny(tmp_path, rows)
    code = runner.invoke(app, ["meta-eval", str(path), "--out", str(tmp_path / "out"),
                               "--n-resamples", "50", "--quiet", "--paired",
                               "rouge2.fmeasure,rouge1.fmeasure"])
    assert code.exit_code == 0, code.output
    result = json.loads((tmp_path / "out" / "meta_eval.json").read_text())
    assert {p.name for p in (tmp_path / "out").iterdir()} == {
        "meta_eval.json", "meta_eval.md", "meta_eval.html"}
    scorer = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)
    systems = sorted(rows[0]["systems"])
    means = [np.mean([scorer.score_multi(r["references"], r["systems"][s]["summary"])
                      ["rouge1"].fmeasure for r in rows]) for s in systems]
    for dim in ("coherence", "consistency", "fluency", "relevance"):
        human = [np.mean([r["systems"][s]["human"][dim] for r in rows]) for s in systems]
        [row] = [r for r in result["rows"] if r["metric"] == "rouge1.fmeasure"
                 and r["human"] == dim and r["level"] == "system"]
        tau = stats.kendalltau(np.round(means, 10), np.round(human, 10))[0]  # ties as ties
        assert row["kendall"]["value"] == pytest.approx(tau, abs=1e-6)
        assert row["kendall"]["low"] <= row["kendall"]["high"]
        assert set(row) == {"metric", "human", "level", "kendall", "spearman", "pearson",
                            "n_systems", "n_documents", "n_skipped"}
    assert len(result["paired_tests"]) == 8  # 4 dimensions x 2 levels
    assert "density" in result["metrics"]  # SummEval has articles: diagnostics too
    assert "Kendall tau-b" in (tmp_path / "out" / "meta_eval.md").read_text()


def test_meta_eval_settings_are_checked(tmp_path: Path):
    result = runner.invoke(app, ["meta-eval", str(SUMMEVAL), "--paired", "rouge1",
                                 "--out", str(tmp_path / "x")])
    assert result.exit_code == EXIT_BAD_INPUT and "--paired cannot read 'rouge1'" in result.output
    result = runner.invoke(app, ["meta-eval", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == EXIT_BAD_INPUT and "missing.jsonl: file not found" in result.output
