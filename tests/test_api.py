"""The package's shape: `import sumbench`, the Python API, the registry, the signature,
the versioned results file, and one exit code per outcome."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rouge_score import rouge_scorer
from typer.testing import CliRunner

import sumbench
from sumbench.cli import app
from sumbench.records import SCHEMA_VERSION
from sumbench.signature import Signature
from sumbench.summarizers import REGISTRY, summarizer_class

from .conftest import CNNDM, ROOT, SUITE

runner = CliRunner()


def _cli(*args) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def test_import_name_is_sumbench_and_eval_is_not_claimed(tmp_path: Path):
    code = ("import importlib.util, sys, sumbench; "
            "assert importlib.util.find_spec('eval') is None, 'eval is importable'; "
            "assert 'torch' not in sys.modules; print(sumbench.__version__)")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == sumbench.__version__
    help_out = subprocess.run([sys.executable, "-m", "sumbench", "--help"], cwd=tmp_path,
                              capture_output=True, text=True, check=True)
    assert "compare" in help_out.stdout


def test_readme_python_example_runs(tmp_path: Path):
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- python-example -->\n```python\n(.*?)```", readme, re.S)
    assert block, "the README's Python example is marked with <!-- python-example -->"
    script = tmp_path / "example.py"
    script.write_text(block.group(1))
    shutil.copytree(SUITE, tmp_path / "references")  # as if in the repository's root
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "rouge1 F1:" in out.stdout and "rouge1.fmeasure" in out.stdout
    assert (tmp_path / "runs" / "api-lead3" / "results.json").is_file()


def test_score_takes_keywords_and_matches_rouge_score():
    with pytest.raises(TypeError):
        sumbench.score(["a cat"], [["the cat"]])  # type: ignore[misc]
    [one, two] = sumbench.score(predictions=["the cat sat", "a dog"],
                                references=["a cat sat down", ["the dog", "a dog barked"]],
                                stemmer=False)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"])
    assert one["rouge1"].as_dict() == scorer.score("a cat sat down", "the cat sat")[
        "rouge1"]._asdict()
    assert two["rouge2"].as_dict() == scorer.score_multi(["the dog", "a dog barked"], "a dog")[
        "rouge2"]._asdict()


def test_evaluate_load_and_compare_runs(tmp_path: Path):
    a = sumbench.evaluate(summarizer="lead", data=str(CNNDM), limit=30, out=tmp_path / "a")
    b = sumbench.evaluate(summarizer="lead", lead_sentences=1, data=str(CNNDM), limit=30)
    assert a.scores["rouge1"]["fmeasure"].mean > 0
    assert sumbench.load_run(tmp_path / "a").signature == a.signature
    comparison = sumbench.compare_runs(tmp_path / "a", b, metrics="rouge1")
    assert comparison.metrics[0].new_mean == pytest.approx(b.scores["rouge1"]["fmeasure"].mean,
                                                           abs=1e-15)
    assert comparison.differences["lead_sentences"] == (3, 1)


def test_every_registered_summarizer_is_complete():
    for name in REGISTRY:
        cls = summarizer_class(name)
        assert cls.name == name
        for method in ("from_options", "summarize", "describe", "fingerprint", "plan",
                       "timings"):
            assert callable(getattr(cls, method, None)), (name, method)
        assert isinstance(cls.runs_model, bool)


def test_signature_round_trips_and_names_what_decides_scores():
    result = sumbench.evaluate(summarizer="lead", references=str(SUITE), tokenizer="unicode",
                               stemmer=False, multi_reference="mean", seed=7)
    sig = Signature.parse(result.signature)
    assert str(sig) == result.signature
    assert (sig.tok, sig.stem, sig.multiref, sig.sumbench) == (
        "unicode", "none", "mean", sumbench.__version__)
    assert sig.agg == "mean+boot95%-2000-seed7"
    assert sig.refs == result.spec.references_sha256[:12]
    assert sig.types == "rouge1,rouge2,rougeL,rougeLsum" and sig.split == "pysbd-0.3"


def test_signature_is_in_every_report(tmp_path: Path):
    run = tmp_path / "r"
    code, out = _cli("run", "--summarizer", "lead", "--references", SUITE, "--out", run,
                     "--report", "md,junit,html,csv")
    assert code == 0, out
    signature = json.loads((run / "results.json").read_text())["signature"]
    assert f"signature: {signature}" in out
    assert f"Signature: `{signature}`" in (run / "summary.md").read_text()  # copyable
    assert f'name="sumbench.signature" value="{signature}"' in (run / "junit.xml").read_text()
    assert f"<code>{signature}</code>" in (run / "report.html").read_text()
    code, out = _cli("compare", run, run, "--report", "md,json,junit,html", "--out",
                     tmp_path / "c")
    assert code == 0, out
    compared = json.loads((tmp_path / "c" / "compare.json").read_text())
    assert compared["signatures"] == {"base": signature, "new": signature}
    assert compared["seed"] == 0 and compared["n_bootstrap_resamples"] == 2000
    assert compared["n_permutations"] == 9999
    assert compared["sumbench_version"] == sumbench.__version__
    for name in ("compare.md", "compare-junit.xml", "compare.html"):
        assert signature.split("|")[0] in (tmp_path / "c" / name).read_text()


def _lead_run(tmp_path: Path) -> Path:
    run = tmp_path / "r"
    assert _cli("run", "--summarizer", "lead", "--references", SUITE, "--out", run,
                "--quiet")[0] == 0
    return run


def test_results_json_is_versioned_and_older_versions_migrate(tmp_path: Path):
    run = _lead_run(tmp_path)
    results = json.loads((run / "results.json").read_text())
    assert results["schema_version"] == SCHEMA_VERSION == 2
    assert "load_seconds" not in json.dumps(results["spec"])  # timings stay out of the spec
    old = {k: v for k, v in results.items() if k not in ("schema_version", "signature")}
    (run / "results.json").write_text(json.dumps(old))
    assert sumbench.load_run(run).signature == results["signature"]
    code, out = _cli("report", run, "--format", "md")
    assert code == 0, out


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r.pop("scores"), "results.json: no 'scores' field"),
    (lambda r: r.update(scores={"rouge1": {"fmeasure": {"mean": 1}}}), "malformed 'scores'"),
    (lambda r: r.update(schema_version=99), "schema_version 99 is not one this sumbench"),
    (lambda r: r.update(spec=[]), "'spec' must be a dict"),
    (lambda r: r.update(signature="nonsense"), "malformed signature"),
])
def test_a_malformed_results_file_is_bad_input(tmp_path: Path, change, message: str):
    run = _lead_run(tmp_path)
    results = json.loads((run / "results.json").read_text())
    change(results)
    (run / "results.json").write_text(json.dumps(results))
    code, out = _cli("report", run, "--format", "md")
    assert code == 2 and message in out and "Traceback" not in out, out


def test_exit_code_1_is_quality_only(tmp_path: Path):
    code, _ = _cli("run", "--summarizer", "lead", "--references", SUITE, "--out",
                   tmp_path / "g", "--fail-under", "rouge1=0.99", "--quiet")
    assert code == 1


def test_exit_code_3_when_the_fast_path_disagrees(tmp_path: Path, monkeypatch):
    from sumbench import scoring

    class Wrong:
        def score_batch(self, targets, predictions):
            real = rouge_scorer.RougeScorer(list(scoring.ROUGE_TYPES), use_stemmer=True)
            out = [real.score(t, p) for t, p in zip(targets, predictions, strict=True)]
            return [{k: type(v)(v.precision, v.recall, v.fmeasure * 0.5) for k, v in o.items()}
                    for o in out]

    monkeypatch.setattr(scoring, "_fast_scorer", lambda spec: Wrong())
    code, out = _cli("run", "--summarizer", "lead", "--data", CNNDM, "--limit", 5, "--out",
                     tmp_path / "m", "--quiet")
    assert code == 3 and "fast ROUGE differs from rouge-score" in out
    assert "--rouge-engine reference" in out  # the library's `rouge_engine`, as a flag


def test_exit_code_4_for_a_bug_with_the_traceback_saved(tmp_path: Path, monkeypatch):
    from sumbench import pipeline

    def crash(options):
        raise RuntimeError("planted bug")

    monkeypatch.setattr(pipeline, "run_suite", crash)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    code, out = _cli("run", "--summarizer", "lead", "--out", tmp_path / "x")
    assert code == 4, out
    [line] = [line for line in out.splitlines() if line.strip()]
    assert "unexpected RuntimeError: planted bug" in line and "Traceback" not in out
    path = Path(line.rsplit(" ", 1)[1])
    assert path.parent == tmp_path and "planted bug" in path.read_text()
    assert "Traceback (most recent call last)" in path.read_text()


def test_bad_settings_are_refused_before_any_model_work(tmp_path: Path, monkeypatch):
    """A bad --dtype or --device stops the run before the default model is looked for."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("SUMBENCH_CACHE_DIR", str(cache))
    monkeypatch.setenv("SUMBENCH_GGUF", str(tmp_path / "no-such.gguf"))
    for args in (["--dtype", "float64"], ["--device", "gpu"], ["--compile", "maybe"],
                 ["--max-new-tokens", "0"], ["--prompt", "no placeholder"]):
        code, out = _cli("run", "--out", tmp_path / "o", *args)
        assert code == 2, (args, out)
        assert "no-such.gguf" not in out, args  # the model was never looked for
    assert not cache.exists()


