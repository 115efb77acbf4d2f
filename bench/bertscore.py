"""BERTScore on SummEval: sumbench's metric against ``bert_score.score`` (0.3.13), same
encoder folder, same layer, same process, one after the other: both times, the ratio,
and the largest difference of any P, R or F1.

Every summary of a document is scored against the document's 11 references (1,600 x 11
pairs on the whole file). Imports are done before either clock starts; each side's time
includes loading its model. bert-score runs with its defaults (batch 64) on the CPU.

Then the ceiling: this machine's fp32 matrix-product rate (the faster of torch's own kernel
and oneDNN's prepacked one, which sumbench uses on the CPU), measured on the encoder's own
shapes, and the floating-point work of each side's encoder pass (from the token counts
and each side's padding); the work of the texts without any padding, at that rate, is
the fastest any implementation giving the same fp32 numbers could encode them here, so
bert-score's measured time over it bounds the ratio anyone can reach on this machine.

    python bench/bertscore.py [--limit N] [--idf] [--layer L] [--first ours|bert-score]
                              [--repeats N] [--kernels]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from sumbench.metrics.bertscore import BertScore, BertScoreOptions
from sumbench.metrics.encoders import Encoder

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "summeval.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, default=None, help="first N documents only")
    parser.add_argument("--idf", action="store_true")
    parser.add_argument("--layer", type=int, default=None)
    parser.add_argument("--first", choices=("ours", "bert-score"), default="bert-score")
    parser.add_argument("--kernels", action="store_true",
                        help="also time sumbench's encoder with torch's linears vs oneDNN's")
    parser.add_argument("--repeats", type=int, default=1,
                        help="pairs of runs, alternating which goes first; medians reported")
    args = parser.parse_args()

    import bert_score
    import torch
    from transformers import AutoModel, AutoTokenizer  # noqa: F401  (imported before timing)

    rows = [json.loads(line) for line in args.data.read_text().splitlines() if line]
    rows = rows[:args.limit] if args.limit else rows
    cands = [r["systems"][s]["summary"] for r in rows for s in sorted(r["systems"])]
    refs = [r["references"] for r in rows for _ in r["systems"]]
    metric = BertScore(BertScoreOptions(bertscore_layer=args.layer, bertscore_idf=args.idf,
                                        bertscore_device="cpu"))  # as bert-score below
    setup = metric.setup()
    Encoder(setup.encoder.path, setup.layer)  # warm: transformers' lazy modules imported
    print(f"{len(rows)} documents, {len(cands)} summaries x {len(refs[0])} references; "
          f"encoder {setup.encoder.path}, layer {setup.layer}, idf {args.idf}; "
          f"torch threads {torch.get_num_threads()}")

    parts: dict = {}

    def run_ours() -> tuple[float, list[list[float]]]:
        fresh = BertScore(metric.settings)
        t = time.perf_counter()
        out = fresh.score(predictions=cands, references=refs, articles=[""] * len(cands))
        elapsed = time.perf_counter() - t
        parts.update(fresh.timings())
        print(f"sumbench parts: {parts}")
        return elapsed, [[o["bertscore"][k] for k in ("precision", "recall", "fmeasure")]
                         for o in out]

    def run_theirs() -> tuple[float, list[list[float]]]:
        t = time.perf_counter()
        p, r, f = bert_score.score(cands, refs, model_type=str(setup.encoder.path),
                                   num_layers=setup.layer, idf=args.idf, device="cpu")
        return time.perf_counter() - t, torch.stack((p, r, f), dim=-1).tolist()

    times: dict[str, list[float]] = {"ours": [], "theirs": []}
    first = args.first
    for _ in range(args.repeats):
        if first == "ours":
            (mine_s, mine), (theirs_s, theirs) = run_ours(), run_theirs()
        else:
            (theirs_s, theirs), (mine_s, mine) = run_theirs(), run_ours()
        print(f"  {first} first: bert_score.score {theirs_s:.1f} s, sumbench {mine_s:.1f} s, "
              f"ratio {theirs_s / mine_s:.2f}x", flush=True)
        times["ours"].append(mine_s)
        times["theirs"].append(theirs_s)
        first = "ours" if first == "bert-score" else "bert-score"
    theirs_s, mine_s = statistics.median(times["theirs"]), statistics.median(times["ours"])
    diff = max(abs(a - b) for m, t in zip(mine, theirs, strict=True)
               for a, b in zip(m, t, strict=True))
    print(f"bert_score.score: {theirs_s:.1f} s (median of {args.repeats})")
    print(f"sumbench:         {mine_s:.1f} s (median of {args.repeats})")
    print(f"ratio:            {theirs_s / mine_s:.2f}x faster")
    print(f"max |difference| of P, R, F1 over {len(cands)} summaries: {diff:.2e}")
    ceiling(setup, cands, refs, theirs_s, parts)
    if args.kernels:
        kernels(setup, cands, refs)


def kernels(setup, cands: list[str], refs: list[list[str]]) -> None:
    """sumbench's encoder pass over every distinct text with torch's own linears and
    with oneDNN's prepacked ones, alternating twice: times, ratio, largest difference."""
    import torch

    from sumbench.metrics.cpu_kernels import PACKED, PLAIN

    texts = sorted(set(cands) | {r for group in refs for r in group})
    encoders = {PLAIN: Encoder(setup.encoder.path, setup.layer, packed=False),
                PACKED: Encoder(setup.encoder.path, setup.layer)}
    ids = [encoders[PLAIN].token_ids(t)[0] for t in texts]
    times: dict[str, list[float]] = {name: [] for name in encoders}
    vectors = {}
    for _ in range(2):
        for name, encoder in encoders.items():
            t = time.perf_counter()
            vectors[name] = encoder.embed(ids)
            times[name].append(time.perf_counter() - t)
    diff = max(float((a - b).abs().max()) for a, b in
               zip(vectors[PLAIN], vectors[PACKED], strict=True))
    best = {name: min(ts) for name, ts in times.items()}
    print(f"encoder pass over {len(texts):,} texts, best of 2 alternating: " + ", ".join(
        f"{name} {' / '.join(f'{x:.1f}' for x in ts)} s" for name, ts in times.items())
        + f"; packed {best[PLAIN] / best[PACKED]:.2f}x faster; largest "
        f"difference of a unit vector's coordinate {diff:.1e} (torch {torch.__version__})")


