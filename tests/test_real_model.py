"""The embedded default model, for real: provisioned, converted once, run on the seed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eval.cli import app
from eval.models import CONVERSION_MARKER, DEFAULT_GGUF_SHA256

from .conftest import SUITE

pytestmark = pytest.mark.slow


def test_default_model_is_converted_to_safetensors(default_model):
    assert default_model.weights_sha256 == DEFAULT_GGUF_SHA256
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
    assert "{article}" in spec["generation"]["prompt"]
    [sample] = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    assert sample["prediction"].strip() and sample["raw_prediction"].strip()
    assert 0 < sample["output_tokens"] <= 96 and sample["input_tokens"] > 300
    assert 0.1 < sample["scores"]["rouge1"]["fmeasure"] < 1.0  # a real summary, not noise
    assert os.path.getsize(out / "report.html") > 1000
