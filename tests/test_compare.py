"""compare on real system outputs: right sign, no false alarms, refusal when incomparable."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sumbench.cli import app
from sumbench.compare import compare_runs
from sumbench.errors import IncomparableRunsError
from sumbench.records import RunResult
from sumbench.run import evaluate_suite
from sumbench.runio import write_run
from sumbench.scoring import RougeSpec
from sumbench.signature import Signature
from sumbench.spec import RunSpec
from sumbench.suites.jsonl import load_jsonl
from sumbench.summarizers.baselines import PredictionsSummarizer

from .conftest import CNNDM


@pytest.fixture(scope="module")
def system_runs(cnndm_rows) -> dict[str, RunResult]:
    examples = load_jsonl(CNNDM)
    runs = {}
    for name in ("bart", "s2s", "pgn"):
        preds = {r["id"]: r["systems"][name] for r in cnndm_rows}
        runs[name] = evaluate_suite(examples, PredictionsSummarizer(preds, f"{name}.jsonl", name),
                              RougeSpec(), data_source="cnndm-dev.jsonl")
    one_empty = {r["id"]: r["systems"]["bart"] for r in cnndm_rows}
    one_empty[cnndm_rows[0]["id"]] = ""
    runs["bart-one-empty"] = evaluate_suite(
        examples, PredictionsSummarizer(one_empty, "bart-one-empty.jsonl", "x"), RougeSpec(),
        data_source="cnndm-dev.jsonl")
    return runs


def test_better_system_is_significantly_better(system_runs):
    c = compare_runs(system_runs["s2s"], system_runs["bart"])
    for m in c.metrics:
        assert m.verdict == "improved", m
        assert m.delta.low > 0 and m.delta.p_value < 0.001
    reverse = compare_runs(system_runs["bart"], system_runs["s2s"])
    assert all(m.verdict == "regressed" for m in reverse.metrics)
    assert reverse.regressed and reverse.largest_drops[0].delta < 0


def test_system_against_itself_is_no_change(system_runs):
    c = compare_runs(system_runs["pgn"], system_runs["pgn"])
    assert all(m.verdict == "no significant change" and m.delta.p_value == 1.0
               for m in c.metrics)


def test_one_emptied_prediction_is_not_flagged(system_runs):
    c = compare_runs(system_runs["bart"], system_runs["bart-one-empty"])
    for m in c.metrics:
        assert m.delta.mean_delta < 0  # it did drop ...
        assert m.verdict == "no significant change"  # ... but one document is not evidence


def test_tolerance_turns_a_small_regression_into_a_pass(system_runs):
    strict = compare_runs(system_runs["bart"], system_runs["pgn"], metrics="rouge2")
    [m] = strict.metrics
    if m.verdict == "regressed":
        lenient = compare_runs(system_runs["bart"], system_runs["pgn"], metrics="rouge2",
                               max_drop=-m.delta.mean_delta + 0.001)
        assert lenient.metrics[0].verdict == "regressed within tolerance"
        assert not lenient.regressed


def test_incomparable_runs_are_refused_unless_forced(system_runs):
    examples = load_jsonl(CNNDM)
    preds = {e.id: system_runs["pgn"].documents[i].generation.prediction
             for i, e in enumerate(examples)}
    unstemmed = evaluate_suite(examples, PredictionsSummarizer(preds, "pgn.jsonl", "pgn"),
                         RougeSpec(use_stemmer=False))
    with pytest.raises(IncomparableRunsError, match="'stem' differs"):
        compare_runs(system_runs["bart"], unstemmed)
    forced = compare_runs(system_runs["bart"], unstemmed, force=True)
    assert any("'stem' differs" in n for n in forced.notes)
    fewer = evaluate_suite(examples[:50], PredictionsSummarizer(preds, "pgn.jsonl", "pgn"),
                     RougeSpec())
    with pytest.raises(IncomparableRunsError, match="document ids differ"):
        compare_runs(system_runs["bart"], fewer)


def test_compare_cli_exit_codes_and_reports(system_runs, tmp_path: Path):
    for name in ("bart", "s2s"):
        write_run(tmp_path / name, system_runs[name])
    runner = CliRunner()
    bad = runner.invoke(app, ["compare", str(tmp_path / "bart"), str(tmp_path / "s2s"),
                              "--report", "md,junit,html,json", "--out", str(tmp_path / "c")])
    assert bad.exit_code == 1, bad.output
    assert "regressed" in bad.output
    report = json.loads((tmp_path / "c" / "compare.json").read_text())
    assert report["regressed"] is True and len(report["metrics"]) == 4
    for name in ("compare.md", "compare-junit.xml", "compare.html"):
        assert (tmp_path / "c" / name).is_file()
    good = runner.invoke(app, ["compare", str(tmp_path / "s2s"), str(tmp_path / "bart"),
                               "--out", str(tmp_path / "c2")])
    assert good.exit_code == 0, good.output
    assert "improved" in good.output


def _rescored(examples, preds, spec: RougeSpec, refs=None) -> RunResult:
    if refs is not None:
        examples = [replace(e, references=refs.get(e.id, e.references)) for e in examples]
    return evaluate_suite(examples, PredictionsSummarizer(preds, "pgn.jsonl", "pgn"), spec)


@pytest.mark.parametrize(("change", "message"), [
    ({"use_stemmer": False}, "signature field 'stem' differs: 'porter' vs 'none'"),
    ({"tokenizer": "unicode"}, "'tok' differs: 'default' vs 'unicode'"),
    ({"multi_reference": "mean"}, "'multiref' differs: 'max' vs 'mean'"),
    ({"rouge_types": ("rouge1", "rouge2")}, "'types' differs"),
    ({"split": "newline"}, "'split' differs: 'pysbd-0.3' vs 'newline'"),
    ({"split": "pysbd"}, "'split' differs: 'pysbd-0.3' vs 'pysbd-0.3-always'"),
])
def test_each_rouge_setting_makes_runs_incomparable(system_runs, change, message):
    examples = load_jsonl(CNNDM)[:20]
    preds = {d.id: d.generation.prediction for d in system_runs["pgn"].documents[:20]}
    base = _rescored(examples, preds, RougeSpec())
    other = _rescored(examples, preds, RougeSpec(**change))
    with pytest.raises(IncomparableRunsError, match=message):
        compare_runs(base, other, metrics="rouge1")
    assert compare_runs(base, _rescored(examples, preds, RougeSpec()), metrics="rouge1")


def test_changed_references_make_runs_incomparable(system_runs):
    examples = load_jsonl(CNNDM)[:20]
    preds = {d.id: d.generation.prediction for d in system_runs["pgn"].documents[:20]}
    base = _rescored(examples, preds, RougeSpec())
    edited = _rescored(examples, preds, RougeSpec(),
                       refs={examples[3].id: ("A different reference.",)})
    with pytest.raises(IncomparableRunsError, match=r"references differ for 1 document"):
        compare_runs(base, edited, metrics="rouge1")


def test_reordered_documents_are_refused(system_runs):
    examples = load_jsonl(CNNDM)[:20]
    preds = {d.id: d.generation.prediction for d in system_runs["pgn"].documents[:20]}
    base = _rescored(examples, preds, RougeSpec())
    shuffled = _rescored(examples[::-1], preds, RougeSpec())
    with pytest.raises(IncomparableRunsError, match="a different order"):
        compare_runs(base, shuffled, metrics="rouge1")


def test_verdict_rules_by_hand():
    from sumbench.compare import verdict
    from sumbench.stats import PairedResult

    def r(delta: float, p: float) -> PairedResult:
        return PairedResult(delta, delta - 0.01, delta + 0.01, p, 50)

    assert verdict(r(-0.05, 0.049), alpha=0.05, max_drop=0.0) == "regressed"
    assert verdict(r(-0.05, 0.05), alpha=0.05, max_drop=0.0) == "no significant change"
    assert verdict(r(0.05, 0.01), alpha=0.05, max_drop=0.0) == "improved"
    assert verdict(r(-0.01, 0.01), alpha=0.05, max_drop=0.01) == "regressed within tolerance"
    assert verdict(r(-0.0101, 0.01), alpha=0.05, max_drop=0.01) == "regressed"


def test_largest_drops_are_the_worst_documents_first(system_runs):
    c = compare_runs(system_runs["bart"], system_runs["s2s"], metrics="rouge2,rouge1", top=3)
    deltas = {b.id: n.scores["rouge2"].fmeasure - b.scores["rouge2"].fmeasure
              for b, n in zip(system_runs["bart"].documents, system_runs["s2s"].documents,
                              strict=True)}
    worst = sorted(deltas, key=deltas.get)[:3]
    assert [d.id for d in c.largest_drops] == worst  # ranked by the first metric named
    assert [d.delta for d in c.largest_drops] == [deltas[i] for i in worst]
    first = c.largest_drops[0]
    bart = {d.id: d for d in system_runs["bart"].documents}[first.id]
    assert first.base_prediction == bart.generation.prediction
    assert c.metrics[0].metric == "rouge2.fmeasure"


def test_compare_json_holds_each_run_in_its_place(system_runs):
    examples = load_jsonl(CNNDM)[:20]
    preds = {d.id: d.generation.prediction for d in system_runs["pgn"].documents[:20]}
    bart = {d.id: d.generation.prediction for d in system_runs["bart"].documents[:20]}
    base = evaluate_suite(examples, PredictionsSummarizer(preds, "pgn.jsonl", "p"), RougeSpec(),
                          seed=1)
    new = evaluate_suite(examples, PredictionsSummarizer(bart, "bart.jsonl", "b"), RougeSpec(),
                         seed=2)
    c = compare_runs(base, new, metrics="rouge1", base_dir="runs/pgn", new_dir="runs/bart")
    d = c.as_dict()
    assert (d["base"], d["new"]) == ("runs/pgn (pgn.jsonl)", "runs/bart (bart.jsonl)")
    assert d["signatures"] == {"base": base.signature, "new": new.signature}
    assert base.signature != new.signature  # the seeds differ: comparable, not equal
    [m] = d["metrics"]
    assert m["base_mean"] == c.metrics[0].base_mean and m["new_mean"] == c.metrics[0].new_mean
    assert m["new_mean"] > m["base_mean"] and m["metric"] == "rouge1.fmeasure"
    assert d["n_documents"] == 20 and d["differences"]["predictions_file"] == [
        "pgn.jsonl", "bart.jsonl"]


def test_labels_and_unmatched_ids_are_named():
    examples = load_jsonl(CNNDM)[:6]
    from sumbench.summarizers.baselines import LeadSummarizer

    base = evaluate_suite(examples[:5], LeadSummarizer(3), RougeSpec())
    new = evaluate_suite(examples[1:], LeadSummarizer(3), RougeSpec())
    with pytest.raises(IncomparableRunsError) as err:
        compare_runs(base, new, base_dir="a", new_dir="b")
    assert (f"only in base: ['{examples[0].id}'], only in new: ['{examples[5].id}']"
            in str(err.value))
    forced = compare_runs(base, new, force=True, base_dir="a", new_dir="b", metrics="rouge1")
    assert (forced.base_label, forced.new_label) == ("a (lead)", "b (lead)")
    assert forced.n_documents == 4


def test_settings_of_compare_are_checked(system_runs):
    from sumbench.errors import SettingError

    bart, s2s = system_runs["bart"], system_runs["s2s"]
    for alpha in (0, 1, 1.5):
        with pytest.raises(SettingError, match="`alpha` must be between 0 and 1"):
            compare_runs(bart, s2s, alpha=alpha)
    with pytest.raises(SettingError, match=r"`max_drop` must be >= 0; got -0.1"):
        compare_runs(bart, s2s, max_drop=-0.1)
    with pytest.raises(SettingError, match="`metrics` names no metric"):
        compare_runs(bart, s2s, metrics=" , ")
    only_r1 = evaluate_suite(load_jsonl(CNNDM), PredictionsSummarizer(
        {d.id: d.generation.prediction for d in s2s.documents}, "s2s.jsonl", "s"),
        RougeSpec(rouge_types=("rouge1",)))
    with pytest.raises((SettingError, IncomparableRunsError)):
        compare_runs(bart, only_r1, metrics="rouge2")
    with pytest.raises(SettingError, match="`metrics` names rouge2, which was not computed"):
        compare_runs(bart, only_r1, metrics="rouge2", force=True)


def test_only_settings_that_differ_are_listed(system_runs):
    c = compare_runs(system_runs["bart"], system_runs["s2s"], metrics="rouge1")
    assert set(c.differences) == {"predictions_file", "predictions_sha256"}


def test_a_run_without_a_summarizer_name_is_labelled_plainly():
    from sumbench.compare import _label

    run = RunResult(spec=RunSpec(rouge={}), versions={}, documents=(), scores={})
    assert _label(run, "runs/x") == "runs/x (?)"


def test_diagnostics_are_compared_without_a_regression_verdict(system_runs):
    """pgn copies longer fragments than bart (density 26.4 vs 16.1 on these documents):
    compare says so, paired, and never calls it a regression."""
    c = compare_runs(system_runs["bart"], system_runs["pgn"], metrics="density,rouge1")
    density, rouge1 = c.metrics
    assert density.metric == "density" and density.verdict == "increased"
    assert density.new_mean > density.base_mean and density.delta.p_value < 0.05
    assert rouge1.metric == "rouge1.fmeasure"
    flipped = compare_runs(system_runs["pgn"], system_runs["bart"], metrics="density")
    assert flipped.metrics[0].verdict == "decreased" and not flipped.regressed
    assert flipped.largest_drops == ()  # drops are listed for ROUGE metrics only
    same = compare_runs(system_runs["pgn"], system_runs["pgn"], metrics="rep4,coverage")
    assert all(m.verdict == "no significant change" for m in same.metrics)


def test_diagnostics_of_another_definition_are_refused(system_runs):
    older = replace(system_runs["pgn"], signature=system_runs["pgn"].signature.replace(
        "diag:diag-v1", "diag:diag-v0"))
    with pytest.raises(IncomparableRunsError, match="diagnostics differ in definition"):
        compare_runs(system_runs["bart"], older, metrics="density")
    assert compare_runs(system_runs["bart"], older).metrics  # ROUGE is still comparable


def test_an_int8_run_compares_with_an_fp32_run_and_says_so(system_runs):
    """quant:int8 does not block compare (that is how the quantization is measured),
    but the comparison notes it, and an older signature without the field reads none."""
    assert system_runs["pgn"].signature.endswith("|quant:none")
    int8 = replace(system_runs["pgn"], signature=system_runs["pgn"].signature.replace(
        "quant:none", "quant:int8"))
    c = compare_runs(system_runs["bart"], int8)
    assert any("quant:none (base) vs quant:int8 (new)" in note for note in c.notes)
    assert not any("quant" in note for note in compare_runs(system_runs["bart"],
                                                              system_runs["pgn"]).notes)
    older = system_runs["pgn"].signature.replace("|quant:none", "")
    assert Signature.parse(older).quant == "none"


def test_pairs_compared_in_one_batch_equal_one_at_a_time(system_runs):
    """compare_pairs (what history uses) draws its tests once for all pairs: every
    comparison must be exactly compare_runs' own."""
    from sumbench.compare import compare_pairs

    runs = [(system_runs["s2s"], system_runs["bart"], "s2s", "bart"),
            (system_runs["bart"], system_runs["pgn"], "bart", "pgn"),
            (system_runs["pgn"], system_runs["pgn"], "pgn", "pgn")]
    together = compare_pairs(runs, metrics="rouge1,rouge2.recall,density", top=3)
    assert together == [compare_runs(b, n, metrics="rouge1,rouge2.recall,density", top=3,
                                     base_dir=bd, new_dir=nd) for b, n, bd, nd in runs]
    assert [m.verdict for m in together[0].metrics][:2] == ["improved", "improved"]


