"""The served-model client's speed, measured side by side in one run.

1. Client overhead: requests/s of ``APISummarizer`` against an instant stub server
   (tests/openai_stub.py, in its own process so it does not share our interpreter lock)
   at concurrency 1, 8 and 64. Target: >= 500 requests/s at 64 on 2 cores, so the client
   never limits a cluster. Each figure is next to a bare ``http.client`` loop at
   concurrency 1 on the same server: the server's own cost, which caps any client.
2. docs/min of the default model behind ``transformers serve`` on CPU at concurrency 1
   and 8, next to the in-process ``hf`` path on the same documents and settings, with a
   check that the outputs are identical (--serve-docs 0 skips this part).

    python bench/api.py [--requests 3000] [--serve-docs 8]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
CNNDM = ROOT.parent / "shared" / "data" / "cnndm-dev.jsonl"
sys.path.insert(0, str(ROOT))

from sumbench.records import Example  # noqa: E402
from sumbench.summarizers.served import APISettings, APISummarizer  # noqa: E402


def start_stub() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, str(ROOT / "tests" / "openai_stub.py")],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                               cwd=ROOT)
    assert process.stdout is not None
    return process, process.stdout.readline().strip()  # it prints its URL once listening


def bare_loop(url: str, n: int) -> float:
    """requests/s of one keep-alive http.client connection: the server's own ceiling."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    body = json.dumps({"model": "stub-model", "messages": [
        {"role": "user", "content": "Write a short summary:\n\nA short article."}]}).encode()
    start = time.perf_counter()
    for _ in range(n):
        conn.request("POST", parts.path + "/chat/completions", body,
                     {"Content-Type": "application/json"})
        conn.getresponse().read()
    conn.close()
    return n / (time.perf_counter() - start)


def client_rate(url: str, n: int, concurrency: int) -> tuple[float, int]:
    examples = [Example(f"d{i}", f"Article number {i}. It is short.", ("ref",))
                for i in range(n)]
    summarizer = APISummarizer(APISettings(model="stub-model", base_url=(url,),
                                           concurrency=concurrency, timeout=30))
    summarizer.check_ready()
    start = time.perf_counter()
    out = summarizer.summarize(examples)
    elapsed = time.perf_counter() - start
    assert all(g.error is None for g in out), [g.error for g in out if g.error][:3]
    return n / elapsed, summarizer.timings()["requests"]["max_in_flight"]


def overhead(n: int) -> None:
    process, url = start_stub()
    try:
        print(f"stub server: {url} (its own process)")
        bare = bare_loop(url, min(n, 2000))
        print(f"bare http.client loop, 1 connection: {bare:8.0f} requests/s  (server ceiling "
              "for one connection)")
        for concurrency in (1, 8, 64):
            rate, peak = client_rate(url, n, concurrency)
            print(f"sumbench api client, concurrency {concurrency:>2}: {rate:8.0f} requests/s"
                  f"  ({rate / bare:.2f}x the bare loop; max in flight {peak})")
    finally:
        process.stdin.close()  # type: ignore[union-attr]
        process.wait(timeout=30)


def serve_vs_in_process(n_docs: int) -> None:
    from sumbench.models import resolve_model
    from sumbench.suites.jsonl import load_jsonl
    from sumbench.summarizers.hf import GenerationSettings, HFSummarizer

    examples = load_jsonl(CNNDM)[:n_docs]
    model = resolve_model(None)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    exe = Path(sys.executable).with_name("transformers")
    server = subprocess.Popen([str(exe), "serve", str(model.path), "--host", "127.0.0.1",
                               "--port", "0", "--device", "cpu", "--log-level", "info"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env=env)
    url = None
    assert server.stdout is not None
    for line in server.stdout:  # bounded: the server prints this line once, or exits
        match = re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", line)
        if match:
            url = match.group(1) + "/v1"
            break
    assert url, "transformers serve did not start"
    try:
        outputs = {}
        for concurrency in (1, 8):
            summarizer = APISummarizer(APISettings(model=str(model.path), base_url=(url,),
                                                   concurrency=concurrency, timeout=600))
            summarizer.check_ready()
            start = time.perf_counter()
            generations = summarizer.summarize(examples)
            rate = 60 * len(examples) / (time.perf_counter() - start)
            outputs[concurrency] = [g.raw_prediction for g in generations]
            print(f"transformers serve, concurrency {concurrency}: {rate:6.2f} docs/min")
        local = HFSummarizer(model, GenerationSettings())
        local.load()
        start = time.perf_counter()
        generations = local.summarize(examples)
        rate = 60 * len(examples) / (time.perf_counter() - start)
        print(f"in-process hf, batch {local.batch_size}:     {rate:6.2f} docs/min")
        hf_out = [g.raw_prediction for g in generations]
        for concurrency, texts in outputs.items():
            same = sum(a == b for a, b in zip(texts, hf_out, strict=True))
            print(f"identical to in-process at concurrency {concurrency}: "
                  f"{same}/{len(hf_out)}")
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--serve-docs", type=int, default=8)
    args = parser.parse_args()
    overhead(args.requests)
    if args.serve_docs:
        serve_vs_in_process(args.serve_docs)


if __name__ == "__main__":
    main()
