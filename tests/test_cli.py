"""The sumbench command on real data: numbers equal RougeScorer's, errors are one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rouge_score import rouge_scorer
from typer.testing import CliRunner

from sumbench.cli import app
from sumbench.scoring import ROUGE_TYPES
from sumbench.text import sentence_lines

from .conftest import CNNDM, SUITE

runner = CliRunner()


def sumbench(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def samples(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "samples.jsonl").read_text().splitlines()]


def _assert_equal_to_rouge_score(run_dir: Path, rows: list[dict], predictions: list[str]):
    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    got = samples(run_dir)
    assert [s["id"] for s in got] == [r["id"] for r in rows]
    for sample, row, pred in zip(got, rows, predictions, strict=True):
        expected = scorer.score_multi([sentence_lines(r) for r in row["references"]],
                                      sentence_lines(pred))
        for t in ROUGE_TYPES:
            assert sample["scores"][t] == expected[t]._asdict(), (row["id"], t)
    results = json.loads((run_dir / "results.json").read_text())
    for t in ROUGE_TYPES:
        mean = sum(s["scores"][t]["fmeasure"] for s in got) / len(got)
        assert results["scores"][t]["fmeasure"]["mean"] == pytest.approx(mean, abs=1e-15)


def _pysbd_sentences(article: str) -> list[str]:
    """The documented lead-k rule, built from pysbd directly: each non-blank line of the
    article, split into sentences."""
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False)
    return [s.strip() for line in article.split("\n") if line.strip()
            for s in segmenter.segment(line) if s.strip()]


def test_lead_k_by_hand(tmp_path: Path):
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"id": "a", "article": "Title line\nOne is here. Two is there. "
                                "Three. Four is last.", "references": ["One is here."]}) + "\n")
    for k, expected in ((1, "Title line"), (3, "Title line\nOne is here.\nTwo is there."),
                        (9, "Title line\nOne is here.\nTwo is there.\nThree.\nFour is last.")):
        code, out = sumbench("run", "--data", data, "--summarizer", "lead", "--lead-sentences",
                             k, "--out", tmp_path / f"k{k}", "--quiet")
        assert code == 0, out
        [sample] = samples(tmp_path / f"k{k}")
        assert sample["prediction"] == expected
        spec = json.loads((tmp_path / f"k{k}" / "results.json").read_text())["spec"]
        assert spec["lead_sentences"] == k


def test_no_stemmer_reaches_the_scorer(tmp_path: Path, cnndm_rows):
    code, out = sumbench("run", "--data", CNNDM, "--summarizer", "lead", "--limit", 10,
                         "--no-stemmer", "--out", tmp_path / "ns", "--quiet")
    assert code == 0, out
    rows = cnndm_rows[:10]
    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=False)
    stemmed = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    differs = False
    for sample, row in zip(samples(tmp_path / "ns"), rows, strict=True):
        pred = "\n".join(_pysbd_sentences(row["article"])[:3])
        refs = [sentence_lines(r) for r in row["references"]]
        expected = scorer.score_multi(refs, pred)
        for t in ROUGE_TYPES:
            assert sample["scores"][t] == expected[t]._asdict()
        differs |= stemmed.score_multi(refs, pred)["rouge1"] != expected["rouge1"]
    assert differs  # the setting matters on these documents
    spec = json.loads((tmp_path / "ns" / "results.json").read_text())["spec"]
    assert spec["rouge"]["use_stemmer"] is False


def test_lead_on_cnndm_equals_rouge_score(tmp_path: Path, cnndm_rows):
    code, out = sumbench("run", "--data", CNNDM, "--summarizer", "lead", "--limit", 50,
                         "--out", tmp_path / "lead")
    assert code == 0, out
    rows = cnndm_rows[:50]
    preds = ["\n".join(_pysbd_sentences(r["article"])[:3]) for r in rows]
    _assert_equal_to_rouge_score(tmp_path / "lead", rows, preds)
    assert "rougeLsum" in out and "run folder:" in out


def test_predictions_on_cnndm_equal_rouge_score(tmp_path: Path, cnndm_rows):
    preds_file = tmp_path / "preds.jsonl"
    preds_file.write_text("".join(json.dumps({"id": r["id"], "prediction": r["systems"]["pgn"]})
                                  + "\n" for r in cnndm_rows))
    code, out = sumbench("run", "--data", CNNDM, "--summarizer", "predictions",
                         "--predictions", preds_file, "--out", tmp_path / "pgn", "--quiet")
    assert code == 0, out
    _assert_equal_to_rouge_score(tmp_path / "pgn", cnndm_rows,
                                 [r["systems"]["pgn"] for r in cnndm_rows])
    results = json.loads((tmp_path / "pgn" / "results.json").read_text())
    assert results["spec"]["summarizer"] == "predictions"
    assert len(results["spec"]["predictions_sha256"]) == 64
    assert set(results["versions"]) >= {"python", "torch", "transformers", "rouge-score"}


def test_text_with_pysbd_placeholders_is_scored_whole_and_named(tmp_path: Path):
    """The emoji case end to end: every ROUGE type equals rouge-score on the text split
    by hand, and the run names the document and counts it."""
    data, preds = tmp_path / "d.jsonl", tmp_path / "p.jsonl"
    rows = [{"id": "emoji", "article": "x",
             "references": ["Great news for all. The dog ran home."]},
            {"id": "plain", "article": "x", "references": ["The cat sat down. It slept."]}]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    predictions = {"emoji": "Great news ☝️ for all. The dog ran home.",
                   "plain": "The cat sat. It slept well."}
    preds.write_text("".join(json.dumps({"id": k, "prediction": v}) + "\n"
                             for k, v in predictions.items()))
    code, out = sumbench("run", "--data", data, "--summarizer", "predictions",
                         "--predictions", preds, "--out", tmp_path / "r", "--quiet")
    assert code == 0, out
    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    by_hand = {"emoji": ("Great news for all.\nThe dog ran home.",
                         "Great news ☝️ for all.\nThe dog ran home."),
               "plain": ("The cat sat down.\nIt slept.", "The cat sat.\nIt slept well.")}
    for sample in samples(tmp_path / "r"):
        expected = scorer.score(*by_hand[sample["id"]])
        for t in ROUGE_TYPES:
            assert sample["scores"][t] == expected[t]._asdict(), (sample["id"], t)
    emoji = next(s for s in samples(tmp_path / "r") if s["id"] == "emoji")
    assert emoji["scores"]["rouge1"]["recall"] == 1.0  # was 0.5: a sentence was lost
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    assert results["counts"]["n_split_masked"] == 1
    assert results["counts"]["n_split_unsplit"] == 0
    [warning] = [w for w in results["warnings"] if "splitter" in w]
    assert "['emoji']" in warning and "masked" in warning


def test_results_json_fields(tmp_path: Path):
    code, out = sumbench("run", "--summarizer", "lead", "--references", SUITE, "--out",
                         tmp_path / "r", "--quiet")
    assert code == 0, out
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    assert results["n_documents"] == 1
    assert set(results["scores"]) == set(ROUGE_TYPES)
    assert set(results["scores"]["rouge1"]["fmeasure"]) == {"mean", "low", "high"}
    rouge = results["spec"]["rouge"]
    assert rouge["use_stemmer"] is True and rouge["multi_reference"] == "max"
    [sample] = samples(tmp_path / "r")
    assert set(sample) >= {"id", "prediction", "references", "scores", "input_tokens",
                           "output_tokens", "truncated"}


def test_two_runs_are_identical_but_for_timings(tmp_path: Path):
    for name in ("a", "b"):
        code, out = sumbench("run", "--data", CNNDM, "--summarizer", "lead", "--limit", 20,
                             "--out", tmp_path / name, "--quiet")
        assert code == 0, out
    a, b = (json.loads((tmp_path / n / "results.json").read_text()) for n in ("a", "b"))
    a.pop("timings"), b.pop("timings")
    a["spec"].pop("command"), b["spec"].pop("command")  # the --out argument differs
    assert a == b
    assert (tmp_path / "a" / "samples.jsonl").read_bytes() == (
        tmp_path / "b" / "samples.jsonl").read_bytes()


ERROR_CASES = [
    (["run", "--references", "no-such-folder", "--summarizer", "lead"],
     "no-such-folder: folder not found"),
    (["run", "--summarizer", "nope"], "Invalid value for '--summarizer'"),
    (["run", "--summarizer", "predictions"],
     "--predictions is needed by the summarizer 'predictions'"),
    (["run", "--summarizer", "lead", "--fail-under", "rouge1=abc"],
     "--fail-under bound 'abc' is not a number"),
    (["run", "--summarizer", "lead", "--fail-under", "bleu=0.3"],
     "--fail-under cannot read 'bleu'"),
    (["run", "--summarizer", "lead", "--report", "pdf"],
     "--report has unknown format(s) ['pdf']"),
    (["run", "--summarizer", "lead", "--tokenizer", "klingon"],
     "Invalid value for '--tokenizer'"),
    (["run", "--summarizer", "lead", "--multi-reference", "min"],
     "Invalid value for '--multi-reference'"),
    (["report", "no-such-run"], "not a run folder"),
    (["run", "--summarizer", "lead", "--lead-sentences", "0"],
     "--lead-sentences must be at least 1"),
    (["run", "--summarizer", "lead", "--predictions", "p.jsonl"],
     "--predictions is only for the summarizer 'predictions'"),
    (["run", "--summarizer", "lead", "--rouge-types", "rouge1,rouge10"],
     "--rouge-types has unknown type(s) ['rouge10']"),
    (["run", "--summarizer", "lead", "--split", "nltk"], "Invalid value for '--split'"),
    (["run", "--summarizer", "hf", "--device", "gpu"], "--device must be auto, cpu, cuda"),
    (["run", "--summarizer", "lead", "--device", "cpu"],
     "--device is only for the summarizer 'hf'"),
    (["run", "--summarizer", "lead", "--dtype", "float64"], "Invalid value for '--dtype'"),
    (["run", "--summarizer", "hf", "--max-new-tokens", "0"],
     "--max-new-tokens must be at least 1"),
    (["run", "--summarizer", "lead", "--max-new-tokens", "64"],
     "--max-new-tokens is only for the summarizer 'hf' or 'api'"),
    (["compare", "a", "b", "--report", "pdf"], "--report has unknown format(s) ['pdf']"),
]


@pytest.mark.parametrize(("args", "message"), ERROR_CASES, ids=[" ".join(a[:3]) for a, _ in
                                                                ERROR_CASES])
def test_errors_are_one_clear_line(tmp_path: Path, args: list[str], message: str):
    code, out = sumbench(*args, *(["--out", tmp_path / "o"] if args[0] == "run" else []))
    assert code == 2
    assert message in " ".join(out.replace("│", " ").split())  # click boxes its own errors
    assert "Traceback" not in out


def test_malformed_jsonl_names_the_line(tmp_path: Path):
    data = tmp_path / "bad.jsonl"
    data.write_text('{"id": "a", "article": "x", "references": ["y"]}\n{oops\n')
    code, out = sumbench("run", "--data", data, "--summarizer", "lead", "--out", tmp_path / "o")
    assert code == 2 and "bad.jsonl:2: not valid JSON" in out


def test_gate_fails_after_reports_are_written(tmp_path: Path):
    code, _ = sumbench("run", "--data", CNNDM, "--limit", 10, "--summarizer", "lead",
                       "--out", tmp_path / "g", "--report", "md,junit",
                       "--fail-under", "rouge1=0.99,rouge2.recall=0.01", "--quiet")
    assert code == 1
    assert (tmp_path / "g" / "summary.md").is_file() and (tmp_path / "g" / "junit.xml").is_file()
    code, _ = sumbench("run", "--data", CNNDM, "--limit", 10, "--summarizer", "lead",
                       "--out", tmp_path / "g2", "--fail-under", "rouge1=0.05", "--quiet")
    assert code == 0


def test_gate_on_low_is_stricter(tmp_path: Path):
    run = tmp_path / "r"
    assert sumbench("run", "--data", CNNDM, "--limit", 30, "--summarizer", "lead", "--out", run,
                    "--quiet")[0] == 0
    mean = json.loads((run / "results.json").read_text())["scores"]["rouge1"]["fmeasure"]
    bound = (mean["mean"] + mean["low"]) / 2  # between the interval's low end and the mean
    assert sumbench("report", run, "--format", "md", "--fail-under", f"rouge1={bound}")[0] == 0
    assert sumbench("report", run, "--format", "md", "--fail-under", f"rouge1={bound}",
                    "--gate-on", "low")[0] == 1


def test_report_command_writes_formats(tmp_path: Path):
    run = tmp_path / "r"
    assert sumbench("run", "--data", CNNDM, "--limit", 5, "--summarizer", "lead", "--out", run,
                    "--quiet")[0] == 0
    code, out = sumbench("report", run, "--format", "md,junit,html,csv")
    assert code == 0, out
    for name in ("summary.md", "junit.xml", "report.html", "samples.csv"):
        assert (run / name).is_file()


def test_help_is_fast_and_does_not_import_torch():
    import subprocess
    import sys

    code = ("import sys; from sumbench.cli import app; "
            "from typer.testing import CliRunner; CliRunner().invoke(app, ['--help']); "
            "CliRunner().invoke(app, ['run', '--help']); "
            "assert 'torch' not in sys.modules and 'transformers' not in sys.modules, 'heavy'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_python_dash_m_works():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "sumbench", "--help"], capture_output=True,
                         text=True, check=True)
    assert "compare" in out.stdout


def test_throughput_is_null_where_nothing_was_generated(tmp_path: Path, cnndm_rows):
    """lead-k and predictions made elsewhere generate nothing: no documents per minute."""
    preds = tmp_path / "p.jsonl"
    preds.write_text("".join(json.dumps({"id": r["id"], "prediction": r["systems"]["bart"]})
                             + "\n" for r in cnndm_rows[:10]))
    for name, extra in (("lead", ()), ("predictions", ("--predictions", preds))):
        code, out = sumbench("run", "--data", CNNDM, "--limit", 10, "--summarizer", name,
                             *extra, "--out", tmp_path / name, "--quiet")
        assert code == 0, out
        timings = json.loads((tmp_path / name / "results.json").read_text())["timings"]
        assert timings["documents_per_minute"] is None, name
        assert timings["generation_s"] >= 0


def test_warnings_are_one_line_each_in_logs(tmp_path: Path, cnndm_rows):
    """Out of a terminal (CI logs), a long warning is not wrapped: grep finds it whole."""
    rows = cnndm_rows[:12]
    data = tmp_path / "ru.jsonl"
    data.write_text("".join(json.dumps({"id": f"{r['id']}-with-a-long-suffix",
                                        "article": r["article"],
                                        "references": ["Москва столица России и большой город"]})
                            + "\n" for r in rows), encoding="utf-8")
    code, out = sumbench("run", "--data", data, "--summarizer", "lead", "--out", tmp_path / "o")
    assert code == 0, out
    [line] = [line for line in out.splitlines() if "non-ASCII" in line]
    assert line.startswith("warning: 12 document(s)") and line.endswith("--tokenizer unicode.")
    assert len(line) > 200  # longer than any console width: it was not wrapped
    for r in rows[:10]:
        assert f"{r['id']}-with-a-long-suffix" in line


def test_written_files_follow_the_umask(tmp_path: Path):
    """Run folders and reports get 0666 less the umask (0644 under 022), like any tool."""
    import os
    import stat

    for umask, expected in ((0o022, 0o644), (0o002, 0o664), (0o077, 0o600)):
        old = os.umask(umask)
        try:
            out = tmp_path / f"u{umask:o}"
            code, text = sumbench("run", "--summarizer", "lead", "--references", SUITE,
                                  "--out", out, "--report", "md,junit,html,csv", "--quiet")
        finally:
            os.umask(old)
        assert code == 0, text
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()}
        assert set(modes) == {"results.json", "samples.jsonl", "summary.md", "junit.xml",
                              "report.html", "samples.csv"}
        assert set(modes.values()) == {expected}, (oct(umask), modes)


def test_lead_k_below_one_names_the_setting():
    from sumbench.errors import SettingError
    from sumbench.summarizers.baselines import LeadSummarizer

    with pytest.raises(SettingError) as err:
        LeadSummarizer(0)
    assert err.value.setting == "lead_sentences"


def test_split_newline_equals_rouge_score_on_one_line_texts(tmp_path: Path, cnndm_rows):
    """--split newline: the texts as given, one line one sentence, as rouge-score and HF
    evaluate score them; the mode is in the spec and the signature."""
    rows = cnndm_rows[:30]
    flat = [{"id": r["id"], "article": r["article"],
             "references": [" ".join(x.split()) for x in r["references"]]} for r in rows]
    data = tmp_path / "flat.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in flat))
    preds = tmp_path / "preds.jsonl"
    preds.write_text("".join(json.dumps({"id": r["id"], "prediction": " ".join(
        r["systems"]["bart"].split())}) + "\n" for r in rows))
    runs = {}
    for split in ("auto", "newline"):
        code, out = sumbench("run", "--data", data, "--summarizer", "predictions",
                             "--predictions", preds, "--split", split, "--out",
                             tmp_path / split, "--quiet")
        assert code == 0, out
        runs[split] = samples(tmp_path / split)
    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    for sample, row in zip(runs["newline"], flat, strict=True):
        expected = scorer.score_multi(row["references"], sample["prediction"])
        assert sample["scores"] == {t: expected[t]._asdict() for t in ROUGE_TYPES}
    moved = [a["id"] for a, n in zip(runs["auto"], runs["newline"], strict=True)
             if a["scores"]["rougeLsum"] != n["scores"]["rougeLsum"]]
    assert len(moved) > 20
    results = json.loads((tmp_path / "newline" / "results.json").read_text())
    assert results["spec"]["rouge"]["split"] == "newline"
    assert "|split:newline|" in results["signature"]
    auto = json.loads((tmp_path / "auto" / "results.json").read_text())
    assert "|split:pysbd-0.3|" in auto["signature"]  # the default's signature, unchanged
    code, out = sumbench("compare", tmp_path / "auto", tmp_path / "newline")
    assert code == 2 and "signature field 'split' differs" in out


def test_rouge3_and_beyond_through_the_cli_gates_and_compare(tmp_path: Path, cnndm_rows):
    code, out = sumbench("run", "--data", CNNDM, "--limit", 20, "--summarizer", "lead",
                         "--rouge-types", "rouge1,rouge3,rouge9,rougeL", "--out", tmp_path / "r",
                         "--gate", "rouge3>=0.01,rouge9.recall>=0", "--report", "md,html,csv",
                         "--quiet")
    assert code == 0, out
    scorer = rouge_scorer.RougeScorer(["rouge3", "rouge9"], use_stemmer=True)
    for sample, row in zip(samples(tmp_path / "r"), cnndm_rows[:20], strict=True):
        expected = scorer.score_multi([sentence_lines(r) for r in row["references"]],
                                      sentence_lines(sample["prediction"]))
        assert sample["scores"]["rouge3"] == expected["rouge3"]._asdict()
        assert sample["scores"]["rouge9"] == expected["rouge9"]._asdict()
    assert "rouge3" in (tmp_path / "r" / "summary.md").read_text()
    code, out = sumbench("compare", tmp_path / "r", tmp_path / "r", "--metrics",
                         "rouge3,rouge9.recall", "--out", tmp_path / "c")
    assert code == 0, out
    assert "rouge3.fmeasure" in (tmp_path / "c" / "compare.md").read_text()


def test_split_reaches_the_spec_from_every_command_that_scores():
    from sumbench.options import RunOptions
    from sumbench.pipeline import rouge_spec

    assert rouge_spec(RunOptions.build(summarizer="lead", split="pysbd")).split == "pysbd"
    assert rouge_spec(RunOptions.build(summarizer="lead", rouge_impl="rouge155")).split == "newline"
    assert rouge_spec(RunOptions.build(summarizer="lead", rouge_impl="rouge155",
                                 split="pysbd")).split == "pysbd"
    code, out = sumbench("meta-eval", "--help")
    assert code == 0 and "--split" in out


def test_label_commit_and_time_are_recorded_and_decide_nothing(tmp_path: Path, monkeypatch):
    """--label, the project's git commit and the time name a run for `history`; the
    signature, compare's differences and the response cache's key ignore them."""
    import subprocess
    from datetime import datetime, timedelta

    from sumbench.compare import compare_runs
    from sumbench.options import RunOptions
    from sumbench.pipeline import build_summarizer
    from sumbench.runio import read_run

    for name, extra in (("a", ["--label", "nightly <1>"]), ("b", [])):
        code, out = sumbench("run", "--data", CNNDM, "--summarizer", "lead", "--limit", 5,
                             "--out", tmp_path / name, "--quiet", *extra)
        assert code == 0, out
    a, b = read_run(tmp_path / "a"), read_run(tmp_path / "b")
    assert a.spec.label == "nightly <1>" and b.spec.label is None
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    assert a.spec.git_commit == b.spec.git_commit == head  # tests run in the checkout
    created = datetime.fromisoformat(a.timings["created_at"])
    assert created.utcoffset() == timedelta(0)
    assert abs(datetime.now(created.tzinfo) - created) < timedelta(hours=1)
    assert a.signature == b.signature
    assert compare_runs(a, b).differences == {}
    api = {"summarizer": "api", "base_url": ("http://127.0.0.1:9/v1",), "model": "m"}
    assert (build_summarizer(RunOptions.build(**api, label="x"), []).fingerprint()
            == build_summarizer(RunOptions.build(**api), []).fingerprint())

    monkeypatch.chdir(tmp_path)  # not a git checkout: no commit, and the run still works
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    code, out = sumbench("run", "--data", CNNDM, "--summarizer", "lead", "--limit", 5,
                         "--out", tmp_path / "c", "--quiet")
    assert code == 0, out
    assert read_run(tmp_path / "c").spec.git_commit is None
    code, out = sumbench("run", "--summarizer", "lead", "--label", " ")
    assert code == 2 and "--label must not be empty" in out
