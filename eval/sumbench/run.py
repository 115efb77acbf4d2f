"""Orchestration only: examples -> generations -> scores -> RunResult.

Generation goes in chunks (longest articles first, so memory problems show early and
batches pad little); with a response cache every chunk is saved as it finishes.
"""

from __future__ import annotations

import platform
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from sumbench import diagnostics, scoring, stats, workers
from sumbench.metrics import BUILTIN, Metric
from sumbench.metrics.apply import Outcome, metric_spec, score_metric
from sumbench.metrics.diagnostics import Diagnostics
from sumbench.metrics.rouge import Rouge
from sumbench.records import DocumentResult, Example, Generation, RunResult
from sumbench.results import aggregate_diagnostics, references_digest, tally
from sumbench.scoring import RougeSpec
from sumbench.spec import Aggregation, RunSpec
from sumbench.summarizers import Summarizer
from sumbench.version import __version__

ProgressHook = Callable[[int, int], None]  # (documents done, total)
VERSIONED_PACKAGES = ("torch", "transformers", "rouge-score", "rouge-score-rs", "numpy",
                      "scipy", "pysbd", "tokenizers")


def package_versions() -> dict[str, str]:
    """Versions read from package metadata: no heavy import needed."""
    versions = {"python": platform.python_version(), "sumbench": __version__}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    commit = git_commit(Path(__file__).parent)
    if commit:
        versions["sumbench_git_commit"] = commit
    return versions


