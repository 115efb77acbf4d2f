"""Shared fixtures: data paths, the real default model (converted once per session) and
tiny randomly initialised models built from configs (fast, offline)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
# ../shared/data beside the checkout; SUMBENCH_SHARED_DATA points elsewhere (the mutation
# run tests a copy of the repository in mutants/, one folder further down)
SHARED = Path(os.environ.get("SUMBENCH_SHARED_DATA") or ROOT.parent / "shared" / "data")
CNNDM = SHARED / "cnndm-dev.jsonl"
XSUM = SHARED / "xsum-dev.jsonl"
SUMMEVAL = SHARED / "summeval.jsonl"
SUITE = ROOT / "references"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="session")
def cnndm_rows() -> list[dict]:
    return read_jsonl(CNNDM)


@pytest.fixture(scope="session")
def model_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the converted default model lives for this test session.

    SUMBENCH_TEST_CACHE reuses a folder across sessions (CI keeps none); the response
    cache is always per test (``--cache-file`` or ``--no-cache``).
    """
    env = os.environ.get("SUMBENCH_TEST_CACHE")
    return Path(env) if env else tmp_path_factory.mktemp("sumbench-cache")


@pytest.fixture(scope="session")
def default_model(model_cache_dir: Path):
    """The real SmolLM2-135M-Instruct, provisioned and converted once per session."""
    from sumbench.models import resolve_model

    old = os.environ.get("SUMBENCH_CACHE_DIR")
    os.environ["SUMBENCH_CACHE_DIR"] = str(model_cache_dir)
    try:
        yield resolve_model(None)
    finally:
        if old is None:
            os.environ.pop("SUMBENCH_CACHE_DIR", None)
        else:
            os.environ["SUMBENCH_CACHE_DIR"] = old


WORDS = (
    "the a of to and in on for with is was are said new year police people president "
    "government world city team game first last two three one after before over under at "
    "by from he she it they we you his her their this that news report reports article "
    "summary . , ' \""
).split()


def _tiny_tokenizer(chat_template: str | None):
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {tok: i for i, tok in enumerate(["<pad>", "<s>", "</s>", "<unk>", *WORDS])}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    backend.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 1), ("</s>", 2)])
    tok = PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>", bos_token="<s>",
                                  eos_token="</s>", unk_token="<unk>", model_max_length=64)
    if chat_template:
        tok.chat_template = chat_template
    return tok, len(vocab)


@pytest.fixture(scope="session")
def tiny_causal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer Llama with random weights and a chat template, saved as safetensors."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("tiny-causal")
    tok, vocab = _tiny_tokenizer(
        "{% for m in messages %}<s> {{ m['role'] }} {{ m['content'] }} </s> {% endfor %}"
        "{% if add_generation_prompt %}<s> assistant {% endif %}")
    config = LlamaConfig(vocab_size=vocab, hidden_size=32, intermediate_size=64,
                         num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1,
                         max_position_embeddings=64, bos_token_id=1, eos_token_id=2,
                         pad_token_id=0)
    LlamaForCausalLM(config).save_pretrained(path)
    tok.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_seq2seq(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1-layer BART with random weights and a T5-style summarization prefix."""
    import torch
    from transformers import BartConfig, BartForConditionalGeneration

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("tiny-seq2seq")
    tok, vocab = _tiny_tokenizer(None)
    config = BartConfig(vocab_size=vocab, d_model=32, encoder_layers=1, decoder_layers=1,
                        encoder_attention_heads=2, decoder_attention_heads=2,
                        encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=64,
                        pad_token_id=0, bos_token_id=1, eos_token_id=2,
                        decoder_start_token_id=2, forced_eos_token_id=2,
                        task_specific_params={"summarization": {"prefix": "summary . "}})
    BartForConditionalGeneration(config).save_pretrained(path)
    tok.save_pretrained(path)
    return path


def fast_scorer_off_at(pair: int):
    """A stand-in fast ROUGE path that is rouge-score itself except for one pair's F1,
    1e-12 off: what the per-run check must catch."""
    from rouge_score import rouge_scorer

    from sumbench.scoring import ROUGE_TYPES

    class OffByAHair:
        def score_batch(self, targets, predictions):
            real = rouge_scorer.RougeScorer(list(ROUGE_TYPES)).score
            out = [real(t, p) for t, p in zip(targets, predictions, strict=True)]
            out[pair] = {k: type(v)(v.precision, v.recall, v.fmeasure + 1e-12)
                         for k, v in out[pair].items()}
            return out

    return OffByAHair()
