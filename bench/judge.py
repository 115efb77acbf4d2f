"""The LLM judge's throughput (metrics/judge.py), in calls per second, printed.

1. Served, client overhead: the judge against an instant scripted server
   (tests/openai_stub.py, in its own process) replying with top logprobs, at the
   default concurrency (8): what the judge's client adds per call.
2. Served, a real model: the default model behind ``transformers serve`` on CPU at the
   default concurrency (the text path: that server sends no logprobs); --serve-calls 0
   skips it.
3. In process: the default model on the 16 summaries of SummEval's first article(s)
   (one criterion), one forward pass per call, prompts sharing the rubric and article
   batched with the prefix run once. No cache is read or written.

    python bench/judge.py [--stub-calls 2000] [--serve-calls 8] [--articles 1]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUMMEVAL = ROOT.parent / "shared" / "data" / "summeval.jsonl"
sys.path.insert(0, str(ROOT))

from sumbench import defaults  # noqa: E402
from sumbench.metrics.judge import Judge, JudgeOptions  # noqa: E402

REPLY = {"content": "4", "top": [[" 4", math.log(0.5)], ["4", math.log(0.2)],
                                 ["3", math.log(0.2)], ["The", math.log(0.1)]]}


def summeval(articles: int) -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in SUMMEVAL.read_text().splitlines()[:articles]]
    summaries = [r["systems"][s]["summary"] for r in rows for s in sorted(r["systems"])]
    texts = [r["article"] for r in rows for _ in r["systems"]]
    return summaries, texts


def judge_rate(options: JudgeOptions, summaries: list[str], articles: list[str]
               ) -> tuple[float, Judge]:
    judge = Judge(options, cache_file=None)
    backend = judge.backend()
    if hasattr(backend, "load"):
        backend.load()  # loading the model is not part of the rate
    start = time.perf_counter()
    rows = judge.score(predictions=summaries, references=[["r"]] * len(summaries),
                       articles=articles)
    elapsed = time.perf_counter() - start
    assert len(rows) == len(summaries)
    return len(summaries) / elapsed, judge


def served_stub(n: int) -> None:
    scripts = json.dumps({"lp": [json.dumps(REPLY)]})
    process = subprocess.Popen([sys.executable, str(ROOT / "tests" / "openai_stub.py"),
                                scripts], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True, cwd=ROOT)
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    try:
        summaries = [f"[[lp]] Summary number {i}." for i in range(n)]
        rate, judge = judge_rate(JudgeOptions(judge_criteria="fluency",
                                              judge_model="stub-model",
                                              judge_base_url=(url,)),
                                 summaries, ["An article."] * n)
        failed = judge.counts()["failed"]
        print(f"served, scripted server: {rate:8.1f} calls/s at concurrency "
              f"{defaults.API_CONCURRENCY} ({n} calls, {failed} failed)")
    finally:
        process.communicate("", timeout=30)


def served_real(n: int) -> None:
    from sumbench.models import resolve_model

    path = str(resolve_model(None).path)
    exe = Path(sys.executable).with_name("transformers")
    process = subprocess.Popen([str(exe), "serve", path, "--host", "127.0.0.1", "--port",
                                "0", "--device", "cpu"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    try:
        url = None
        for line in process.stdout:
            match = re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", line)
            if match:
                url = match.group(1) + "/v1"
                break
        assert url, "transformers serve did not start"
        summaries, articles = summeval(math.ceil(n / 16))
        rate, judge = judge_rate(JudgeOptions(judge_criteria="consistency",
                                              judge_model=path, judge_base_url=(url,),
                                              judge_timeout=900),
                                 summaries[:n], articles[:n])
        print(f"served, transformers serve (CPU): {rate:8.3f} calls/s at concurrency "
              f"{defaults.API_CONCURRENCY} ({n} calls; {judge.counts()})")
    finally:
        process.terminate()
        process.wait(timeout=30)


def in_process(articles: int) -> None:
    summaries, texts = summeval(articles)
    rate, judge = judge_rate(JudgeOptions(judge_criteria="consistency"), summaries, texts)
    t = judge.timings()
    print(f"in process (CPU, default model): {rate:8.3f} calls/s ({t['calls']} calls, "
          f"{t['prompt_tokens'] / t['calls']:.0f} prompt tokens each, batch "
          f"{t['batch_size']}, model load {t['load_s']} s not counted)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stub-calls", type=int, default=2000)
    parser.add_argument("--serve-calls", type=int, default=8)
    parser.add_argument("--articles", type=int, default=1)
    args = parser.parse_args()
    served_stub(args.stub_calls)
    if args.serve_calls:
        served_real(args.serve_calls)
    if args.articles:
        in_process(args.articles)


if __name__ == "__main__":
    main()
