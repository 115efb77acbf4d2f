"""Scoring speed on SummEval: a plain rouge-score loop vs sumbench's checked fast path,
and vs the whole command in a fresh process.

    python bench/scoring.py [--docs 100] [--repeats 5]

SummEval: 100 articles x 16 systems = 1,600 summaries x 11 references, ROUGE-1/2/L/Lsum,
stemmed, score_multi. Both sides get the same sentence-split texts; the script asserts
identical scores on every pair and prints the ratio measured in this run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from rouge_score import rouge_scorer

from sumbench.records import Score
from sumbench.scoring import ROUGE_TYPES, RougeSpec, score_batch
from sumbench.text import sentence_lines

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "summeval.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5,
                        help="runs of the whole command (this machine is noisy: median)")
    args = parser.parse_args()
    rows = [json.loads(line) for line in DATA.read_text().splitlines()][: args.docs]
    refs = [[sentence_lines(r) for r in row["references"]] for row in rows
            for _ in row["systems"]]
    preds = [sentence_lines(s["summary"]) for row in rows for s in row["systems"].values()]
    pairs = sum(len(r) for r in refs)
    print(f"{len(preds)} summaries x {len(refs[0])} references = {pairs} pairs")

    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    start = time.perf_counter()
    slow = [scorer.score_multi(r, p) for r, p in zip(refs, preds, strict=True)]
    slow_s = time.perf_counter() - start
    print(f"rouge-score loop          {slow_s:8.2f} s  {pairs / slow_s:10.0f} pairs/s")

    start = time.perf_counter()
    fast = score_batch(references=refs, predictions=preds, spec=RougeSpec())
    fast_s = time.perf_counter() - start
    print(f"sumbench score_batch      {fast_s:8.2f} s  {pairs / fast_s:10.0f} pairs/s  "
          f"(includes the 64-pair rouge-score check)")
    for f, s in zip(fast, slow, strict=True):
        assert f == {t: Score(*s[t]) for t in ROUGE_TYPES}
    print(f"identical on all {len(preds)} summaries; speed-up {slow_s / fast_s:.1f}x")
    runs = [whole_command(rows) for _ in range(args.repeats)]
    for whole_s, timings in runs:
        print(f"whole command {whole_s:6.2f} s (scoring {timings['scoring_s']} s, diagnostics "
              f"{timings['diagnostics_s']} s, helper processes {timings['scoring_helpers']})")
    whole_s = statistics.median(s for s, _ in runs)
    print(f"whole command (fresh process: start-up, reading, sentence splitting, ROUGE, "
          f"diagnostics, bootstrap, writing), median of {len(runs)}: {whole_s:.2f} s = "
          f"{slow_s / whole_s:.1f}x the loop on pre-split text")


def whole_command(rows: list[dict]) -> tuple[float, dict]:
    """`sumbench run --summarizer predictions` on the same summaries, timed from outside."""
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        suite, preds = Path(tmp) / "suite.jsonl", Path(tmp) / "preds.jsonl"
        with suite.open("w") as s_fh, preds.open("w") as p_fh:
            for row in rows:
                for name, system in row["systems"].items():
                    doc = f"{row['id']}-{name}"
                    s_fh.write(json.dumps({"id": doc, "article": row["article"],
                                           "references": row["references"]}) + "\n")
                    p_fh.write(json.dumps({"id": doc, "prediction": system["summary"]}) + "\n")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sumbench", "run", "--summarizer", "predictions",
                        "--predictions", str(preds), "--data", str(suite), "--out",
                        str(Path(tmp) / "run"), "--quiet"], check=True)
        elapsed = time.perf_counter() - start
        timings = json.loads((Path(tmp) / "run" / "results.json").read_text())["timings"]
    return elapsed, timings


if __name__ == "__main__":
    main()
