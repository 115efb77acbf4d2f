"""Would prompt-lookup speculative decoding pay on CPU? Two measurements that decide it.

    sumbench run --data ../shared/data/cnndm-dev.jsonl --limit 32 --out runs/cnndm32
    python bench/prompt_lookup.py --run runs/cnndm32 [--batch 32 --cache 1000]

1. Acceptance, on the default model's real greedy outputs (`samples.jsonl` of the run):
   at each step, draft up to K tokens by matching the last n tokens (n = max..1) to
   their latest earlier occurrence in prompt + output so far, accept the longest prefix
   equal to the true continuation; a step yields accepted + 1 tokens. Prints tokens per
   step (outputs re-tokenised from their text: an estimate).
2. Cost of a decode step that verifies T tokens per row, at the given batch and cache
   length (static cache with random contents, a 4-D mask as a verify step needs), for
   T = 1, 2, 4, with SDPA and eager attention.
Speculation pays only where tokens per step exceed the step-cost ratio T-step / 1-step.
"""

from __future__ import annotations

import argparse
import inspect
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "cnndm-dev.jsonl"


def draft(seq: list[int], k: int, max_ngram: int) -> list[int]:
    for n in range(max_ngram, 0, -1):
        if len(seq) < n + 1:
            continue
        tail = seq[-n:]
        for start in range(len(seq) - n - 1, -1, -1):
            if seq[start:start + n] == tail:
                return seq[start + n:start + n + k]
    return []


def acceptance(run: Path) -> None:
    from sumbench.models import resolve_model
    from sumbench.summarizers.hf import GenerationSettings, HFSummarizer

    rows = [json.loads(line) for line in (run / "samples.jsonl").read_text().splitlines()]
    articles = {json.loads(line)["id"]: json.loads(line)["article"]
                for line in DATA.read_text().splitlines()}
    summarizer = HFSummarizer(resolve_model(None), GenerationSettings())
    summarizer.load()
    tok = summarizer._tokenizer
    docs = [(summarizer.encode([articles[r["id"]]])[0][0],
             tok(r["raw_prediction"], add_special_tokens=False)["input_ids"]) for r in rows]
    for k in (1, 2, 3, 5):
        for max_ngram in (2, 3):
            steps = tokens = drafted = accepted = 0
            for prompt, out in docs:
                t = 0
                while t < len(out):
                    d = draft(prompt + out[:t], k, max_ngram)
                    a = 0
                    while a < len(d) and t + a < len(out) and d[a] == out[t + a]:
                        a += 1
                    drafted, accepted = drafted + len(d), accepted + a
                    steps, t = steps + 1, t + a + 1
                tokens += len(out)
            print(f"K={k} n<={max_ngram}: {tokens} tokens in {steps} steps = "
                  f"{tokens / steps:.2f} tokens/step; accepted {accepted}/{drafted} drafted")


def step_cost(batch: int, cache_len: int) -> None:
    import torch
    from transformers import AutoModelForCausalLM, StaticCache

    from sumbench.models import resolve_model

    path = resolve_model(None).path
    for attention in ("sdpa", "eager"):
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32,
                                                     attn_implementation=attention).eval()
        config = model.config
        # transformers 5.2x renamed past_key_values to cache (as in summarizers/hf.py)
        cache_kwarg = ("cache" if "cache" in inspect.signature(model.forward).parameters
                       else "past_key_values")
        head_dim = (getattr(config, "head_dim", None)
                    or config.hidden_size // config.num_attention_heads)
        base = None
        for t in (1, 2, 4):
            size = cache_len + 8 * t
            cache = StaticCache(config=config, max_cache_len=size)
            times = []
            with torch.inference_mode():
                for layer in range(len(cache.layers)):
                    k = torch.randn(batch, config.num_key_value_heads, cache_len, head_dim)
                    cache.update(k, k.clone(), layer, {"cache_position": torch.arange(cache_len)})
                c = cache_len
                for _ in range(5):
                    slots = torch.arange(size)[None, None, None, :]
                    mask = (slots <= (c + torch.arange(t))[None, None, :, None]).expand(
                        batch, 1, t, size)
                    start = time.perf_counter()
                    model(input_ids=torch.randint(0, 1000, (batch, t)),
                          position_ids=torch.arange(c, c + t).expand(batch, t),
                          attention_mask=mask, cache_position=torch.arange(c, c + t),
                          use_cache=True, **{cache_kwarg: cache})
                    times.append(time.perf_counter() - start)
                    c += t
            ms = 1000 * sorted(times)[len(times) // 2]
            base = base or ms
            print(f"{attention}: batch {batch}, cache {cache_len}, T={t}: {ms:.0f} ms/step "
                  f"({ms / base:.2f}x the T=1 step)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--cache", type=int, default=1000)
    args = parser.parse_args()
    acceptance(args.run)
    step_cost(args.batch, args.cache)


if __name__ == "__main__":
    main()
