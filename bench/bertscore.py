"""BERTScore on SummEval: sumbench's metric against ``bert_score.score`` (0.3.13), same
encoder folder, same layer, same process, one after the other: both times, the ratio,
and the largest difference of any P, R or F1.

Every summary of a document is scored against the document's 11 references (1,600 x 11
pairs on the whole file). Imports are done before either clock starts; each side's time
includes loading its model. bert-score runs with its defaults (batch 64) on the CPU.

    python bench/bertscore.py [--limit N] [--idf] [--layer L] [--first ours|bert-score]
                              [--repeats N]
"""

from __future__ import annotations

import argparse
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
    parser.add_argument("--repeats", type=int, default=1,
                        help="pairs of runs, alternating which goes first; medians reported")
    args = parser.parse_args()

    import json

    import bert_score
    import torch
    from transformers import AutoModel, AutoTokenizer  # noqa: F401  (imported before timing)

    rows = [json.loads(line) for line in args.data.read_text().splitlines() if line]
    rows = rows[:args.limit] if args.limit else rows
    cands = [r["systems"][s]["summary"] for r in rows for s in sorted(r["systems"])]
    refs = [r["references"] for r in rows for _ in r["systems"]]
    metric = BertScore(BertScoreOptions(bertscore_layer=args.layer, bertscore_idf=args.idf))
    setup = metric.setup()
    Encoder(setup.encoder.path, setup.layer)  # warm: transformers' lazy modules imported
    print(f"{len(rows)} documents, {len(cands)} summaries x {len(refs[0])} references; "
          f"encoder {setup.encoder.path}, layer {setup.layer}, idf {args.idf}; "
          f"torch threads {torch.get_num_threads()}")

    def run_ours() -> tuple[float, list[list[float]]]:
        fresh = BertScore(metric.settings)
        t = time.perf_counter()
        out = fresh.score(predictions=cands, references=refs, articles=[""] * len(cands))
        elapsed = time.perf_counter() - t
        print(f"sumbench parts: {fresh.timings()}")
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

if __name__ == "__main__":
    main()
