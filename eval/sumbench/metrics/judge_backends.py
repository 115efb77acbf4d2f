"""Where the judge's distributions come from: a served model (``ServedJudge``, through
the served-model client) or a model run in process (``InProcessJudge``, transformers).

Both take ``Call``s (the messages of one judgment and its scale) and give one
``Verdict`` per call: the distribution over the scale, or why there is none.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sumbench.metrics import judge_scoring as js
from sumbench.openai_client import Connections, Failed, ServedClient


@dataclass(frozen=True)
class Call:
    """One judgment to make: the exact messages, and the scale to read."""

    messages: tuple[dict[str, str], ...]
    scale: tuple[int, int]


@dataclass
class Verdict:
    """What one call gave: a distribution (and how it was read), or an error."""

    distribution: js.Distribution | None
    mode: str | None  # logprobs, text, samples or logits
    attempts: int = 1
    error: str | None = None
    reply: str | None = None  # the reply's text (served), for judge.jsonl
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_s: float | None = None
    cached: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


MIN_SHARED = 32  # tokens: a shorter common prefix is not run separately
OnVerdict = Callable[[int, Verdict], None]  # index of the call, its verdict


class ServedJudge:
    """The judge behind an OpenAI-compatible server. One sample: temperature 0 with
    ``logprobs``/``top_logprobs``, read G-Eval's way, or from the reply's first integer
    when the server sends no probabilities; N samples: N replies at the sampling
    temperature (seeds ``seed``..``seed+N-1``), their integers averaged."""

    def __init__(self, client: ServedClient, *, samples: int, temperature: float,
                 top_logprobs: int, max_tokens: int, seed: int) -> None:
        self.client = client
        self.samples = samples
        self.temperature = temperature
        self.top_logprobs = top_logprobs
        self.max_tokens = max_tokens
        self.seed = seed

    def bodies(self, call: Call) -> list[dict[str, Any]]:
        """The request bodies of one call (one, or one per sample)."""
        common = {"model": self.client.model, "messages": list(call.messages),
                  "max_tokens": self.max_tokens}
        if self.samples == 1:
            return [{**common, "temperature": 0, "seed": self.seed, "logprobs": True,
                     "top_logprobs": self.top_logprobs}]
        return [{**common, "temperature": self.temperature, "seed": self.seed + i}
                for i in range(self.samples)]

    def judge(self, calls: Sequence[Call], on_each: OnVerdict) -> list[Verdict]:
        indexed = list(enumerate(calls))
        return [v for _, v in self.client.map(
            indexed, self._one, lambda item: on_each(item[0], item[1]))]

    def _one(self, item: tuple[int, Call], worker: int, connections: Connections
             ) -> tuple[int, Verdict]:
        index, call = item
        ratings, texts, attempts, latency = [], [], 0, 0.0
        n_in = n_out = 0
        distribution, mode = None, "samples"
        for body in self.bodies(call):
            outcome = self.client.post("/chat/completions", json.dumps(body).encode(),
                                       worker, connections)
            attempts += outcome.attempts
            latency += outcome.latency
            if isinstance(outcome, Failed):
                return index, Verdict(None, None, attempts, outcome.message,
                                      latency_s=round(latency, 4))
            got_in, got_out = self.client.record_usage(outcome.reply, outcome.latency)
            n_in, n_out = n_in + (got_in or 0), n_out + (got_out or 0)
            choice = outcome.reply["choices"][0]
            text = (choice.get("message") or {}).get("content")
            text = text if isinstance(text, str) else ""
            texts.append(text)
            if self.samples == 1:
                distribution = js.from_top_logprobs(_first_top_logprobs(choice), call.scale)
                mode = "logprobs"
            if distribution is None:
                rating = js.first_integer(text, call.scale)
                if rating is None:
                    low, high = call.scale
                    return index, Verdict(
                        None, None, attempts, f"the reply has no integer from {low} to "
                        f"{high}: {text[:200]!r}", reply=text, latency_s=round(latency, 4))
                ratings.append(rating)
        if distribution is None:
            distribution = js.from_ratings(ratings, call.scale)
            mode = "text" if self.samples == 1 else "samples"
        return index, Verdict(distribution, mode, attempts, None,
                              reply=texts[0] if len(texts) == 1 else json.dumps(texts),
                              prompt_tokens=n_in, completion_tokens=n_out,
                              latency_s=round(latency, 4))

    def timings(self) -> dict[str, Any]:
        return self.client.timings()


def _first_top_logprobs(choice: dict[str, Any]) -> list[dict[str, Any]]:
    """``logprobs.content[0].top_logprobs`` of a chat reply; [] when absent."""
    logprobs = choice.get("logprobs")
    content = logprobs.get("content") if isinstance(logprobs, dict) else None
    if not isinstance(content, list) or not content or not isinstance(content[0], dict):
        return []
    top = content[0].get("top_logprobs")
    return [t for t in top if isinstance(t, dict)] if isinstance(top, list) else []


class InProcessJudge:
    """The judge run by transformers in this process: one forward pass per call, no
    generation. The distribution is read from the next-token logits after the chat
    template's generation prompt: the probability of every vocabulary token whose
    decoded text, stripped, is an integer of the scale, summed per integer and
    normalised over the scale. Calls that share a prefix (the rubric and the article:
    every summary of one article on one criterion) are batched and the prefix is run
    once; the rest is left-padded, with position ids that skip the padding, so a batched
    call equals the call alone (tested against transformers on each call's messages)."""

    def __init__(self, path: str, *, batch_size: int, device: str = "cpu") -> None:
        self.path = path
        self.batch_size = batch_size
        self.device = device
        self._model: Any = None
        self._keeps_last_logits = False
        self._cache_kwarg = "past_key_values"
        self._tokenizer: Any = None
        self._scale_ids: dict[tuple[int, int], dict[int, list[int]]] = {}
        self.load_s = 0.0
        self.seconds = 0.0
        self.calls = 0
        self.prompt_tokens = 0
        self.context: int | None = None  # the model's positions: a longer prompt fails

    def load(self) -> None:
        if self._model is not None:
            return
        started = time.perf_counter()
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from sumbench.models import quiet_libraries

        with quiet_libraries():
            self._tokenizer = AutoTokenizer.from_pretrained(self.path)
            self._model = AutoModelForCausalLM.from_pretrained(
                self.path, dtype="float32", use_safetensors=True)
        self._model.to(self.device).eval()
        config = self._model.config
        limits = [getattr(config, "max_position_embeddings", None),
                  getattr(config, "n_positions", None)]
        known = [int(x) for x in limits if isinstance(x, int) and x > 0]
        self.context = min(known) if known else None
        if self._tokenizer.pad_token_id is None:
            self._tokenizer.pad_token = self._tokenizer.eos_token
        import inspect

        params = inspect.signature(self._model.forward).parameters
        self._keeps_last_logits = "logits_to_keep" in params
        self._cache_kwarg = "cache" if "cache" in params else "past_key_values"
        self.load_s = time.perf_counter() - started

    def prompt_ids(self, call: Call) -> list[int]:
        """The tokens of the rendered messages, ending with the generation prompt."""
        text = self._tokenizer.apply_chat_template(list(call.messages), tokenize=False,
                                                   add_generation_prompt=True)
        return list(self._tokenizer(text, add_special_tokens=False)["input_ids"])

    def scale_token_ids(self, scale: tuple[int, int]) -> dict[int, list[int]]:
        """Per integer of the scale, every vocabulary token that decodes to it."""
        if scale not in self._scale_ids:
            found: dict[int, list[int]] = {k: [] for k in range(scale[0], scale[1] + 1)}
            for token_id in range(len(self._tokenizer)):
                value = js.scale_integer(self._tokenizer.decode([token_id]), scale)
                if value is not None:
                    found[value].append(token_id)
            self._scale_ids[scale] = found
        return self._scale_ids[scale]

    def judge(self, calls: Sequence[Call], on_each: OnVerdict) -> list[Verdict]:
        self.load()
        started = time.perf_counter()
        ids = [self.prompt_ids(call) for call in calls]
        out: dict[int, Verdict] = {}
        fits = []
        for i, prompt in enumerate(ids):  # past its positions a model reads garbage
            if self.context is None or len(prompt) <= self.context:
                fits.append(i)
                continue
            out[i] = Verdict(None, None, 0, f"the prompt has {len(prompt)} tokens, more "
                             f"than the judge model's context of {self.context}: use a "
                             "judge model with a longer context", prompt_tokens=len(prompt))
            on_each(i, out[i])
        for subset, shared in self.batches([ids[i] for i in fits]):
            batch = [fits[j] for j in subset]
            t0 = time.perf_counter()
            probabilities = self.next_token_probabilities([ids[i] for i in batch], shared)
            share = (time.perf_counter() - t0) / len(batch)
            for row, i in enumerate(batch):
                mass = {k: float(probabilities[row, token_ids].sum()) if token_ids else 0.0
                        for k, token_ids in self.scale_token_ids(calls[i].scale).items()}
                distribution = js.normalise(mass, calls[i].scale)
                verdict = Verdict(distribution, "logits", 1, None if distribution else
                                  "no probability on any integer of the scale",
                                  prompt_tokens=len(ids[i]), latency_s=round(share, 4),
                                  extra={"scale_mass": sum(mass.values())})
                out[i] = verdict
                on_each(i, verdict)
            self.calls += len(batch)
            self.prompt_tokens += sum(len(ids[i]) for i in batch)
        self.seconds += time.perf_counter() - started
        return [out[i] for i in range(len(calls))]

    def batches(self, ids: Sequence[Sequence[int]]) -> list[tuple[list[int], int]]:
        """Calls in batches of at most ``batch_size``, each with the number of leading
        tokens all its prompts share (run once). Prompts are sorted by their tokens, and
        a batch ends where the next prompt shares less than half of the batch's first
        prompt with it: the judgments of one article on one criterion (rubric and
        article, all but the summary) fall together. A shared prefix shorter than
        ``MIN_SHARED`` is not worth a separate pass (0)."""
        order = sorted(range(len(ids)), key=lambda i: ids[i])
        out: list[tuple[list[int], int]] = []
        batch: list[int] = []
        shared = 0
        for i in order:
            if batch:
                common = min(shared, _common_prefix(ids[batch[0]], ids[i]))
                if len(batch) < self.batch_size and \
                        common >= max(MIN_SHARED, len(ids[batch[0]]) // 2):
                    batch.append(i)
                    shared = common
                    continue
                out.append((batch, shared))
            batch, shared = [i], len(ids[i])
        if batch:
            out.append((batch, shared))
        # a prompt must keep at least one token of its own after the shared part
        return [(b, s if len(b) > 1 and s >= MIN_SHARED else 0) for b, s in
                ((b, min(s, min(len(ids[i]) for i in b) - 1)) for b, s in out)]

    def next_token_probabilities(self, batch: Sequence[Sequence[int]], shared: int = 0) -> Any:
        """Softmax of the last position's logits for each prompt, float32: (rows, vocab).

        The first ``shared`` tokens (the same in every prompt) go through the model once
        and their keys and values are repeated for each row; the rest is left-padded
        after them, with an attention mask over prefix, padding and tokens, and position
        ids that skip the padding, so each row sees what it would see alone."""
        import torch

        rest = [list(ids[shared:]) for ids in batch]
        width = max(len(r) for r in rest)
        pad = self._tokenizer.pad_token_id
        input_ids = torch.tensor([[pad] * (width - len(r)) + r for r in rest])
        own = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rest])
        positions = shared + (own.cumsum(-1) - 1).clamp(min=0)
        kwargs: dict[str, Any] = {"logits_to_keep": 1} if self._keeps_last_logits else {}
        with torch.inference_mode():
            if shared:
                from transformers import DynamicCache

                cache = DynamicCache(config=self._model.config)
                self._model(input_ids=torch.tensor([list(batch[0][:shared])],
                                                   device=self.device),
                            use_cache=True, **{self._cache_kwarg: cache}, **kwargs)
                cache.batch_repeat_interleave(len(batch))
                kwargs.update({self._cache_kwarg: cache, "use_cache": True})
                own = torch.cat([torch.ones(len(batch), shared, dtype=own.dtype), own], -1)
            logits = self._model(input_ids=input_ids.to(self.device),
                                 attention_mask=own.to(self.device),
                                 position_ids=positions.to(self.device),
                                 **kwargs).logits[:, -1, :]
        return torch.softmax(logits.float(), dim=-1).cpu().numpy()

    def timings(self) -> dict[str, Any]:
        return {"in_process": True, "load_s": round(self.load_s, 3),
                "calls": self.calls, "seconds": round(self.seconds, 3),
                "calls_per_s": round(self.calls / self.seconds, 3) if self.seconds else None,
                "prompt_tokens": self.prompt_tokens, "batch_size": self.batch_size}


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
