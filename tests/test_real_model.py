"""The embedded default model, for real: provisioned, converted once, run on the seed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sumbench.cli import app
from sumbench.models import CONVERSION_MARKER, DEFAULT_GGUF_SHA256

from .conftest import SUITE

pytestmark = pytest.mark.slow


def test_default_model_is_converted_to_safetensors(default_model):
    import hashlib

    from sumbench.models import default_gguf

    digest = hashlib.sha256(default_gguf().read_bytes()).hexdigest()  # the file on disk
    assert default_model.weights_sha256 == digest == DEFAULT_GGUF_SHA256
    marker = json.loads((default_model.path / CONVERSION_MARKER).read_text())
    assert marker["source_sha256"] == digest
    files = {p.name for p in default_model.path.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", CONVERSION_MARKER} <= files
    assert not any(name.endswith((".bin", ".gguf")) for name in files)


def test_sumbench_run_on_the_bundled_suite(default_model, model_cache_dir, tmp_path: Path,
                                           monkeypatch):
    monkeypatch.setenv("SUMBENCH_CACHE_DIR", str(model_cache_dir))
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", "--references", str(SUITE), "--out", str(out),
                                      "--cache-file", str(tmp_path / "c.sqlite"),
                                      "--report", "md,html"])
    assert result.exit_code == 0, result.output
    assert "rougeLsum" in result.output
    results = json.loads((out / "results.json").read_text())
    spec = results["spec"]
    assert spec["model"] == "smollm2-135m-instruct"
    assert spec["model_sha256"] == DEFAULT_GGUF_SHA256
    assert spec["generation"]["max_new_tokens"] == 96 and spec["generation"]["do_sample"] is False
    assert "load_seconds" not in json.dumps(spec) and results["timings"]["model_load_s"] > 0
    assert results["timings"]["documents_per_minute"] > 0  # one document was generated
    assert "{article}" in spec["generation"]["prompt"]
    [sample] = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    assert sample["prediction"].strip() and sample["raw_prediction"].strip()
    # Greedy output on the seed article opens with a title line (no final punctuation)
    # that the cleanup drops: the raw text keeps it, the scored prediction does not.
    title, _, rest = sample["raw_prediction"].partition("\n")
    assert title.strip() and not title.rstrip().endswith((".", "!", "?")), sample
    assert title.strip() not in sample["prediction"]
    assert sample["prediction"].split("\n")[0] in rest
    assert sample["output_tokens"] == 96  # cut at the token limit (the seed's known output)
    assert sample["finish_reason"] == "length"
    assert sample["diagnostics"]["flags"] == ["cut_at_limit"]  # it stops mid-sentence
    assert results["flagged"]["cut_at_limit"] == [sample["id"]]
    assert results["counts"]["n_cut_at_token_limit"] == 1
    assert sample["input_tokens"] > 300
    assert 0.1 < sample["scores"]["rouge1"]["fmeasure"] < 1.0  # a real summary, not noise
    # the scores are those of the cleaned prediction, by rouge-score itself
    from rouge_score import rouge_scorer

    from sumbench.text import sentence_lines

    refs = [p.read_text(encoding="utf-8").strip() for p in
            sorted((SUITE / "russia-urges-de-escalation").glob("reference*.txt"))]
    expected = rouge_scorer.RougeScorer(["rouge1", "rougeLsum"], use_stemmer=True).score_multi(
        [sentence_lines(r) for r in refs], sentence_lines(sample["prediction"]))
    assert sample["scores"]["rouge1"] == expected["rouge1"]._asdict()
    assert sample["scores"]["rougeLsum"] == expected["rougeLsum"]._asdict()
    assert os.path.getsize(out / "report.html") > 1000


LIBRARY_NOISE = ("Converting and de-quantizing", "Loading weights", "Writing model shards",
                 "it/s]", "Warning", "warn(")


def _run_in_a_terminal(cmd: list[str], env: dict[str, str], timeout: float = 600) -> tuple[
        int, str]:
    """Run ``cmd`` with a pseudo-terminal as stdout and stderr (as a person at a shell)."""
    import pty
    import select
    import subprocess
    import time

    main, child = pty.openpty()
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=child, stderr=child)
    os.close(child)
    chunks, deadline = [], time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 1.0)
            if ready:
                try:
                    data = os.read(main, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
    finally:
        os.close(main)
        if proc.poll() is None:
            proc.kill()
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def test_first_run_in_a_terminal_shows_only_sumbench_output(default_model, tmp_path: Path):
    """Conversion from the GGUF in a fresh cache, at a terminal: transformers' own bars and
    warnings stay silent; our one-line message and progress bar remain. The converted
    model folder follows the umask (0755 under 022), not mkdtemp's 0700."""
    import stat
    import sys

    from sumbench.models import default_gguf

    gguf = default_gguf()
    cache = tmp_path / "cache"
    env = {**os.environ, "SUMBENCH_CACHE_DIR": str(cache), "SUMBENCH_GGUF": str(gguf),
           "HF_HUB_OFFLINE": "1", "COLUMNS": "100"}
    old = os.umask(0o022)
    try:
        code, output = _run_in_a_terminal(
            [sys.executable, "-m", "sumbench", "run", "--references", str(SUITE),
             "--max-new-tokens", "8", "--no-cache", "--out", str(tmp_path / "run")], env)
    finally:
        os.umask(old)
    assert code == 0, output
    assert "sumbench: converting SmolLM2-135M-Instruct.Q4_1.gguf" in output
    assert "hf: summarizing" in output and "rougeLsum" in output
    for noise in LIBRARY_NOISE:
        assert noise not in output, output
    [model_dir] = (cache / "models").glob("smollm2-*")
    assert stat.S_IMODE(model_dir.stat().st_mode) == 0o755
    assert stat.S_IMODE((model_dir / "model.safetensors").stat().st_mode) == 0o644


def test_a_run_logged_to_a_file_holds_no_library_output(default_model, model_cache_dir,
                                                        tmp_path: Path):
    """Out of a terminal (a CI log): no carriage-return bars, no library warnings."""
    import subprocess
    import sys

    env = {**os.environ, "SUMBENCH_CACHE_DIR": str(model_cache_dir), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "sumbench", "run", "--references", str(SUITE), "--max-new-tokens",
         "8", "--no-cache", "--out", str(tmp_path / "run")],
        env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stderr
    for noise in LIBRARY_NOISE:
        assert noise not in proc.stderr + proc.stdout, proc.stderr
    assert proc.stderr.startswith("hf: summarizing") and proc.stderr.count("\n") == 1
