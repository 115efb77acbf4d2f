"""Decode batch size against speed and memory on CPU, side by side in one process.

    python bench/decode_batch.py                      # batches 8, 16, 32, 64, 96
    python bench/decode_batch.py --sizes 32 64 --rounds 6

The default model decodes a few greedy steps from a KV cache of --cache-tokens tokens per
row (random keys and values: only their size matters for speed), the way
``HFSummarizer`` decodes after prefill: a static cache, a left-padding mask, one token
per row per step. The batch sizes take turns, round after round, so the machine's drift
falls on all of them alike. Prints, per batch size, the cost of one decode step per
document (median of the rounds), its ratio to batch 32 (the median of the per-round
ratios), and the KV cache the batch holds. Outputs are not compared here: batching's
identity with one-at-a-time decoding is checked by bench/generation.py and the tests.
"""

from __future__ import annotations

import argparse
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 16, 32, 64, 96])
    parser.add_argument("--cache-tokens", type=int, default=900,
                        help="prompt tokens per row already in the cache (CNN/DM: ~805)")
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()

    import torch
    from transformers import StaticCache

    from sumbench.models import resolve_model
    from sumbench.summarizers.hf import GenerationSettings, HFSummarizer

    summarizer = HFSummarizer(resolve_model(None), GenerationSettings())
    summarizer.load()
    model, config = summarizer._model, summarizer._model.config
    per_token = summarizer._kv_bytes_per_token()
    length, steps = args.cache_tokens, args.steps
    kv_heads = config.num_key_value_heads
    head_dim = config.hidden_size // config.num_attention_heads

    def per_document_step_ms(batch: int) -> float:
        cache = StaticCache(config=config, max_cache_len=length - 1 + steps)
        positions = {"cache_position": torch.arange(length - 1)}
        for layer in range(config.num_hidden_layers):
            cache.update(torch.randn(batch, kv_heads, length - 1, head_dim),
                         torch.randn(batch, kv_heads, length - 1, head_dim), layer, positions)
        ids = torch.randint(100, config.vocab_size - 100, (batch, length))
        mask = torch.ones(batch, length, dtype=torch.long)
        mask[:, :20] = 0  # some left padding, as in a real batch
        start = time.perf_counter()
        model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=steps,
                       min_new_tokens=steps, do_sample=False, pad_token_id=0,
                       logits_to_keep=1, **{summarizer._cache_kwarg: cache})
        return (time.perf_counter() - start) / steps / batch * 1e3

    print(f"default model, {torch.get_num_threads()} threads, {length} cached tokens per "
          f"row, {steps} steps, {args.rounds} rounds; KV cache {per_token / 1024:.0f} KB "
          f"per token")
    times: dict[int, list[float]] = {size: [] for size in args.sizes}
    with torch.inference_mode():
        for size in args.sizes:  # warm-up
            per_document_step_ms(size)
        for _ in range(args.rounds):
            for size in args.sizes:
                times[size].append(per_document_step_ms(size))
    base = times.get(32)
    for size, values in times.items():
        ratio = (f"{statistics.median(a / b for a, b in zip(values, base, strict=True)):.2f}x"
                 if base else "-")
        kv_mib = per_token * (length + steps) * size / 2**20
        print(f"batch {size:4d}: {statistics.median(values):6.2f} ms per document-step "
              f"({', '.join(f'{v:.2f}' for v in values)}); vs batch 32: {ratio}; "
              f"KV cache {kv_mib:,.0f} MiB")


if __name__ == "__main__":
    main()