def test_compare_metrics_have_their_own_parser(tmp_path: Path):
    run = _lead_run(tmp_path)
    code, out = _cli("compare", run, run, "--metrics", "rouge1,bleu")
    assert code == 2 and "--metrics cannot read 'bleu'" in out and "fail-under" not in out


# -- score(): a result object, one vocabulary with evaluate(), clear errors ----------------

def test_score_returns_documents_aggregate_and_signature_as_a_run_does(tmp_path: Path):
    """The same predictions scored by a run and by score(): equal per-document scores,
    equal aggregate (exact mean and seeded bootstrap), and a signature that differs only
    where it must (document ids hash, diagnostics)."""
    run = sumbench.evaluate(summarizer="lead", data=str(CNNDM), limit=25)
    preds = [d.generation.prediction for d in run.documents]
    refs = [list(d.references) for d in run.documents]
    result = sumbench.score(predictions=preds, references=refs)
    assert len(result) == 25 and result.documents == tuple(d.scores for d in run.documents)
    assert result[0] == run.documents[0].scores and list(result)[-1] == result[-1]
    assert result == [d.scores for d in run.documents]  # as the list score() returned
    assert result.scores == run.scores
    from sumbench import stats

    values = [d["rouge2"].recall for d in result]
    assert result.scores["rouge2"]["recall"] == stats.mean_interval(values, seed=0)
    assert result.scores["rouge2"]["recall"].mean == pytest.approx(sum(values) / 25, abs=1e-15)
    mine, theirs = Signature.parse(result.signature), Signature.parse(run.signature)
    assert {k for k in mine.__dataclass_fields__ if getattr(mine, k) != getattr(theirs, k)
            } == {"refs", "diag"}
    assert mine.stem == "porter" and "stem:porter" in repr(result)
    assert result.spec["split"] == "auto" and result.spec["use_stemmer"] is True


