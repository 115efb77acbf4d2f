"""The hf summarizer end to end on tiny random models, and the model loading policy."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sumbench.errors import ModelError, SettingError
from sumbench.models import ResolvedModel, resolve_model
from sumbench.records import Example
from sumbench.summarizers import hf
from sumbench.summarizers.hf import GenerationSettings, HFSummarizer

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
    with pytest.raises(SettingError, match="placeholder"):
        GenerationSettings(prompt="Summarize this")


def test_remote_code_model_is_refused(tiny_causal: Path, tmp_path: Path):
    folder = tmp_path / "remote"
    shutil.copytree(tiny_causal, folder)
    config = json.loads((folder / "config.json").read_text())
    config["auto_map"] = {"AutoModelForCausalLM": "modeling_evil.EvilModel"}
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "modeling_evil.py").write_text("import os\nos.system('touch /tmp/pwned')\n")
    with pytest.raises(ModelError, match=r"asks to run its own Python code.*`trust_remote_code`"):
        resolve_model(str(folder))


def test_pickle_only_model_is_refused(tiny_causal: Path, tmp_path: Path):
    folder = tmp_path / "pickled"
    shutil.copytree(tiny_causal, folder)
    (folder / "model.safetensors").unlink()
    (folder / "pytorch_model.bin").write_bytes(b"not really a pickle")
    with pytest.raises(ModelError, match=r"only pickle weights.*`allow_pickle`"):
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
    from sumbench import models

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
    from sumbench.summarizers import hf

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


# -- settings reach the model: each checked against transformers called directly ----------

def _built(tiny: Path, **options):
    """The summarizer exactly as `sumbench run` builds it from its options."""
    from sumbench.options import RunOptions
    from sumbench.pipeline import build_summarizer

    settings = {"model": str(tiny), "max_new_tokens": 6, "batch_size": 2, **options}
    return build_summarizer(RunOptions.build(out=Path("unused"), cache=False, **settings), [])


def _direct_generate(tiny: Path, messages_for, num_beams: int = 1) -> list[tuple[list, str]]:
    """Token ids and greedy (or beam) output from transformers alone, one document at a
    time, with the chat template applied by the tokenizer itself."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny)
    model = AutoModelForCausalLM.from_pretrained(tiny).eval()
    out = []
    for article in ARTICLES:
        ids = tok.apply_chat_template(messages_for(article), add_generation_prompt=True,
                                      tokenize=True, return_dict=False)
        with torch.inference_mode():
            gen = model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids),
                                                                                dtype=torch.long),
                                 max_new_tokens=6, num_beams=num_beams, do_sample=False,
                                 pad_token_id=tok.pad_token_id)
        new = gen[0, len(ids):].tolist()
        if tok.eos_token_id in new:
            new = new[:new.index(tok.eos_token_id) + 1]
        out.append((ids, tok.decode(new, skip_special_tokens=True).strip()))
    return out


def test_prompt_and_system_prompt_reach_the_model(tiny_causal: Path):
    prompt, system = "news report : {article} summary", "the president said"
    got = _built(tiny_causal, prompt=prompt, system_prompt=system).summarize(_examples())
    expected = _direct_generate(tiny_causal, lambda a: [
        {"role": "system", "content": system},
        {"role": "user", "content": prompt.replace("{article}", a)}])
    assert [g.input_tokens for g in got] == [len(ids) for ids, _ in expected]
    assert [g.raw_prediction for g in got] == [text for _, text in expected]
    default = _built(tiny_causal).summarize(_examples())
    assert [g.input_tokens for g in default] != [g.input_tokens for g in got]


def test_default_prompt_is_sent_as_one_user_message(tiny_causal: Path):
    from sumbench.defaults import PROMPT as DEFAULT_PROMPT

    got = _built(tiny_causal).summarize(_examples())
    expected = _direct_generate(tiny_causal, lambda a: [
        {"role": "user", "content": DEFAULT_PROMPT.replace("{article}", a)}])
    assert [g.input_tokens for g in got] == [len(ids) for ids, _ in expected]