def ceiling(setup, cands: list[str], refs: list[list[str]], theirs_s: float,
            parts: dict) -> None:
    """Print the machine's GEMM rate and the ratio no exact fp32 encoder can beat."""
    import torch

    from sumbench.metrics.bertscore import padded_tokens
    from sumbench.metrics.cpu_kernels import PACKED, PLAIN, packed_linear

    config = json.loads((setup.encoder.path / "config.json").read_text())
    hidden, inner = config["hidden_size"], config["intermediate_size"]
    encoder = Encoder(setup.encoder.path, setup.layer)
    texts = set(cands) | {r for group in refs for r in group}
    length = {t: len(encoder.token_ids(t)[0]) for t in texts}

    def work(batches: list[list[int]]) -> float:  # FLOPs of the encoder on these batches
        flops = 0.0
        for sizes in batches:
            b, longest = len(sizes), max(sizes)
            flops += b * longest * 2 * (4 * hidden**2 + 2 * hidden * inner)  # projections
            flops += 4 * b * longest**2 * hidden  # attention scores and their sum
        return setup.layer * flops

    lengths = list(length.values())
    ours_padded = padded_tokens([[0] * n for n in lengths])
    from sumbench.metrics.encoders import length_batches
    ours_flops = work([[lengths[i] for i in b] for b in length_batches(lengths)])
    unpadded_flops = work([[n] for n in lengths])
    # bert-score 0.3.13: dedup_and_sort(refs + hyps) by word count, batches of 64
    order = sorted(texts, key=lambda x: len(x.split(" ")), reverse=True)
    theirs_batches = [[length[t] for t in order[i:i + 64]] for i in range(0, len(order), 64)]
    theirs_padded = sum(len(b) * max(b) for b in theirs_batches)
    theirs_flops = work(theirs_batches)

    rows = 2048  # one of sumbench's batches
    shapes = [(hidden, hidden)] * 4 + [(hidden, inner), (inner, hidden)]
    inputs = {k: torch.randn(rows, k) for k in {hidden, inner}}
    layers = [torch.nn.Linear(k, n) for k, n in shapes]
    by_kernel = {PLAIN: layers}
    packed = [packed_linear(x) for x in layers]
    if all(p is not None for p in packed):  # else this torch cannot pack them: not timed
        by_kernel[PACKED] = packed
    rates = {}
    with torch.inference_mode():
        for name, kernel in by_kernel.items():
            best = float("inf")
            for _ in range(7):
                t = time.perf_counter()
                for (k, _n), layer in zip(shapes, kernel, strict=True):
                    layer(inputs[k])
                best = min(best, time.perf_counter() - t)
            rates[name] = sum(2 * rows * k * n for k, n in shapes) / best
    rate = max(rates.values())  # the fastest kernel this torch has
    print("fp32 matrix products on the encoder's shapes: " + ", ".join(
        f"{name} {r / 1e9:.1f}" for name, r in rates.items()) + " GFLOP/s "
        f"(torch {torch.__version__}, {torch.get_num_threads()} threads, best of 7)")
    floor_s = unpadded_flops / rate
    print(f"encoder work: sumbench {ours_flops / 1e12:.2f} TFLOP ({ours_padded:,} padded "
          f"tokens), bert-score {theirs_flops / 1e12:.2f} TFLOP ({theirs_padded:,}), "
          f"no padding {unpadded_flops / 1e12:.2f} TFLOP ({sum(lengths):,})")
    print(f"sumbench's encoder pass: {parts['encode_s']:.1f} s = "
          f"{ours_flops / parts['encode_s'] / 1e9:.1f} GFLOP/s, "
          f"{ours_flops / parts['encode_s'] / rate:.0%} of the faster rate, on {parts['kernel']}")
    print(f"fastest exact fp32 encoder pass here (no padding, at that rate): {floor_s:.1f} s; "
          f"bert_score.score's {theirs_s:.1f} s over it: at most {theirs_s / floor_s:.2f}x "
          "for any implementation with bert-score's numbers on this machine")

if __name__ == "__main__":
    main()
