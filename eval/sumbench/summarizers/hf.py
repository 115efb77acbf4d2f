"""Any transformers model as a summarizer.

Decoder-only models get the prompt through their chat template (plain text if they
have none); encoder-decoder models (BART, T5, Pegasus) get the article directly, with
T5's ``summarize: `` prefix when the config names one. Which path is read from the
config (``is_encoder_decoder``). Greedy by default; inputs are sorted by length and
left-padded (decoder-only) so batches waste little compute.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sumbench.errors import (
    ModelError,
    SettingError,
)
from sumbench.models import ResolvedModel, quiet_libraries, resolve_device
from sumbench.records import Example, Generation
from sumbench.summarizers import ResultHook
from sumbench.summarizers.cleanup import CLEANUP_VERSION, clean_prediction
from sumbench.summarizers.hf_settings import GenerationSettings, HFOptions
from sumbench.summarizers.prompting import chat_messages, user_text

if TYPE_CHECKING:
    from sumbench.options import RunOptions

# Measured on an H200 (bench/README.md): compiling (static KV cache + torch.compile) cost
# 35-53 s; at batch 256 it then saved 0.57 s per batch (5,561 vs 4,610 docs/min), which
# repays the compile after about 15,500 documents; at batch 512 compiled decoding was
# slower than eager (5,371 vs 6,352 docs/min). So "auto" compiles only runs of at least
# COMPILE_MIN_DOCS documents with batches of at most COMPILE_MAX_BATCH, on CUDA.
COMPILE_MIN_DOCS = 16000
COMPILE_MAX_BATCH = 256
# On CPU a decode step costs less per document in a larger batch (bench/decode-batch.log:
# 0.73x at 64 and 0.71x at 96 the per-document cost at 32), but the batch's KV cache
# grows with it (46 KB per token for the default model). So a CPU batch holds up to
# CPU_BATCH_SIZE documents, fewer when its KV cache would pass the memory budget.
CPU_BATCH_SIZE = 64
CUDA_BATCH_SIZE = 512
CPU_KV_BUDGET_BYTES = 4 * 1024**3  # and at most a quarter of the machine's memory
CGROUP_MEMORY_LIMITS = ("/sys/fs/cgroup/memory.max",  # v2; v1 below
                        "/sys/fs/cgroup/memory/memory.limit_in_bytes")


def _resolve_dtype(dtype: str, device: str) -> Any:
    import torch

    if dtype == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    return {"float32": torch.float32, "fp32": torch.float32, "bfloat16": torch.bfloat16,
            "bf16": torch.bfloat16, "float16": torch.float16, "fp16": torch.float16}[dtype]


def _quantize_int8(model: Any) -> Any:
    """Every ``nn.Linear`` (the LM head too) as a dynamically quantized int8 matmul:
    weights int8 per output channel, activations quantized per call (torch's x86
    kernels). Embeddings and norms stay float32. Per-channel weights kept more of the
    fp32 scores than per-tensor ones, and quantizing the LM head too more than leaving
    it in fp32 (bench/README.md). torch marks ``torch.ao.quantization`` deprecated in
    favour of torchao, but it is in the pinned torch 2.13 and needs no other package;
    its warnings are silenced here."""
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        return quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig},
                                dtype=torch.qint8)


def kv_budget_bytes() -> int:
    """The most a CPU decode batch's KV cache may take: CPU_KV_BUDGET_BYTES, or a quarter
    of this machine's memory (its cgroup limit, where one is set) when that is less."""
    limits = [CPU_KV_BUDGET_BYTES]
    with contextlib.suppress(AttributeError, ValueError, OSError):  # no sysconf: Windows
        limits.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 4)
    for cgroup in CGROUP_MEMORY_LIMITS:
        with contextlib.suppress(OSError):
            text = Path(cgroup).read_text().strip()
            if text.isdigit():  # cgroup v2 says "max" when there is no limit
                limits.append(int(text) // 4)
    return min(limits)


class HFSummarizer:
    """A transformers model, loaded lazily on the first batch."""

    Options = HFOptions  # what the run's options hold for this summarizer
    name = "hf"
    runs_model = True
    batch_size: int

    def __init__(self, model: ResolvedModel, settings: GenerationSettings, *,
                 trust_remote_code: bool = False, allow_pickle: bool = False) -> None:
        self.model_ref = model
        self.settings = settings
        self.trust_remote_code = trust_remote_code
        self.allow_pickle = allow_pickle
        self.device = resolve_device(settings.device)
        self.batch_size = settings.batch_size or (
            CUDA_BATCH_SIZE if self.device.startswith("cuda") else CPU_BATCH_SIZE)
        self.compiled = False  # decided per run by plan()
        # the most a decode batch's KV cache may take (CPU only; see _batches)
        self.kv_budget = kv_budget_bytes() if self.device == "cpu" else None
        if settings.quantize != "none":
            if self.device != "cpu":
                raise SettingError("quantize", f"{settings.quantize} (dynamic int8 matmuls) "
                                   f"runs on CPU only, not on {self.device}")
            if _resolve_dtype(settings.dtype, self.device) != _resolve_dtype("fp32", "cpu"):
                raise SettingError("quantize", f"{settings.quantize} quantizes float32 "
                                   f"weights; drop --dtype {settings.dtype}")
        self._frame: tuple[str | None, str] | None = None
        self._model: Any = None
        self._tokenizer: Any = None
        self.load_seconds = 0.0

    @classmethod
    def from_options(cls, options: RunOptions, examples: Sequence[Example]) -> HFSummarizer:
        from sumbench.models import resolve_model

        own: HFOptions = options.settings
        resolved = resolve_model(own.model, trust_remote_code=own.trust_remote_code,
                                 allow_pickle=own.allow_pickle, revision=own.revision)
        return cls(resolved, own.generation(), trust_remote_code=own.trust_remote_code,
                   allow_pickle=own.allow_pickle)

    def timings(self) -> dict[str, float]:
        return {"model_load_s": round(self.load_seconds, 3)}

    def plan(self, n_documents: int) -> None:
        """Decide whether to compile, from the run's size and batch (see COMPILE_MIN_DOCS)."""
        on_cuda = self.device.startswith("cuda")
        worth_it = n_documents >= COMPILE_MIN_DOCS and self.batch_size <= COMPILE_MAX_BATCH
        self.compiled = on_cuda and self.settings.num_beams == 1 and (
            self.settings.compile == "on" or (self.settings.compile == "auto" and worth_it))

    # -- identity -------------------------------------------------------------------
    def fingerprint(self) -> str | None:
        """Cache key part: same weights, settings, prompt and cleanup give the same output.

        Batch size is left out on purpose (it only changes padding), so a resumed run
        may use another batch size and still reuse finished documents. An int8 run is
        not cached (None): its activations are quantized with one scale per call, so a
        document's output depends on which documents share its decode batch.
        """
        if self.settings.quantize != "none":
            return None
        settings = asdict(self.settings)
        settings.pop("batch_size")
        settings.pop("compile")
        settings.pop("quantize")  # keys of runs made before the option stay valid
        settings["device"] = self.device.split(":")[0]
        settings["dtype"] = str(_resolve_dtype(self.settings.dtype, self.device))
        payload = {"weights": self.model_ref.weights_sha256, "settings": settings,
                   "cleanup": CLEANUP_VERSION}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def describe(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "summarizer": self.name,
            "model": self.model_ref.name,
            "model_path": str(self.model_ref.path),
            "model_source": self.model_ref.source,
            "model_sha256": self.model_ref.weights_sha256,
            "generation": {**asdict(self.settings), "batch_size": self.batch_size,
                           "compiled": self.compiled, "device": self.device,
                           "dtype": str(_resolve_dtype(self.settings.dtype, self.device)),
                           "do_sample": False,
                           "kv_budget_mib": (self.kv_budget // 2**20
                                             if self.kv_budget is not None else None)},
            "cleanup": CLEANUP_VERSION,
            "trust_remote_code": self.trust_remote_code,
        }
        if self._model is not None:
            info["architecture"] = type(self._model).__name__
            info["encoder_decoder"] = self.is_encoder_decoder
            info["uses_chat_template"] = self.uses_chat_template
        return info

    # -- loading ----------------------------------------------------------------------
    def load(self) -> None:
        if self._model is not None:
            return
        start = time.perf_counter()
        import torch
        from transformers import (
            AutoConfig,
            AutoModelForCausalLM,
            AutoModelForSeq2SeqLM,
            AutoTokenizer,
        )

        path = self.model_ref.path
        common = {"trust_remote_code": self.trust_remote_code}
        try:
            with quiet_libraries():
                config = AutoConfig.from_pretrained(path, **common)
                self.is_encoder_decoder = bool(getattr(config, "is_encoder_decoder", False))
                auto = (AutoModelForSeq2SeqLM if self.is_encoder_decoder
                        else AutoModelForCausalLM)
                self._model = auto.from_pretrained(
                    path, dtype=_resolve_dtype(self.settings.dtype, self.device),
                    use_safetensors=None if self.allow_pickle else True, **common)
                self._tokenizer = AutoTokenizer.from_pretrained(path, **common)
        except (OSError, ValueError) as err:
            raise ModelError(f"{path}: could not load the model: {str(err)[:400]}") from None
        self._model.to(self.device).eval()
        if self.settings.quantize == "int8":
            self._model = _quantize_int8(self._model)
        tok = self._tokenizer
        if tok.pad_token_id is None:
            tok.pad_token = tok.eos_token
        if not self.is_encoder_decoder:
            tok.padding_side = "left"  # decoder-only: new tokens must follow the prompt
        self.uses_chat_template = (not self.is_encoder_decoder
                                   and getattr(tok, "chat_template", None) is not None)
        self.context_limit = self._context_limit(config)
        # What this transformers version's forward accepts, read once: 5.2x renamed
        # ``past_key_values`` to ``cache``, and encoder-decoders lack ``logits_to_keep``.
        params = inspect.signature(self._model.forward).parameters
        self._keeps_last_logits = "logits_to_keep" in params
        self._cache_kwarg = "cache" if "cache" in params else "past_key_values"
        torch.manual_seed(self.settings.seed)
        self.load_seconds = time.perf_counter() - start

    def _kv_bytes_per_token(self) -> int | None:
        """Bytes the KV cache holds per token of one document (all layers, keys and
        values), from the config; None when the config does not say (encoder-decoders,
        unusual architectures), and then no memory budget applies."""
        config = self._model.config
        layers = getattr(config, "num_hidden_layers", None)
        heads = getattr(config, "num_attention_heads", None)
        kv_heads = getattr(config, "num_key_value_heads", None) or heads
        head_dim = getattr(config, "head_dim", None) or (
            config.hidden_size // heads if heads and getattr(config, "hidden_size", None)
            else None)
        if self.is_encoder_decoder or not (layers and kv_heads and head_dim):
            return None
        return 2 * layers * kv_heads * head_dim * self._model.dtype.itemsize

    def _batches(self, lengths: Sequence[int]) -> list[range]:
        """Consecutive batches over inputs sorted longest first: at most ``batch_size``
        each, and on CPU few enough that the batch's KV cache (its longest input plus the
        new tokens, for every row and beam) stays within ``kv_budget``; one row at least."""
        budget = self.kv_budget
        per_token = self._kv_bytes_per_token() if budget is not None else None
        batches, start = [], 0
        while start < len(lengths):
            rows = self.batch_size
            if budget is not None and per_token:
                per_row = (per_token * (lengths[start] + self.settings.max_new_tokens)
                           * self.settings.num_beams)  # beam search keeps a cache per beam
                rows = max(1, min(rows, budget // per_row))
            batches.append(range(start, min(start + rows, len(lengths))))
            start = batches[-1].stop
        return batches

    def _context_limit(self, config: Any) -> int:
        limits = [getattr(config, "max_position_embeddings", None),
                  getattr(config, "n_positions", None)]
        tok_max = getattr(self._tokenizer, "model_max_length", None)
        if tok_max and tok_max < 1_000_000:
            limits.append(tok_max)
        known = [int(x) for x in limits if x]
        if self.is_encoder_decoder:
            return min(known) if known else 512
        return min(known) if known else 2048

    # -- inputs -----------------------------------------------------------------------
    def _prompt_text(self, article: str) -> str:
        prefix, suffix = self._prompt_frame()
        if prefix is None:
            return self._render_prompt(article)
        return prefix + article + suffix

    def _prompt_frame(self) -> tuple[str | None, str]:
        """The prompt around the article, rendered once: (prefix, suffix).

        Rendering a chat template per document is slow for large batches, and templates
        insert the message verbatim; if this one does not (the sentinel does not come
        back exactly once), prefix is None and each prompt is rendered in full.
        """
        if self._frame is None:
            sentinel = "\x00sumbench-article\x00"
            rendered = self._render_prompt(sentinel)
            if rendered.count(sentinel) == 1:
                before, after = rendered.split(sentinel)
                self._frame = (before, after)
            else:
                self._frame = (None, "")
        return self._frame

    def _render_prompt(self, article: str) -> str:
        if self.is_encoder_decoder:
            params = getattr(self._model.config, "task_specific_params", None) or {}
            prefix = params.get("summarization", {}).get("prefix", "") or ""
            return prefix + article
        if not self.uses_chat_template:
            return user_text(self.settings.prompt, article)
        messages = chat_messages(self.settings.prompt, self.settings.system_prompt, article)
        return self._tokenizer.apply_chat_template(messages, tokenize=False,
                                                   add_generation_prompt=True)

    def encode(self, articles: Sequence[str]) -> list[tuple[list[int], bool]]:
        """Token ids of each full input, and whether its article had to be cut.

        One batched tokenizer call for the articles and one for the prompts: per-document
        calls cost more than a GPU decoding step for large batches.
        """
        tok = self._tokenizer
        overhead = len(self._ids(self._prompt_text("")))
        room = self.context_limit - overhead - (0 if self.is_encoder_decoder
                                                else self.settings.max_new_tokens)
        budget = min(room, self.settings.max_input_tokens or room)
        if budget < 1:
            raise SettingError("max_new_tokens", f"and the prompt leave no room for the "
                               f"article in this model's {self.context_limit}-token context")
        article_ids = tok(list(articles), add_special_tokens=False)["input_ids"]
        texts, cut = [], []
        for article, ids in zip(articles, article_ids, strict=True):
            cut.append(len(ids) > budget)
            if cut[-1]:
                article = tok.decode(ids[:budget], skip_special_tokens=True)
            texts.append(self._prompt_text(article))
        all_ids = tok(texts, add_special_tokens=self._adds_special_tokens)["input_ids"]
        # re-tokenising a cut article can add a token at the seam: never exceed the context
        return [(ids[: self.context_limit], c) for ids, c in zip(all_ids, cut, strict=True)]

    @property
    def _adds_special_tokens(self) -> bool:
        # Chat templates already contain the special tokens; encoder-decoders need theirs.
        return self.is_encoder_decoder or not self.uses_chat_template

    def _ids(self, text: str) -> list[int]:
        return self._tokenizer(text, add_special_tokens=self._adds_special_tokens)["input_ids"]

    # -- generation -------------------------------------------------------------------
    def summarize(self, examples: Sequence[Example],
                  on_each: ResultHook | None = None) -> list[Generation]:
        if not examples:
            return []
        self.load()
        encoded = self.encode([ex.article for ex in examples])
        order = sorted(range(len(examples)), key=lambda i: -len(encoded[i][0]))
        results: dict[int, Generation] = {}
        for rows in self._batches([len(encoded[i][0]) for i in order]):
            batch = [order[k] for k in rows]
            texts = self._generate([encoded[i][0] for i in batch])
            for i, (raw, n_out, finish) in zip(batch, texts, strict=True):
                results[i] = Generation(
                    examples[i].id, clean_prediction(raw), raw_prediction=raw,
                    input_tokens=len(encoded[i][0]), output_tokens=n_out,
                    truncated=encoded[i][1], finish_reason=finish)
                if on_each:
                    on_each(results[i])
        return [results[i] for i in range(len(examples))]

    def _generate(self, batch_ids: list[list[int]]) -> list[tuple[str, int, str]]:
        """Each row's text, its number of new tokens, and why it stopped: "stop" at an
        end-of-sequence token, "length" when it ran into ``max_new_tokens``."""
        import torch

        tok = self._tokenizer
        # Compiled graphs are specialised to shapes: round lengths up so few are needed.
        padded = tok.pad({"input_ids": batch_ids}, return_tensors="pt",
                         pad_to_multiple_of=128 if self.compiled else None)
        input_ids = padded["input_ids"].to(self.device)
        attention_mask = padded["attention_mask"].to(self.device)
        kwargs: dict[str, Any] = {}
        if self._keeps_last_logits:
            kwargs["logits_to_keep"] = 1  # prefill needs the last position's logits only
        if self.compiled:
            kwargs["cache_implementation"] = "static"  # transformers then compiles decoding
        torch.manual_seed(self.settings.seed)
        with torch.inference_mode(), quiet_libraries():
            if self._prefills_separately(batch_ids):
                kwargs[self._cache_kwarg] = self._prefill_each(batch_ids, input_ids.shape[1])
            out = self._model.generate(
                input_ids=input_ids, attention_mask=attention_mask,
                max_new_tokens=self.settings.max_new_tokens, num_beams=self.settings.num_beams,
                do_sample=False, pad_token_id=tok.pad_token_id, **kwargs)
        new_tokens = out[:, 1:] if self.is_encoder_decoder else out[:, input_ids.shape[1]:]
        eos = self._eos_ids()
        results = []
        for row in new_tokens.tolist():
            stop = next((k + 1 for k, t in enumerate(row) if t in eos), None)
            n = stop or len(row)
            results.append((tok.decode(row[:n], skip_special_tokens=True).strip(), n,
                            "stop" if stop else "length"))
        return results

    def _prefills_separately(self, batch_ids: list[list[int]]) -> bool:
        """On CPU, prefill is matmul-bound: padding a batch to its longest prompt only adds
        work. Each prompt is prefilled alone and the decode steps, which are bound by
        reading the weights, run batched. Greedy decoder-only models only."""
        return (not self.is_encoder_decoder and self.settings.num_beams == 1
                and self.device == "cpu" and len(batch_ids) > 1
                and min(map(len, batch_ids)) > 1 and self._keeps_last_logits)

    def _prefill_each(self, batch_ids: list[list[int]], padded_len: int) -> Any:
        """A left-padded batch KV cache holding every prompt but its last token.

        Padding positions hold zeros and are masked out by the attention mask; each real
        position has the same rotary position as in an unpadded run, so greedy outputs
        equal one-at-a-time decoding (tested). Each prompt's keys and values go into the
        batch's tensors as soon as it is prefilled, and its own cache is dropped, so the
        next prompt reuses that memory; the batch tensors then move into a static cache
        (preallocated for every new token, which saves the per-step copy a growing cache
        makes) one layer at a time. Peak memory stays near one batch cache.
        """
        import torch
        from transformers import DynamicCache, StaticCache

        width = padded_len - 1
        keys: list[Any] = []
        values: list[Any] = []
        for row, ids in enumerate(batch_ids):
            cache = DynamicCache(config=self._model.config)
            self._model(input_ids=torch.tensor([ids[:-1]], device=self.device),
                        use_cache=True, logits_to_keep=1, **{self._cache_kwarg: cache})
            for index, layer in enumerate(cache.layers):
                k, v = layer.keys, layer.values
                if row == 0:
                    keys.append(k.new_zeros((len(batch_ids), k.shape[1], width, k.shape[3])))
                    values.append(v.new_zeros((len(batch_ids), v.shape[1], width, v.shape[3])))
                keys[index][row, :, width - k.shape[2]:] = k[0]
                values[index][row, :, width - v.shape[2]:] = v[0]
            del cache, k, v, layer
        merged = StaticCache(config=self._model.config,
                             max_cache_len=width + self.settings.max_new_tokens)
        positions = {"cache_position": torch.arange(width, device=self.device)}
        for index in range(len(keys)):
            merged.update(keys[index], values[index], index, positions)
            keys[index] = values[index] = None  # freed as its layer moves
        return merged

    def _eos_ids(self) -> set[int]:
        eos = self._model.generation_config.eos_token_id
        if eos is None:
            eos = self._tokenizer.eos_token_id
        ids = set(eos) if isinstance(eos, list) else {eos}
        return {i for i in ids if i is not None}