def test_score_takes_evaluates_names_and_types_as_a_list_or_a_string():
    kwargs = {"predictions": ["the cats sat. they purred."],
              "references": ["a cat sat on the mat"]}
    listed = sumbench.score(**kwargs, rouge_types=["rouge1", "rouge3"], stemmer=False)
    joined = sumbench.score(**kwargs, rouge_types="rouge1,rouge3", stemmer=False)
    assert listed == joined and list(listed.scores) == ["rouge1", "rouge3"]
    with pytest.warns(DeprecationWarning, match="stemmer"):
        old = sumbench.score(**kwargs, rouge_types=["rouge1", "rouge3"], use_stemmer=False)
    assert old == listed and "stem:none" in old.signature
    assert sumbench.score(**kwargs)[0]["rouge1"] != listed[0]["rouge1"]  # cats -> cat
    run = sumbench.evaluate(summarizer="lead", references=str(SUITE),
                            rouge_types=["rouge1", "rouge4"], stemmer=False)
    assert list(run.scores) == ["rouge1", "rouge4"]


def test_score_split_newline_gives_rouge_scores_and_evaluates_numbers():
    """HF evaluate's rouge (stemming off, texts as given) on one-line multi-sentence text."""
    pred = "It rained. Then it snowed all day."
    ref = "It snowed all day. It rained first."
    direct = rouge_scorer.RougeScorer(["rougeL", "rougeLsum"]).score(ref, pred)
    newline = sumbench.score(predictions=[pred], references=[ref], stemmer=False,
                             rouge_types=["rougeL", "rougeLsum"], split="newline")
    assert newline[0]["rougeLsum"].as_dict() == direct["rougeLsum"]._asdict()
    assert newline[0]["rougeLsum"] == newline[0]["rougeL"]  # one sentence each
    auto = sumbench.score(predictions=[pred], references=[ref], stemmer=False,
                          rouge_types=["rougeL", "rougeLsum"])
    # by hand: one sentence each, the LCS is "it snowed all day" (4 of 7 tokens); with
    # pysbd's sentences, "it snowed all day" and "it rained" are found (6 of 7)
    assert direct["rougeLsum"].recall == 4 / 7 and auto[0]["rougeLsum"].recall == 6 / 7
    assert "|split:newline|" in newline.signature and "|split:pysbd-0.3|" in auto.signature


