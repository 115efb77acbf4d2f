"""Orchestration only: examples -> generations -> scores -> RunResult.

Generation goes in chunks (longest articles first, so memory problems show early and
batches pad little); with a response cache every chunk is saved as it finishes.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from sumbench import __version__, diagnostics, scoring, signature, stats, text, workers
from sumbench.records import DocumentResult, Example, Generation, Interval, RunResult
from sumbench.scoring import STATISTICS, RougeSpec
from sumbench.summarizers import Summarizer

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


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def references_digest(examples: Sequence[Example]) -> str:
    """One hash over ids and references: two runs compare only if this matches."""
    digest = hashlib.sha256()
    for ex in examples:
        digest.update(json.dumps([ex.id, list(ex.references)]).encode())
    return digest.hexdigest()


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


def aggregate(documents: Sequence[DocumentResult], spec: RougeSpec, seed: int
              ) -> dict[str, dict[str, Interval]]:
    columns = {(rouge_type, stat): [getattr(d.scores[rouge_type], stat) for d in documents]
               for rouge_type in spec.rouge_types for stat in STATISTICS}
    intervals = stats.mean_intervals(columns, seed=seed)  # type: ignore[arg-type]
    return {rouge_type: {stat: intervals[rouge_type, stat] for stat in STATISTICS}
            for rouge_type in spec.rouge_types}


def evaluate(examples: Sequence[Example], summarizer: Summarizer, rouge: RougeSpec, *,
             seed: int = 0, chunk_size: int | None = None, engine: scoring.Engine = "auto",
             data_source: str = "", on_progress: ProgressHook | None = None,
             extra_spec: dict[str, Any] | None = None) -> RunResult:
    """The whole job for one suite and one summarizer."""
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
                                  predictions, finish_reasons) if pool else None)
        per_doc, confirm_scores = scoring.score_batch_then_check(
            references=references, predictions=predictions, spec=rouge, engine=engine,
            seed=seed, pool=pool)
        diagnosed, diagnostics_s = (diagnosing.result() if diagnosing else workers.timed(
            diagnostics.diagnose_all, articles, predictions, finish_reasons))
        scored = [scoring.sentence_lines(g.prediction) for g in generations]
        diagnosed = [diag.with_summary_sentences(len(lines.split("\n")) if lines else 0)
                     for diag, lines in zip(diagnosed, scored, strict=True)]
        t_diag = time.perf_counter()
        documents = tuple(
            DocumentResult(ex.id, gen, ex.references, scores, lines, diag.as_dict())
            for ex, gen, scores, lines, diag in zip(examples, generations, per_doc, scored,
                                                    diagnosed, strict=True))
        diagnostic_means = aggregate_diagnostics(documents, seed)
        diagnostics_s += time.perf_counter() - t_diag
        derived = tally(documents, rouge, seed)
        confirm_scores()
    t2 = time.perf_counter()

    spec = {
        "data": data_source,
        "document_ids_and_references_sha256": references_digest(examples),
        **summarizer.describe(),
        "rouge": rouge.as_dict(),
        "diagnostics": diagnostics.spec(),
        "aggregation": {"mean": "exact mean over documents",
                        "interval": f"{int(stats.CONFIDENCE * 100)}% percentile bootstrap",
                        "n_resamples": stats.N_RESAMPLES, "seed": seed},
        **(extra_spec or {}),
    }
    # the evaluated project's commit: the git checkout sumbench runs in, if it is one
    project_commit = git_commit(Path.cwd())
    if project_commit:
        spec["git_commit"] = project_commit
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
        "scoring_helpers": helpers,  # processes that split sentences, checked, diagnosed
        "total_s": round(t2 - t0, 3),
        "documents_per_minute": round(60 * generated / generation_s, 2)
        if generated and generation_s > 0 else None,
        "cache_hits": cache_hits,
        "created_at": utc_now(),  # when the results were complete (UTC)
    }
    versions = package_versions()
    return RunResult(spec=spec, versions=versions, documents=documents,
                     signature=str(signature.from_spec(spec, versions)), timings=timings,
                     diagnostics=diagnostic_means, **derived)


def rouge155_block(documents: Sequence[DocumentResult], rouge: RougeSpec
                   ) -> dict[str, Any] | None:
    """In rouge155 mode, the Perl script's own Average and interval (the mean of its
    bootstrap means, its resampling), next to our exact mean and seeded interval."""
    if rouge.implementation != "rouge155":
        return None
    from sumbench import rouge155

    return rouge155.printed_block([d.scores for d in documents], rouge.rouge155_flags)


def aggregate_diagnostics(documents: Sequence[DocumentResult], seed: int
                          ) -> dict[str, Interval]:
    """Each diagnostic's exact mean and bootstrap interval over the documents where it is
    defined (compression of an empty summary is not)."""
    columns = {}
    for name in diagnostics.MEASURES:
        values = [d.diagnostics[name] for d in documents
                  if d.diagnostics is not None and d.diagnostics.get(name) is not None]
        if values:
            columns[name] = values
    return stats.mean_intervals(columns, seed=seed)


SPLIT_NOTES = {
    text.MASKED: "they were split into sentences with those characters masked",
    text.UNSPLIT: "no sentence split kept every character, so each is one sentence",
}


def resplit_documents(documents: Sequence[DocumentResult]) -> dict[str, list[str]]:
    """Ids of the documents whose prediction or a reference needed a lossless fallback
    when split into sentences (``text.split_note``), under each kind of fallback."""
    out: dict[str, list[str]] = {text.MASKED: [], text.UNSPLIT: []}
    for d in documents:
        notes = {text.split_note(t) for t in (d.generation.prediction, *d.references)}
        for note in (text.UNSPLIT, text.MASKED):  # the stronger one names the document
            if note in notes:
                out[note].append(d.id)
                break
    return out


def flagged(documents: Sequence[DocumentResult]) -> dict[str, list[str]]:
    """Document ids under each diagnostic flag (every flag listed, maybe with none)."""
    return {flag: [d.id for d in documents
                   if d.diagnostics is not None and flag in d.diagnostics.get("flags", ())]
            for flag in diagnostics.FLAGS}


def tally(documents: Sequence[DocumentResult], rouge: RougeSpec, seed: int
          ) -> dict[str, Any]:
    """The RunResult fields that follow from the scored documents (scores, warnings,
    counts, flagged, rouge155): the same for a run and for a merge of its shards.
    Diagnostic means are apart, so a run can time them."""
    generations = [d.generation for d in documents]
    warnings = scoring.coverage_warnings([d.id for d in documents],
                                         [d.references for d in documents],
                                         [g.prediction for g in generations], rouge)
    failed = [g for g in generations if g.error is not None]
    n_truncated = sum(g.truncated for g in generations)
    empty = [g.id for g in generations if not g.prediction.strip() and g.error is None]
    cut = [g.id for g in generations if g.finish_reason == "length"]
    if failed:
        shown = "; ".join(f"{g.id!r}: {g.error}" for g in failed[:5])
        warnings.append(f"{len(failed)} document(s) failed and are scored as empty summaries "
                        f"(0): {shown}" + (" ..." if len(failed) > 5 else ""))
    if n_truncated:
        warnings.append(f"{n_truncated} article(s) were longer than the model's input limit and "
                        "were truncated (see 'truncated' in samples.jsonl)")
    if empty:
        warnings.append(f"{len(empty)} empty prediction(s), scored 0: {empty[:10]}")
    if cut:
        warnings.append(f"{len(cut)} summary(ies) stopped at the token limit "
                        f"(finish_reason 'length'): {cut[:10]}")
    resplit = resplit_documents(documents)
    for note, ids in resplit.items():
        if ids:
            warnings.append(f"{len(ids)} document(s) hold characters the sentence splitter uses "
                            f"internally (emoji hold some); {SPLIT_NOTES[note]}, so no text "
                            f"is lost: {ids[:10]}")
    flags = flagged(documents)
    counts = {"n_documents": len(documents), "n_truncated": n_truncated,
              "n_empty_predictions": len(empty), "n_failed": len(failed),
              "n_cut_at_token_limit": len(cut),
              "n_split_masked": len(resplit[text.MASKED]),
              "n_split_unsplit": len(resplit[text.UNSPLIT]),
              **{f"flag_{flag}": len(ids) for flag, ids in flags.items()}}
    return {"scores": aggregate(documents, rouge, seed), "warnings": tuple(warnings),
            "counts": counts, "flagged": flags, "rouge155": rouge155_block(documents, rouge)}