def test_num_beams_reaches_generate(tiny_causal: Path):
    def user(a: str) -> list[dict]:
        from sumbench.defaults import PROMPT as DEFAULT_PROMPT

        return [{"role": "user", "content": DEFAULT_PROMPT.replace("{article}", a)}]

    beams = _direct_generate(tiny_causal, user, num_beams=3)
    greedy = _direct_generate(tiny_causal, user, num_beams=1)
    assert [t for _, t in beams] != [t for _, t in greedy]  # the setting changes outputs
    got = _built(tiny_causal, num_beams=3).summarize(_examples())
    assert [g.raw_prediction for g in got] == [t for _, t in beams]


def test_dtype_reaches_the_loaded_model(tiny_causal: Path):
    import torch

    summarizer = _built(tiny_causal, dtype="bfloat16")
    summarizer.load()
    assert summarizer._model.dtype == torch.bfloat16
    assert summarizer.describe()["generation"]["dtype"] == "torch.bfloat16"
    default = _built(tiny_causal)
    default.load()
    assert default._model.dtype == torch.float32  # auto on CPU


def test_outputs_are_cleaned_and_raw_kept(tiny_causal: Path, monkeypatch):
    summarizer = _built(tiny_causal)
    summarizer.load()
    raw = "Police report\nSummary: the **team** won.\n- the city was new."
    monkeypatch.setattr(summarizer, "_generate", lambda ids: [(raw, 4, "stop")] * len(ids))
    [g] = summarizer.summarize(_examples()[:1])
    assert g.raw_prediction == raw
    assert g.prediction == "the team won.\nthe city was new."
    assert g.output_tokens == 4


def test_fingerprint_changes_with_everything_that_decides_the_output(tiny_causal: Path,
                                                                      monkeypatch):
    from sumbench.summarizers import hf

    model = resolve_model(str(tiny_causal))
    base = HFSummarizer(model, GenerationSettings()).fingerprint()
    changed = {
        "system_prompt": HFSummarizer(model, GenerationSettings(system_prompt="x")),
        "num_beams": HFSummarizer(model, GenerationSettings(num_beams=2)),
        "dtype": HFSummarizer(model, GenerationSettings(dtype="bfloat16")),
        "max_input_tokens": HFSummarizer(model, GenerationSettings(max_input_tokens=50)),
        "seed": HFSummarizer(model, GenerationSettings(seed=1)),
        "weights": HFSummarizer(ResolvedModel(model.name, model.path, "0" * 64, "local"),
                                GenerationSettings()),
    }
    for name, summarizer in changed.items():
        assert summarizer.fingerprint() != base, name
    assert HFSummarizer(model, GenerationSettings(compile="on")).fingerprint() == base
    monkeypatch.setattr(hf, "CLEANUP_VERSION", "cleanup-v999")
    assert HFSummarizer(model, GenerationSettings()).fingerprint() != base


def _variant(tiny: Path, folder: Path, *, config: dict | None = None,
             add: dict[str, str] | None = None, remove: tuple[str, ...] = ()) -> str:
    """A copy of the tiny model with its config changed, files added or removed."""
    shutil.copytree(tiny, folder)
    if config:
        (folder / "config.json").write_text(json.dumps(
            {**json.loads((folder / "config.json").read_text()), **config}))
    for name, text in (add or {}).items():
        (folder / name).write_text(text)
    for name in remove:
        (folder / name).unlink()
    return str(folder)


@pytest.mark.parametrize("change", [
    {"config": {"auto_map": {"AutoModelForCausalLM": "modeling_x.X"}}},
    {"add": {"tokenization_x.py": "raise SystemExit('ran')\n"}},
], ids=["auto_map alone", "python files alone"])
def test_remote_code_is_refused_on_either_sign(tiny_causal: Path, tmp_path: Path, change):
    folder = _variant(tiny_causal, tmp_path / "m", **change)
    with pytest.raises(ModelError, match="asks to run its own Python code"):
        resolve_model(folder)
    assert resolve_model(folder, trust_remote_code=True).source == "local"


