"""`sumbench history` over many runs: 100 runs of 1,000 documents, built synthetically.

    python bench/history.py [--runs 100] [--documents 1000]

Writes valid run folders (runio.write_run) in a temporary folder: one suite, per-document
ROUGE scores that drift a little from run to run, and two planted shifts (a drop at run
30, a recovery at run 70). Times `sumbench history` end to end (a fresh process, best of
3) and its parts in this process, and compares the batched paired tests with scipy's
`permutation_test` one test at a time (timed on a few, scaled to all).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sumbench import defaults
from sumbench.records import DocumentResult, Generation, RunResult, Score
from sumbench.runio import read_run, write_run
from sumbench.scoring import RougeSpec
from sumbench.signature import Signature
from sumbench.spec import RunSpec
from sumbench.stats import mean_intervals

TYPES = defaults.ROUGE_TYPES
SHIFTS = {30: -0.03, 70: +0.03}  # run index: planted change of every document's score


def build(root: Path, n_runs: int, n_docs: int) -> list[Path]:
    rng = np.random.default_rng(0)
    ids = [f"doc-{i:05d}" for i in range(n_docs)]
    refs = [(f"Reference summary of document {i}.",) for i in range(n_docs)]
    digest = hashlib.sha256("".join(ids).encode()).hexdigest()
    signature = str(Signature(sumbench="0.1.0", rouge="rouge-score-0.1.2", types=",".join(TYPES),
                              stem="porter", tok="default", split="pysbd-0.3", multiref="max",
                              agg="mean+boot95%-2000-seed0", refs=digest[:12], diag="diag-v1"))
    quality = rng.beta(4, 6, size=(n_docs, len(TYPES)))
    level, paths = 0.0, []
    for r in range(n_runs):
        level += SHIFTS.get(r, 0.0)
        # each run rewrites about a tenth of the summaries: their scores move a little
        changed = rng.random(n_docs) < 0.1
        quality[changed] += rng.normal(0, 0.03, size=(int(changed.sum()), len(TYPES)))
        f1 = np.clip(quality + level, 0, 1)
        docs = tuple(DocumentResult(
            ids[i], Generation(ids[i], f"summary {r}-{i}"), refs[i],
            {t: Score(float(f1[i, k]), float(f1[i, k]), float(f1[i, k]))
             for k, t in enumerate(TYPES)}, f"summary {r}-{i}") for i in range(n_docs))
        intervals = mean_intervals({t: f1[:, k] for k, t in enumerate(TYPES)})
        spec = RunSpec(rouge=RougeSpec().as_dict(), data="synthetic", references_sha256=digest,
                       summarizer={"summarizer": "synthetic"}, label=f"nightly-{r:03d}")
        result = RunResult(spec=spec, versions={"sumbench": "0.1.0"}, documents=docs,
                           scores={t: {s: intervals[t] for s in defaults.STATISTICS}
                                   for t in TYPES},
                           timings={"created_at": f"2026-01-01T00:{r // 60:02d}:{r % 60:02d}"
                                                  "+00:00"},
                           signature=signature)
        paths.append(root / f"run-{r:03d}")
        write_run(paths[-1], result)
    return paths


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--documents", type=int, default=1000)
    args = parser.parse_args()
    from sumbench import history
    from sumbench.compare import compare_pairs
    from sumbench.reports import write_history

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        paths = build(root / "runs", args.runs, args.documents)
        print(f"built {args.runs} runs of {args.documents} documents in "
              f"{time.perf_counter() - t0:.1f} s")

        cli, cpu = [], []
        for _ in range(3):
            t0, c0 = time.perf_counter(), _children_cpu()
            subprocess.run([sys.executable, "-m", "sumbench", "history", str(root / "runs/*"),
                            "--out", str(root / "history")], check=True, capture_output=True)
            cli.append(time.perf_counter() - t0)
            cpu.append(_children_cpu() - c0)
        print(f"sumbench history (CLI, fresh process, best of 3): {min(cli):.2f} s wall, "
              f"{min(cpu):.2f} s CPU (wall: {', '.join(f'{t:.2f}' for t in cli)}; load "
              f"average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")

        t0 = time.perf_counter()
        runs = [(str(p), read_run(p)) for p in paths]
        t1 = time.perf_counter()
        h = history.history(runs)
        t2 = time.perf_counter()
        write_history(root / "h2", h, ["json", "md", "html"])
        t3 = time.perf_counter()
        n_tests = sum(len(c.metrics) for c in h.comparisons)
        print(f"  read {len(runs)} runs {t1 - t0:.2f} s; series and {n_tests} paired tests "
              f"{t2 - t1:.2f} s; json+md+html {t3 - t2:.2f} s")
        planted = {(str(paths[r]), "regression" if shift < 0 else "improvement")
                   for r, shift in SHIFTS.items()}
        found = {(c.to_path, c.verdict) for c in h.changes}
        print(f"  planted shifts found: {len(planted & found)} of {len(planted)}; "
              f"{len(h.changes)} significant changes in {len({p for p, _ in found})} of "
              f"{len(h.comparisons)} pairs (the other runs drift at random: alpha's share)")

        # the same tests one at a time, as compare did before stats.paired_tests
        from scipy import stats

        few = 8
        pairs = [(runs[i][1], runs[i + 1][1]) for i in range(few)]
        t0 = time.perf_counter()
        for base, new in pairs:
            a = np.array([d.scores["rouge1"].fmeasure for d in base.documents])
            b = np.array([d.scores["rouge1"].fmeasure for d in new.documents])
            stats.permutation_test((b, a), lambda x, y, axis=-1: np.mean(x - y, axis=axis),
                                   permutation_type="samples", vectorized=True,
                                   n_resamples=defaults.N_PERMUTATIONS,
                                   alternative="two-sided", rng=np.random.default_rng(0))
            stats.bootstrap((b - a,), np.mean, n_resamples=defaults.N_RESAMPLES,
                            method="percentile", vectorized=True, rng=np.random.default_rng(0))
        one = (time.perf_counter() - t0) / few
        t0 = time.perf_counter()
        compare_pairs([(b, n, "b", "n") for b, n in pairs], metrics="rouge1", top=0)
        batched = (time.perf_counter() - t0) / few
        print(f"  one paired test with scipy: {one * 1000:.0f} ms; {n_tests} such tests: "
              f"~{one * n_tests:.0f} s. Batched (compare_pairs, {few} tests): "
              f"{batched * 1000:.0f} ms per test ({one / batched:.1f}x)")


if __name__ == "__main__":
    main()
