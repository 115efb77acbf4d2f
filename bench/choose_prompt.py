"""Compare candidate prompts for the default model on cnndm-dev.jsonl, side by side.

    python bench/choose_prompt.py --limit 30 [--only B,E]

Prints ROUGE F1 (mean and 95% interval) per prompt, and each prompt's summary of the
bundled seed article (a sanity check: a title alone is a failure). The winner is PROMPT in
eval/sumbench/defaults.py; the table from the last run is in bench/README.md.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sumbench.models import resolve_model
from sumbench.run import evaluate_suite
from sumbench.scoring import RougeSpec
from sumbench.suites.folder import load_folder_suite
from sumbench.suites.jsonl import load_jsonl
from sumbench.summarizers.hf import GenerationSettings, HFSummarizer

CANDIDATES = {
    "A three sentences": "Summarize the following news article in three sentences.\n\n{article}",
    "B after article": "{article}\n\nSummarize the article above in three short sentences.",
    "C short summary": "Write a short summary of this article:\n\n{article}",
    "D key points": "Summarize the key points of the following article in 2-3 sentences, "
                    "without a title:\n\n{article}",
    "E three-sentence": "{article}\n\nWrite a three-sentence summary of the article above.",
    "F not a headline": "{article}\n\nSummarize the article above in three short sentences. "
                        "Write full sentences, not a headline.",
    "G labelled": "Article:\n{article}\n\nSummarize this article in three sentences.",
}
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cnndm-dev.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--max-new-tokens", type=int, default=96)
    parser.add_argument("--only", default="", help="comma-separated candidate letters")
    args = parser.parse_args()
    examples = load_jsonl(DATA)[: args.limit]
    model = resolve_model(None)
    print(f"{len(examples)} documents of {DATA.name}, greedy, {args.max_new_tokens} new tokens")
    print(f"{'prompt':<20} {'R1':>22} {'R2':>22} {'RL':>22} {'RLsum':>22} {'s':>6}")
    seed = load_folder_suite(Path(__file__).resolve().parents[1] / "references")
    for name, prompt in CANDIDATES.items():
        if args.only and name[0] not in args.only.split(","):
            continue
        settings = GenerationSettings(prompt=prompt, max_new_tokens=args.max_new_tokens)
        start = time.perf_counter()
        result = evaluate_suite(examples, HFSummarizer(model, settings), RougeSpec())
        cells = [f"{iv.mean:.4f} [{iv.low:.3f},{iv.high:.3f}]"
                 for iv in (result.scores[t]["fmeasure"] for t in result.scores)]
        print(f"{name:<20} " + " ".join(f"{c:>22}" for c in cells)
              + f" {time.perf_counter() - start:6.0f}", flush=True)
        [on_seed] = HFSummarizer(model, settings).summarize(seed)
        print(f"{'':<20} seed article -> {on_seed.prediction[:150]!r}", flush=True)


if __name__ == "__main__":
    main()
