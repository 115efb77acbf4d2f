"""What follows from the scored documents: aggregates with intervals, counts, warnings,
flagged ids, and the hash that decides whether two runs are comparable.

The same for a run and for a merge of its shards (``shards.merge``), so it sits below
both: ``run.py`` orchestrates, this module only computes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sumbench import diagnostics, scoring, stats, text
from sumbench.records import DocumentResult, Example, Interval, Score, Values
from sumbench.scoring import STATISTICS, RougeSpec


def references_digest(examples: Sequence[Example]) -> str:
    """One hash over ids and references: two runs compare only if this matches."""
    digest = hashlib.sha256()
    for ex in examples:
        digest.update(json.dumps([ex.id, list(ex.references)]).encode())
    return digest.hexdigest()


def aggregate(documents: Sequence[DocumentResult], spec: RougeSpec, seed: int
              ) -> dict[str, dict[str, Interval]]:
    return aggregate_scores([d.scores for d in documents], spec.rouge_types, seed)


def aggregate_scores(per_document: Sequence[Mapping[str, Score | Values]],
                     rouge_types: Sequence[str], seed: int) -> dict[str, dict[str, Interval]]:
    """Every score column's exact mean and seeded bootstrap interval per statistic: the
    ROUGE types in order, then each other metric's columns, over the documents that
    define them (a None value is left out)."""
    names = list(rouge_types) + [n for n in (per_document[0] if per_document else {})
                                 if n not in rouge_types]
    columns: dict[tuple[str, str], list[float]] = {}
    for name in names:
        statistics = STATISTICS if name in rouge_types else \
            tuple(per_document[0][name].as_dict())
        for stat in statistics:
            values = [getattr(s[name], stat) for s in per_document if name in s]
            columns[name, stat] = [v for v in values if v is not None]
    intervals = stats.mean_intervals({k: v for k, v in columns.items() if v}, seed=seed)
    return {name: {stat: intervals[name, stat] for n, stat in columns
                   if n == name and (name, stat) in intervals} for name in names}


def rouge155_block(documents: Sequence[DocumentResult], rouge: RougeSpec
                   ) -> dict[str, Any] | None:
    """In rouge155 mode, the Perl script's own Average and interval (the mean of its
    bootstrap means, its resampling), next to our exact mean and seeded interval."""
    if rouge.implementation != "rouge155":
        return None
    from sumbench import rouge155

    return rouge155.printed_block([d.scores for d in documents], rouge.rouge155_flags,
                                  rouge.split)


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


def resplit_documents(documents: Sequence[DocumentResult], split: str = "auto"
                      ) -> dict[str, list[str]]:
    """Ids of the documents whose prediction or a reference needed a lossless fallback
    when split into sentences (``text.split_note``), under each kind of fallback."""
    out: dict[str, list[str]] = {text.MASKED: [], text.UNSPLIT: []}
    for d in documents:
        notes = {text.split_note(t, split) for t in (d.generation.prediction, *d.references)}
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
    resplit = resplit_documents(documents, rouge.split)
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
