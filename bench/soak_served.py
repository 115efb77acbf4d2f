"""Soak of the served-model client against every fault at once (issue #27), outside the
test suite: many runs in a row, the CPU loaded, until one fails or the runs are done.

Each run: CNN/DM documents behind the fault stub (tests/openai_stub.py, in its own
process), with the response cache in front, as `sumbench run --summarizer api` has it.
Five documents get one scripted fault each (429 with Retry-After, 503 on the first two
attempts, the connection dropped without a reply, a reply later than the timeout, 500
on every attempt); the others get a fault chosen by a hash of their text, among them
``close_after`` (the server closes the kept-alive connection after a good reply, so the
worker's next request finds it closed). A run passes when exactly the 500 document
failed and, against a healed server with the same cache, the rerun sends exactly that
document. Concurrency and timeout cycle through the given lists; the late reply comes
at 1.5x the timeout.

    python bench/soak_served.py [--runs 300] [--minutes 20] [--load 2]

Prints one line per failed run (its failed documents, their per-attempt log) and, at
the end, pass/fail counts, wall time and the server request counts seen.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CNNDM = ROOT.parent / "shared" / "data" / "cnndm-dev.jsonl"
sys.path.insert(0, str(ROOT))

from sumbench import connection  # noqa: E402
from sumbench.cache import ResponseCache  # noqa: E402
from sumbench.records import Example  # noqa: E402
from sumbench.summarizers import served  # noqa: E402
from sumbench.summarizers.cached import CachedSummarizer  # noqa: E402

RUN_LIMIT_S = 120  # one run (both passes) may take no longer; the soak stops if it does


def scripts_for(examples: list[Example], timeout: float) -> tuple[dict[str, list[str]],
                                                                   dict[str, int]]:
    """marker -> script, and marker -> the server requests it should take (500: all)."""
    late = f"late:{timeout * 1.5:g}"
    kinds = {"retry-after": (["429:1", "ok"], 2), "unavailable-twice": (["503", "503", "ok"], 3),
             "dropped": (["drop", "ok"], 2), "late": ([late, "ok"], 2),
             "broken": (["500"], None), "closes-after": (["close_after", "ok"], 1)}
    hashed = ["retry-after", "unavailable-twice", "dropped", "late", "closes-after",
              "closes-after", None, None, None]  # None: no fault
    scripts, expected = {}, {}
    for i, ex in enumerate(examples):
        marker = f"d{i}"
        kind = list(kinds)[i] if i < 5 else \
            hashed[int(hashlib.sha256(ex.article.encode()).hexdigest(), 16) % len(hashed)]
        if kind is not None:
            scripts[marker], expected[marker] = kinds[kind]
        else:
            expected[marker] = 1
    return scripts, expected


def start_server(scripts: dict[str, list[str]]) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, str(ROOT / "tests" / "openai_stub.py"),
                                json.dumps(scripts)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               cwd=ROOT)  # its tracebacks: late replies to closed sockets
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def stop_server(process: subprocess.Popen) -> Counter:
    """Close its stdin; it prints the requests per marker and exits."""
    out, _ = process.communicate(input="", timeout=30)
    return Counter(json.loads(out.strip().splitlines()[-1]))


def one_pass(examples: list[Example], scripts: dict[str, list[str]], cache_path: Path,
             concurrency: int, timeout: float, max_retries: int
             ) -> tuple[list, Counter, dict]:
    process, url = start_server(scripts)
    try:
        inner = served.APISummarizer(served.APISettings(
            model="stub-model", base_url=(url,), concurrency=concurrency, timeout=timeout,
            max_retries=max_retries))
        cache = ResponseCache(cache_path)
        try:
            generations = CachedSummarizer(inner, cache).summarize(examples)
        finally:
            cache.close()
    finally:
        seen = stop_server(process)
    return generations, seen, inner.timings()["requests"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--minutes", type=float, default=20.0, help="stop after this long")
    parser.add_argument("--docs", type=int, default=24)
    parser.add_argument("--load", type=int, default=2, help="busy-loop processes")
    parser.add_argument("--concurrency", default="1,2,4,8")
    parser.add_argument("--timeouts", default="0.5,1,2")
    parser.add_argument("--max-retries", type=int, default=4)
    parser.add_argument("--backoff-base", type=float, default=0.05,
                        help="seconds; the client's is 0.5 (smaller: more runs per minute)")
    parser.add_argument("--stop-on-failure", action="store_true")
    args = parser.parse_args()
    connection.BACKOFF_BASE_S = args.backoff_base
    rows = [json.loads(line) for line in CNNDM.read_text().splitlines()][:args.docs]
    examples = [Example(r["id"], f"[[d{i}]] {r['article']}", tuple(r["references"]))
                for i, r in enumerate(rows)]
    settings = itertools.cycle([(c, t) for c in map(int, args.concurrency.split(","))
                                for t in map(float, args.timeouts.split(","))])
    load = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(args.load)]
    passed = failed = 0
    totals: Counter = Counter()
    errors: Counter = Counter()  # the client's failed attempts by class, all runs
    started = time.monotonic()
    try:
        for run in range(1, args.runs + 1):
            if time.monotonic() - started > args.minutes * 60:
                break
            concurrency, timeout = next(settings)
            scripts, expected = scripts_for(examples, timeout)
            broken = {ex.id for i, ex in enumerate(examples) if i == 4}
            t0 = time.monotonic()
            with tempfile.TemporaryDirectory() as tmp:
                cache = Path(tmp) / "cache.sqlite"
                first, seen, stats = one_pass(examples, scripts, cache, concurrency, timeout,
                                              args.max_retries)
                again, healed_seen, _ = one_pass(examples, {}, cache, concurrency, timeout,
                                                 args.max_retries)
            totals[sum(seen.values())] += 1
            errors.update(stats["errors_by_class"])
            errors["stale_connections"] += stats.get("stale_connections", 0)
            failures = {g.id for g in first if g.error is not None}
            ok = failures == broken and sum(healed_seen.values()) == 1 \
                and set(healed_seen) == {"d4"} and all(g.error is None for g in again)
            if ok:
                passed += 1
            else:
                failed += 1
                short = {m: (seen[m], n) for m, n in expected.items()
                         if n is not None and seen[m] != n}
                print(f"run {run} FAILED (concurrency {concurrency}, timeout {timeout:g}): "
                      f"failed {sorted(failures)}, rerun sent {dict(healed_seen)}, "
                      f"requests {sum(seen.values())}, per marker (seen, expected) {short}, "
                      f"errors {stats['errors_by_class']}", flush=True)
                for g in first:
                    if g.error is not None and g.id not in broken:
                        print(f"  {g.id}: {g.error}\n  {json.dumps(g.request)}", flush=True)
                if args.stop_on_failure:
                    break
            if time.monotonic() - t0 > RUN_LIMIT_S:
                print(f"run {run} took over {RUN_LIMIT_S} s; stopping", flush=True)
                break
    finally:
        for process in load:
            process.kill()
            process.wait(timeout=10)
    wall = time.monotonic() - started
    print(f"soak: {passed + failed} runs, {passed} passed, {failed} failed, load "
          f"{args.load} busy loops, {wall:.0f} s wall; first-pass server requests per run: "
          f"{dict(sorted(totals.items()))}; client errors by class (and stale connections): "
          f"{dict(sorted(errors.items()))}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
