"""Which layer of all-MiniLM-L6-v2 BERTScore should use: the SummEval meta-evaluation
per layer (how the default, ``DEFAULT_LAYER`` in metrics/bertscore.py, was chosen).

Every distinct text is encoded once through all six layers (each layer's hidden states
are what a model cut at that layer outputs); BERTScore F1 (and P, R) of every summary
is then matched per layer, and correlated with the human scores at the summary level
(Spearman per document across the 16 systems, averaged over documents; G-Eval's Table 1
setting) and at the system level (Kendall), as ``sumbench meta-eval`` computes them.

    python bench/bertscore_layers.py [--data ../shared/data/summeval.jsonl] [--limit N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from sumbench import metaeval
from sumbench.metrics.bertscore import BertScore, match_all
from sumbench.metrics.encoders import TOKENS_PER_BATCH, Encoder

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "summeval.jsonl"


def all_layers(encoder: Encoder, token_lists: list[list[int]]) -> list[list[torch.Tensor]]:
    """[layer][text] -> unit-length token vectors, from one pass through every layer."""
    order = sorted(range(len(token_lists)), key=lambda i: len(token_lists[i]))
    out: list[list[torch.Tensor]] = []
    start = 0
    with torch.inference_mode():
        while start < len(order):
            end = start + 1
            while end < len(order) and (end - start + 1) * len(token_lists[order[end]]) \
                    <= TOKENS_PER_BATCH:
                end += 1
            batch = order[start:end]
            longest = len(token_lists[batch[-1]])
            ids = torch.zeros((len(batch), longest), dtype=torch.long)
            mask = torch.zeros_like(ids)
            for row, i in enumerate(batch):
                ids[row, :len(token_lists[i])] = torch.tensor(token_lists[i])
                mask[row, :len(token_lists[i])] = 1
            states = encoder.model(ids, attention_mask=mask, output_hidden_states=True
                                   ).hidden_states
            if not out:
                out = [[None] * len(token_lists) for _ in states]  # type: ignore[list-item]
            for layer, hidden in enumerate(states):
                hidden = hidden / hidden.norm(dim=-1, keepdim=True)
                for row, i in enumerate(batch):
                    out[layer][i] = hidden[row, :len(token_lists[i])].clone()
            start = end
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, default=None, help="first N documents only")
    args = parser.parse_args()
    data = metaeval.load_human(args.data)
    n_docs = len(data.ids) if args.limit is None else min(args.limit, len(data.ids))
    n_sys = len(data.systems)
    preds = [s for row in data.summaries[:n_docs] for s in row]
    refs = [list(r) for r in data.references[:n_docs] for _ in data.systems]
    metric = BertScore()
    setup = metric.setup()
    t0 = time.perf_counter()
    encoder = Encoder(setup.encoder.path, setup.encoder.n_layers)
    texts = list(dict.fromkeys([*preds, *(r for group in refs for r in group)]))
    index = {t: i for i, t in enumerate(texts)}
    ids = [encoder.token_ids(t)[0] for t in texts]
    layers = all_layers(encoder, ids)
    weights = metric._weights(ids, refs, index, encoder.special)
    print(f"{n_docs} documents x {n_sys} systems, {len(texts)} distinct texts, "
          f"{sum(map(len, ids))} tokens, encoded through {len(layers) - 1} layers in "
          f"{time.perf_counter() - t0:.1f} s\n")
    dims = data.dimensions
    print("| layer | " + " | ".join(dims) + " | average | system-level Kendall (avg) |")
    print("| ---: | " + " | ".join("---:" for _ in dims) + " | ---: | ---: |")
    for layer, vectors in enumerate(layers):
        rows = match_all(preds, refs, index, ids, vectors, weights, None)
        f1 = np.array([r["bertscore"]["fmeasure"] for r in rows]).reshape(n_docs, n_sys)
        summary = [float(metaeval.level_value(f1, data.human[d][:n_docs], "summary",
                                              "spearman")) for d in dims]
        system = [float(metaeval.level_value(f1, data.human[d][:n_docs], "system",
                                             "kendall")) for d in dims]
        print(f"| {layer} | " + " | ".join(f"{v:.3f}" for v in summary)
              + f" | {np.mean(summary):.3f} | {np.mean(system):.3f} |")


if __name__ == "__main__":
    main()