def test_pickle_is_allowed_only_when_asked(tiny_causal: Path, tmp_path: Path):
    pickled = _variant(tiny_causal, tmp_path / "pickled", remove=("model.safetensors",),
                       add={"pytorch_model.bin": "x"})
    assert resolve_model(pickled, allow_pickle=True).source == "local"
    empty = _variant(tiny_causal, tmp_path / "empty", remove=("model.safetensors",))
    with pytest.raises(ModelError, match="no weights found"):
        resolve_model(empty)


# -- found by mutation testing (bench/mutation.py) -------------------------------------

@pytest.mark.parametrize(("name", "expected"), [
    ("float32", "float32"), ("fp32", "float32"), ("bfloat16", "bfloat16"), ("bf16", "bfloat16"),
    ("float16", "float16"), ("fp16", "float16")])
def test_dtype_names_and_aliases(name: str, expected: str):
    import torch

    from sumbench.summarizers.hf import _resolve_dtype

    assert _resolve_dtype(name, "cpu") is getattr(torch, expected)
    assert _resolve_dtype("auto", "cpu") is torch.float32
    assert _resolve_dtype("auto", "cuda:1") is torch.bfloat16


def test_defaults_of_a_summarizer_built_in_python(tiny_causal: Path):
    model = resolve_model(str(tiny_causal))
    plain = HFSummarizer(model, GenerationSettings(device="cpu"))
    assert plain.trust_remote_code is False and plain.allow_pickle is False
    assert plain.batch_size == 64  # CPU default
    cuda = HFSummarizer(model, GenerationSettings(device="cuda"))  # nothing is loaded
    assert cuda.batch_size == 512 and cuda.device == "cuda"
    assert cuda.kv_budget is None and plain.kv_budget == hf.kv_budget_bytes()
    info = plain.describe()
    assert info["trust_remote_code"] is False
    assert info["model_sha256"] == model.weights_sha256 and len(model.weights_sha256) == 64
    assert info["model_path"] == str(tiny_causal.resolve()) and info["model_source"] == "local"
    assert info["generation"]["device"] == "cpu" and info["generation"]["do_sample"] is False
    assert info["generation"]["kv_budget_mib"] == hf.kv_budget_bytes() // 2**20


def test_weights_hash_follows_the_files(tiny_causal: Path, tmp_path: Path):
    copy = _variant(tiny_causal, tmp_path / "copy")
    assert resolve_model(copy).weights_sha256 == resolve_model(str(tiny_causal)).weights_sha256
    changed = _variant(tiny_causal, tmp_path / "changed", config={"rms_norm_eps": 1e-5})
    assert resolve_model(changed).weights_sha256 != resolve_model(copy).weights_sha256


def test_load_time_is_reported_as_a_timing(tiny_causal: Path):
    summarizer = _summarizer(tiny_causal)
    assert summarizer.timings() == {"model_load_s": 0.0}
    summarizer.summarize(_examples()[:1])
    assert summarizer.timings()["model_load_s"] > 0
    assert "load_seconds" not in summarizer.describe()


def test_hub_revision_is_passed_on(monkeypatch, tiny_causal: Path):
    """The Hub boundary: `revision` reaches the download, whatever else is asked."""
    from sumbench import models

    seen = {}

    def fake_hub(name, revision, **kwargs):
        seen.update(name=name, revision=revision, **kwargs)
        return models.ResolvedModel(name, tiny_causal, "0" * 64, "hub")

    monkeypatch.setattr(models, "_from_hub", fake_hub)
    built = _built(tiny_causal, model="org/model", revision="v1.2")
    assert seen == {"name": "org/model", "revision": "v1.2", "trust_remote_code": False,
                    "allow_pickle": False}
    assert built.describe()["model_source"] == "hub"