def git_commit(folder: Path) -> str | None:
    """``git rev-parse HEAD`` in ``folder``; None when it is not in a git checkout, git is
    missing, or git takes over 5 s."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True,
                             text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def generate_all(examples: Sequence[Example], summarizer: Summarizer, *, chunk_size: int,
                 on_progress: ProgressHook | None = None) -> list[Generation]:
    """Run the summarizer chunk by chunk; results come back in input order."""
    order = sorted(range(len(examples)), key=lambda i: -len(examples[i].article))
    done: dict[int, Generation] = {}
    finished = 0

    def each(_generation: Generation) -> None:  # the bar moves as each result is final
        nonlocal finished
        finished += 1
        if on_progress:
            on_progress(min(finished, len(examples)), len(examples))

    for start in range(0, len(order), chunk_size):
        chunk = order[start:start + chunk_size]
        generations = summarizer.summarize([examples[i] for i in chunk], on_each=each)
        if len(generations) != len(chunk):
            raise RuntimeError(f"summarizer {summarizer.name} returned {len(generations)} "
                               f"results for {len(chunk)} documents")
        for i, gen in zip(chunk, generations, strict=True):
            if gen.id != examples[i].id:
                raise RuntimeError(f"summarizer {summarizer.name} returned id {gen.id!r} "
                                   f"where {examples[i].id!r} was expected")
            done[i] = gen
        finished = len(done)
        if on_progress:
            on_progress(len(done), len(examples))
    return [done[i] for i in range(len(examples))]


def run_spec(examples: Sequence[Example], summarizer: Summarizer, rouge: RougeSpec,
             metrics: Sequence[Metric], *, seed: int, data_source: str,
             extra_spec: Mapping[str, Any] | None) -> RunSpec:
    """What decides a run's results: the suite, the summarizer, every metric's settings
    and columns, the aggregation, and the evaluated project's git commit (``extra_spec``:
    the run's own fields of RunSpec, e.g. ``limit``, ``command``, ``label``, ``shard``)."""
    extra = dict(extra_spec or {})
    if "command" in extra:
        extra["command"] = tuple(extra["command"])
    return RunSpec(
        data=data_source, references_sha256=references_digest(examples),
        summarizer=summarizer.describe(), rouge=rouge.as_dict(),
        diagnostics=(diagnostics.spec() if any(m.name == "diagnostics" for m in metrics)
                     else None),
        metrics={m.name: metric_spec(m) for m in metrics},
        aggregation=Aggregation(stats.N_RESAMPLES, seed, stats.CONFIDENCE),
        git_commit=git_commit(Path.cwd()),  # the checkout sumbench runs in, if it is one
        **extra)


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def evaluate_suite(examples: Sequence[Example], summarizer: Summarizer, rouge: RougeSpec, *,
                   seed: int = 0, chunk_size: int | None = None,
                   engine: scoring.Engine = "auto", data_source: str = "",
                   on_progress: ProgressHook | None = None,
                   extra_spec: dict[str, Any] | None = None,
                   metrics: Sequence[Metric] | None = None) -> RunResult:
    """The whole job for one suite and one summarizer.

    ``metrics`` are the run's metric families (metrics/; None: ROUGE and diagnostics).
    ROUGE (``rouge``) and the diagnostics are scored on this module's tuned path; every
    other metric through its own ``score``, its columns stored beside ROUGE's."""
    chosen = list(metrics) if metrics is not None else [Rouge(rouge), Diagnostics()]
    diagnose = any(m.name == "diagnostics" for m in chosen)
    others = [m for m in chosen if m.name not in BUILTIN]
    started = utc_now()
    t0 = time.perf_counter()
    workers.requested()  # a bad SUMBENCH_WORKERS fails now, not after generation
    summarizer.plan(len(examples))
    chunk = chunk_size or summarizer.batch_size or max(len(examples), 1)
    generations = generate_all(examples, summarizer, chunk_size=chunk,
                               on_progress=on_progress)
    t1 = time.perf_counter()
    references = [ex.references for ex in examples]
    predictions = [g.prediction for g in generations]
    one_copy: dict[str, str] = {}  # each article once in what goes to a helper process
    articles = [one_copy.setdefault(ex.article, ex.article) for ex in examples]
    finish_reasons = [g.finish_reason for g in generations]
    texts = len({r for refs in references for r in refs}.union(predictions))
    helpers = workers.useful_workers(texts)
    with workers.pool(helpers) as pool:
        # helpers diagnose and split sentences with this process, then cross-check
        # ROUGE while this process aggregates
        diagnosing = (pool.submit(workers.timed, diagnostics.diagnose_all, articles,
                                  predictions, finish_reasons) if pool and diagnose else None)
        per_doc, confirm_scores = scoring.score_batch_then_check(
            references=references, predictions=predictions, spec=rouge, engine=engine,
            seed=seed, pool=pool)
        t_metrics = time.perf_counter()
        outcome = Outcome()
        for metric in others:
            values = score_metric(metric, examples, predictions, articles)
            per_doc = [{**scores, **more} for scores, more in zip(per_doc, values, strict=True)]
            outcome.add(metric)
        metrics_s = time.perf_counter() - t_metrics
        scored = [rouge.lines(g.prediction) for g in generations]
        diagnosed: list[dict[str, Any] | None] = [None] * len(examples)
        diagnostics_s = 0.0
        if diagnose:
            found, diagnostics_s = (diagnosing.result() if diagnosing else workers.timed(
                diagnostics.diagnose_all, articles, predictions, finish_reasons))
            diagnosed = [diag.with_summary_sentences(len(lines.split("\n")) if lines else 0
                                                     ).as_dict()
                         for diag, lines in zip(found, scored, strict=True)]
        t_diag = time.perf_counter()
        documents = tuple(
            DocumentResult(ex.id, gen, ex.references, scores, lines, diag)
            for ex, gen, scores, lines, diag in zip(examples, generations, per_doc, scored,
                                                    diagnosed, strict=True))
        diagnostic_means = aggregate_diagnostics(documents, seed)
        diagnostics_s += time.perf_counter() - t_diag
        derived = tally(documents, rouge, seed)
        confirm_scores()
    with_outcome(derived, outcome)
    t2 = time.perf_counter()

    spec = run_spec(examples, summarizer, rouge, chosen, seed=seed, data_source=data_source,
                    extra_spec=extra_spec)
    generation_s = t1 - t0
    cache_hits = sum(g.cached for g in generations)
    # documents a model generated in this run: not those from the cache, not failures,
    # and none at all for summarizers that only copy text (lead-k, predictions)
    generated = (len(examples) - cache_hits - derived["counts"]["n_failed"]
                 if summarizer.runs_model else 0)
    timings = {
        "started_at": started,
        **summarizer.timings(),
        "generation_s": round(generation_s, 3),
        "scoring_s": round(t2 - t1, 3),  # ROUGE and diagnostics
        "diagnostics_s": round(diagnostics_s, 3),
        **({"metrics_s": round(metrics_s, 3)} if others else {}),
        **({"metrics": outcome.timings} if outcome.timings else {}),
        "scoring_helpers": helpers,  # processes that split sentences, checked, diagnosed
        "total_s": round(t2 - t0, 3),
        "documents_per_minute": round(60 * generated / generation_s, 2)
        if generated and generation_s > 0 else None,
        "cache_hits": cache_hits,
        "created_at": utc_now(),  # when the results were complete (UTC)
    }
    versions = package_versions()
    return RunResult(spec=spec, versions=versions, documents=documents,
                     signature=str(spec.signature(versions)), timings=timings,
                     diagnostics=diagnostic_means, metric_records=outcome.records, **derived)


def with_outcome(derived: dict[str, Any], outcome: Outcome) -> None:
    """Add what the metrics met to ``tally``'s counts and warnings."""
    if outcome.counts:
        derived["counts"]["metrics"] = outcome.counts
    if outcome.failed:
        derived["counts"]["n_metric_failed"] = len(outcome.failed_documents())
        derived["counts"]["metric_failed"] = outcome.failed
        derived["warnings"] = (*derived.get("warnings", ()), *outcome.warnings())