@pytest.mark.parametrize(("predictions", "references", "message"), [
    (["a"], [[]], "score(): references[0] is empty (give at least one reference string)"),
    (["a", None], ["x", "y"], "predictions[1] is None, not a string"),
    (["a"], [b"x"], "references[0] is bytes, not a string or a list of strings (decode"),
    (["a", "b"], ["x", ["y", b"z"]], "references[1][1] is bytes, not a string"),
    (["a"], [None], "references[0] is None"),
    (["a", "b"], ["x"], "references has 1 item(s) for 2 prediction(s)"),
    ([b"a"], ["x"], "predictions[0] is bytes, not a string (decode bytes to str"),
])
def test_score_names_the_argument_and_index_of_bad_input(predictions, references, message):
    from sumbench.errors import InputError

    with pytest.raises(ValueError) as err:  # as rouge-score and evaluate raise
        sumbench.score(predictions=predictions, references=references)
    assert isinstance(err.value, InputError) and message in str(err.value)


def test_setting_and_input_errors_are_value_errors():
    from sumbench.errors import InputError, SettingError, SumbenchError

    assert issubclass(SettingError, ValueError) and issubclass(InputError, ValueError)
    assert issubclass(SettingError, SumbenchError)
    with pytest.raises(ValueError, match="`split` must be one of auto, newline, pysbd"):
        sumbench.score(predictions=["a"], references=["a"], split="nltk")
    with pytest.raises(ValueError, match="`rouge_types` has unknown type"):
        sumbench.score(predictions=["a"], references=["a"], rouge_types="rouge1,bleu")


def test_a_callable_tokenizer_is_refused_with_what_is_accepted():
    with pytest.raises(ValueError, match="`tokenizer` takes 'default' or 'unicode', not a "
                                         "callable") as err:
        sumbench.score(predictions=["a"], references=["a"], tokenizer=str.split)
    assert "RougeScorer(tokenizer=...)" in str(err.value)


def test_a_run_folder_from_before_split_modes_keeps_its_signature_and_compares(tmp_path: Path):
    run = _lead_run(tmp_path)
    results = json.loads((run / "results.json").read_text())
    assert results["spec"]["rouge"]["split"] == "auto"
    assert "|split:pysbd-0.3|" in results["signature"]  # today's default, as before the modes
    old_dir = tmp_path / "old"
    shutil.copytree(run, old_dir)
    old = {k: v for k, v in results.items() if k not in ("schema_version", "signature")}
    del old["spec"]["rouge"]["split"]  # as runs wrote it before --split
    (old_dir / "results.json").write_text(json.dumps(old))
    assert sumbench.load_run(old_dir).signature == results["signature"]
    code, out = _cli("compare", old_dir, run, "--out", tmp_path / "c")
    assert code == 0, out