def test_truncation_flag_at_the_exact_budget(tiny_causal: Path):
    """An article of exactly the room left is kept whole; one token more is cut."""
    summarizer = _summarizer(tiny_causal)  # 64-token context, 5 new tokens
    summarizer.load()
    room = summarizer.context_limit - len(summarizer._ids(summarizer._prompt_text(""))) - 5
    words = (["police"] * (room + 1))
    [(ids_fit, cut_fit)] = summarizer.encode([" ".join(words[:room])])
    [(ids_over, cut_over)] = summarizer.encode([" ".join(words)])
    assert cut_fit is False and cut_over is True
    assert len(ids_fit) == len(ids_over) <= summarizer.context_limit


def test_no_room_for_the_article_names_the_setting(tiny_causal: Path):
    from sumbench.errors import SettingError

    summarizer = HFSummarizer(resolve_model(str(tiny_causal)),
                              GenerationSettings(max_new_tokens=64))
    summarizer.load()
    with pytest.raises(SettingError, match="no room for the article") as err:
        summarizer.encode(["the team won ."])
    assert err.value.setting == "max_new_tokens"


def test_context_limit_without_any_known_limit(tiny_causal: Path):
    from types import SimpleNamespace

    summarizer = _summarizer(tiny_causal)
    summarizer.load()
    summarizer._tokenizer.model_max_length = 10**30  # "no limit", as tokenizers say it
    bare = SimpleNamespace()
    summarizer.is_encoder_decoder = False
    assert summarizer._context_limit(bare) == 2048
    summarizer.is_encoder_decoder = True
    assert summarizer._context_limit(bare) == 512
    assert summarizer._context_limit(SimpleNamespace(n_positions=300,
                                                     max_position_embeddings=None)) == 300


def test_every_generation_config_eos_stops_the_count(tiny_causal: Path):
    summarizer = _summarizer(tiny_causal)
    summarizer.load()
    summarizer._model.generation_config.eos_token_id = [2, 7]
    assert summarizer._eos_ids() == {2, 7}
    summarizer._model.generation_config.eos_token_id = None
    assert summarizer._eos_ids() == {summarizer._tokenizer.eos_token_id}


@pytest.mark.parametrize("name", ["max_new_tokens", "num_beams", "batch_size",
                                  "max_input_tokens"])
def test_generation_settings_refuse_zero(name: str):
    from sumbench.errors import SettingError

    with pytest.raises(SettingError, match="must be at least 1") as err:
        GenerationSettings(**{name: 0})
    assert err.value.setting == name


def test_the_spec_records_the_resolved_device_not_auto(tiny_causal: Path):
    import torch

    info = HFSummarizer(resolve_model(str(tiny_causal)), GenerationSettings()).describe()
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert info["generation"]["device"] == expected  # the settings said "auto"


def test_a_device_torch_would_reject_is_refused_when_settings_are_built():
    from sumbench.errors import SettingError

    with pytest.raises(SettingError,
                       match="`device` must be auto, cpu, cuda, cuda:N, mps; got 'gpu'"):
        GenerationSettings(device="gpu")
    assert GenerationSettings(device="cuda:1").device == "cuda:1"


def test_int8_quantizes_every_linear_layer_and_is_recorded(tiny_causal: Path):
    """--quantize int8: the matmuls run as dynamic int8, the run still works end to end,
    it is never cached (an output depends on its batch), and describe() records it."""
    import torch

    fp32 = _built(tiny_causal)
    int8 = _built(tiny_causal, quantize="int8")
    assert int8.fingerprint() is None and fp32.fingerprint() is not None
    out = int8.summarize(_examples())
    assert [g.id for g in out] == ["d0", "d1", "d2"] and all(g.output_tokens for g in out)
    from torch.ao.nn.quantized.dynamic import Linear as DynamicInt8Linear

    modules = list(int8._model.modules())
    assert sum(isinstance(m, DynamicInt8Linear) for m in modules) > 5
    assert not any(isinstance(m, torch.nn.Linear) for m in modules)
    assert int8.describe()["generation"]["quantize"] == "int8"
    fp32.load()
    assert any(isinstance(m, torch.nn.Linear) for m in fp32._model.modules())