def test_pr_comment_has_the_marker_verdicts_signature_and_drops(system_runs, tmp_path: Path):
    for name in ("bart", "s2s"):
        write_run(tmp_path / name, system_runs[name])
    code = CliRunner().invoke(app, ["compare", str(tmp_path / "bart"), str(tmp_path / "s2s"),
                                    "--report", "pr", "--out", str(tmp_path / "c")])
    assert code.exit_code == 1, code.output
    text = (tmp_path / "c" / "pr_comment.md").read_text()
    assert text.startswith("<!-- sumbench-pr -->\n## sumbench: 🔴 regression")
    c = compare_runs(system_runs["bart"], system_runs["s2s"])
    for m in c.metrics:
        assert (f"| {m.metric} | {m.base_mean:.4f} | {m.new_mean:.4f} | "
                f"{m.delta.mean_delta:+.4f} [") in text
        assert "🔴 regressed |" in text
    assert f"Signature: `{system_runs['bart'].signature}`" in text.replace("\\", "")
    worst = c.largest_drops[0]
    assert f"| {worst.id} | {worst.delta:+.4f} |" in text.replace("\\-", "-")
    assert "Largest drops (rouge1.fmeasure): 5" in text


def test_pr_comment_stays_under_githubs_limit_for_11500_documents(system_runs):
    """A comparison of 11,500 documents listing every drop, with long predictions, many
    differing settings and notes: lists end with '... and N more', the comment fits."""
    from itertools import cycle, islice

    from sumbench.reports.prcomment import LIMIT, MARKER, fit, pr_comment

    def big(run: RunResult) -> RunResult:
        docs = tuple(replace(d, id=f"doc-{n:05d}") for n, d in
                     enumerate(islice(cycle(run.documents), 11_500)))
        return replace(run, documents=docs)

    c = compare_runs(big(system_runs["bart"]), big(system_runs["s2s"]), top=11_500)
    assert c.n_documents == 11_500 and len(c.largest_drops) > 5_000
    long = "<b>x</b> | " * 2_000
    c = replace(c, largest_drops=tuple(replace(d, base_prediction=long, new_prediction=long)
                                       for d in c.largest_drops),
                differences={f"setting{i}": (long, i) for i in range(1_000)},
                notes=tuple(f"note {i}: {long}" for i in range(500)))
    text = pr_comment(c)
    assert len(text) <= LIMIT and text.startswith(MARKER)
    assert f"... and {len(c.largest_drops) - 25} more drops" in text
    assert "... and 975 more settings" in text and "... and 475 more notes" in text
    assert "<b>" not in text and "&lt;b&gt;x&lt;/b&gt;" in text
    assert all(f"| {m.metric} |" in text for m in c.metrics)
    # the last resort: whatever is left is cut at a line end, and says so
    many = replace(c, metrics=c.metrics * 400, largest_drops=(), differences={}, notes=())
    cut = pr_comment(many)
    assert len(cut) <= LIMIT and cut.endswith("compare.md has it all)\n")
    lines = "".join(f"line {i}\n" for i in range(100))
    assert fit(lines) == lines
    short = fit(lines, limit=200)
    assert len(short) <= 200 and short.startswith("line 0\nline 1\n")
    kept, _, _ = short.partition("\n\n... (cut")
    assert re.fullmatch(r"(line \d+\n)*line \d+", kept)  # cut at a line end, not mid-line
