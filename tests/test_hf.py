"""The hf summarizer end to end on tiny random models, and the model loading policy."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from eval.errors import ModelError
from eval.models import ResolvedModel, resolve_model
from eval.records import Example
from eval.summarizers.hf import GenerationSettings, HFSummarizer

ARTICLES = [
    "the police said the team won the game . the president said the city was new .",
    "the government said two people were at the news report .",
    "one year after the game the city team was first .",
]


def _examples() -> list[Example]:
    return [Example(f"d{i}", text, ("the team won .",)) for i, text in enumerate(ARTICLES)]


def _summarizer(path: Path, **settings) -> HFSummarizer:
    return HFSummarizer(resolve_model(str(path)),
                        GenerationSettings(max_new_tokens=5, batch_size=2, **settings))


def test_causal_model_end_to_end(tiny_causal: Path):
    summarizer = _summarizer(tiny_causal)
    out = summarizer.summarize(_examples())
    assert [g.id for g in out] == ["d0", "d1", "d2"]
    assert all(1 <= g.output_tokens <= 5 for g in out)
    assert all(not g.truncated for g in out)
    info = summarizer.describe()
    assert info["encoder_decoder"] is False and info["uses_chat_template"] is True
    assert info["architecture"] == "LlamaForCausalLM"


def test_batched_equals_one_at_a_time(tiny_causal: Path):
    """Left padding with an attention mask: batching must not change greedy outputs."""
    batched = _summarizer(tiny_causal).summarize(_examples())
    single = HFSummarizer(resolve_model(str(tiny_causal)),
                          GenerationSettings(max_new_tokens=5, batch_size=1)
                          ).summarize(_examples())
    assert [g.raw_prediction for g in batched] == [g.raw_prediction for g in single]


def test_seq2seq_model_end_to_end(tiny_seq2seq: Path):
    summarizer = _summarizer(tiny_seq2seq)
    out = summarizer.summarize(_examples())
    assert [g.id for g in out] == ["d0", "d1", "d2"]
    assert summarizer.describe()["encoder_decoder"] is True
    # T5-style prefix from task_specific_params is prepended to the article
    assert summarizer._prompt_text("x").startswith("summary . ")


def test_long_article_is_truncated_and_flagged(tiny_causal: Path):
    long = Example("long", " ".join(["the police said"] * 60), ("the police",))
    out = _summarizer(tiny_causal).summarize([long, *_examples()[:1]])
    assert out[0].truncated is True and out[1].truncated is False
    assert out[0].input_tokens <= 64 - 5  # the model's 64-token context minus new tokens


def test_explicit_max_input_tokens(tiny_seq2seq: Path):
    out = _summarizer(tiny_seq2seq, max_input_tokens=4).summarize(_examples())
    assert all(g.truncated for g in out)


def test_fingerprint_tracks_settings_not_batch_size(tiny_causal: Path):
    model = resolve_model(str(tiny_causal))
    base = HFSummarizer(model, GenerationSettings()).fingerprint()
    assert HFSummarizer(model, GenerationSettings(batch_size=3)).fingerprint() == base
    assert HFSummarizer(model, GenerationSettings(max_new_tokens=7)).fingerprint() != base
    assert HFSummarizer(model, GenerationSettings(prompt="Sum: {article}")).fingerprint() != base


def test_prompt_needs_placeholder():
    with pytest.raises(ModelError, match="placeholder"):
        GenerationSettings(prompt="Summarize this")


def test_remote_code_model_is_refused(tiny_causal: Path, tmp_path: Path):
    folder = tmp_path / "remote"
    shutil.copytree(tiny_causal, folder)
    config = json.loads((folder / "config.json").read_text())
    config["auto_map"] = {"AutoModelForCausalLM": "modeling_evil.EvilModel"}
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "modeling_evil.py").write_text("import os\nos.system('touch /tmp/pwned')\n")
    with pytest.raises(ModelError, match=r"asks to run its own Python code.*--trust-remote-code"):
        resolve_model(str(folder))


def test_pickle_only_model_is_refused(tiny_causal: Path, tmp_path: Path):
    folder = tmp_path / "pickled"
    shutil.copytree(tiny_causal, folder)
    (folder / "model.safetensors").unlink()
    (folder / "pytorch_model.bin").write_bytes(b"not really a pickle")
    with pytest.raises(ModelError, match=r"only pickle weights.*--allow-pickle"):
        resolve_model(str(folder))


def test_missing_model_folder_is_clear(tmp_path: Path):
    with pytest.raises(ModelError, match="model folder not found"):
        resolve_model(str(tmp_path / "nope"))
    with pytest.raises(ModelError, match=r"no config\.json"):
        resolve_model(str(tmp_path))


def test_hub_id_offline_fails_clearly():
    with pytest.raises(ModelError, match="could not be fetched"):
        resolve_model("someone/some-model-that-is-not-cached")


def test_default_model_resolution_is_checked(monkeypatch, tmp_path: Path):
    from eval import models

    bogus = tmp_path / models.DEFAULT_GGUF_NAME
    bogus.write_bytes(b"GGUF not the real file")
    monkeypatch.setenv("SUMBENCH_GGUF", str(bogus))
    monkeypatch.setenv("SUMBENCH_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(ModelError, match=r"sha256 .* does not match"):
        models.default_gguf()


def test_resolved_model_record():
    r = ResolvedModel("x", Path("/tmp"), "abc", "local")
    assert r.weights_sha256 == "abc"


def test_prompt_frame_equals_full_rendering(tiny_causal: Path):
    summarizer = _summarizer(tiny_causal, system_prompt="Be brief.")
    summarizer.load()
    for article in ("plain text", "text with {braces} and {article}", ""):
        assert summarizer._prompt_text(article) == summarizer._render_prompt(article)


def test_compile_rule(tiny_causal: Path):
    from eval.summarizers import hf

    model = resolve_model(str(tiny_causal))
    cpu = HFSummarizer(model, GenerationSettings(compile="on", device="cpu"))
    cpu.plan(100_000)
    assert cpu.compiled is False  # never on CPU
    small = HFSummarizer(model, GenerationSettings(batch_size=256, device="cpu"))
    small.device = "cuda"  # the rule only, no GPU needed
    small.plan(hf.COMPILE_MIN_DOCS - 1)
    assert small.compiled is False
    small.plan(hf.COMPILE_MIN_DOCS)
    assert small.compiled is True
    big = HFSummarizer(model, GenerationSettings(batch_size=512, device="cpu"))
    big.device = "cuda"
    big.plan(10 * hf.COMPILE_MIN_DOCS)
    assert big.compiled is False  # measured slower than eager at this batch size


def test_bfloat16_on_cpu(tiny_causal: Path):
    out = _summarizer(tiny_causal, dtype="bfloat16").summarize(_examples())
    assert [g.id for g in out] == ["d0", "d1", "d2"]
    assert all(1 <= g.output_tokens <= 5 for g in out)