def test_fingerprint_without_quantization_is_what_it_was(tiny_causal: Path):
    """Adding the option must not invalidate the response caches of earlier runs: the
    key of an unquantized run is computed without the new field."""
    import hashlib

    from sumbench.summarizers.hf import CLEANUP_VERSION

    summarizer = _built(tiny_causal)
    settings = {k: v for k, v in summarizer.settings.__dict__.items()
                if k not in ("batch_size", "compile", "quantize")}
    settings.update(device="cpu", dtype="torch.float32")
    payload = {"weights": summarizer.model_ref.weights_sha256, "settings": settings,
               "cleanup": CLEANUP_VERSION}
    assert summarizer.fingerprint() == hashlib.sha256(
        json.dumps(payload, sort_keys=True).encode()).hexdigest()


@pytest.mark.parametrize(("settings", "message"), [
    ({"device": "cuda"}, "runs on CPU only"),
    ({"dtype": "bfloat16"}, "quantizes float32 weights"),
    ({"quantize": "int4"}, "int4"),
])
def test_int8_is_refused_where_it_cannot_run(tiny_causal: Path, settings, message):
    with pytest.raises(SettingError, match=message):
        HFSummarizer(resolve_model(str(tiny_causal)),
                     GenerationSettings(**{"quantize": "int8", **settings}))


def test_cpu_batches_keep_the_kv_cache_within_the_budget(tiny_causal: Path):
    """Longest inputs first; a batch gets fewer rows when its KV cache would pass the
    budget, never fewer than one; outputs are the same as one at a time."""
    summarizer = _summarizer(tiny_causal)  # max_new_tokens=5
    summarizer.load()
    config = summarizer._model.config
    per_token = (2 * config.num_hidden_layers * config.num_key_value_heads
                 * (config.hidden_size // config.num_attention_heads) * 4)  # fp32
    assert summarizer._kv_bytes_per_token() == per_token
    summarizer.batch_size = 4
    lengths = [95, 45, 45, 45, 45, 45, 10, 10]
    # room for 2 rows of 100 tokens (95 + 5 new), or 4 of 50
    summarizer.kv_budget = per_token * 200
    assert [list(b) for b in summarizer._batches(lengths)] == [[0, 1], [2, 3, 4, 5], [6, 7]]
    beams = _summarizer(tiny_causal, num_beams=2)
    beams.load()
    beams.batch_size, beams.kv_budget = 4, per_token * 200  # each beam has its own cache
    assert [list(b) for b in beams._batches(lengths)] == [[0], [1, 2], [3, 4], [5, 6], [7]]
    summarizer.kv_budget = 1  # too small for even one row
    assert [len(b) for b in summarizer._batches(lengths)] == [1] * 8
    batched = summarizer.summarize(_examples())
    single = HFSummarizer(resolve_model(str(tiny_causal)),
                          GenerationSettings(max_new_tokens=5, batch_size=1)
                          ).summarize(_examples())
    assert [g.raw_prediction for g in batched] == [g.raw_prediction for g in single]


def test_the_kv_budget_is_the_smallest_limit(monkeypatch, tmp_path: Path):
    """4 GiB, a quarter of the machine's memory, a quarter of its cgroup's limit."""
    unlimited, limited = tmp_path / "memory.max", tmp_path / "limit_in_bytes"
    unlimited.write_text("max\n")
    limited.write_text(f"{2 * 1024**3}\n")
    memory = {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": 10**8}  # 400 GB
    monkeypatch.setattr(hf.os, "sysconf", memory.get)
    monkeypatch.setattr(hf, "CGROUP_MEMORY_LIMITS", (str(unlimited), str(tmp_path / "none")))
    assert hf.kv_budget_bytes() == hf.CPU_KV_BUDGET_BYTES == 4 * 1024**3
    memory["SC_PHYS_PAGES"] = 10**6  # 4 GB
    assert hf.kv_budget_bytes() == 4096 * 10**6 // 4
    monkeypatch.setattr(hf, "CGROUP_MEMORY_LIMITS", (str(unlimited), str(limited)))
    assert hf.kv_budget_bytes() == 2 * 1024**3 // 4
