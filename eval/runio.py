"""A run folder on disk: results.json (aggregate) plus samples.jsonl (per document).

Written atomically; read back for ``sumbench report`` and ``sumbench compare``.
"""

from __future__ import annotations

import json
from pathlib import Path

from eval.errors import InputError
from eval.fileio import atomic_write_json, atomic_write_jsonl
from eval.records import DocumentResult, Generation, Interval, RunResult, Score

RESULTS = "results.json"
SAMPLES = "samples.jsonl"


def write_run(run_dir: Path, result: RunResult) -> None:
    """samples.jsonl first, results.json last: a results.json always has its samples."""
    run_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_jsonl(run_dir / SAMPLES, (d.as_dict() for d in result.documents))
    atomic_write_json(run_dir / RESULTS, result.summary_dict())


def read_run(run_dir: Path) -> RunResult:
    results_path, samples_path = run_dir / RESULTS, run_dir / SAMPLES
    if not results_path.is_file():
        raise InputError(str(run_dir), f"not a run folder (no {RESULTS})",
                         "pass the folder that `sumbench run --out` wrote")
    try:
        summary = json.loads(results_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise InputError(str(results_path), f"not valid JSON ({err.msg})") from None
    documents = []
    if not samples_path.is_file():
        raise InputError(str(run_dir), f"missing {SAMPLES}")
    for number, line in enumerate(samples_path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            generation = Generation(row["id"], row["prediction"], row.get("raw_prediction", ""),
                                    row.get("input_tokens"), row.get("output_tokens"),
                                    bool(row.get("truncated", False)))
            scores = {k: Score(**v) for k, v in row["scores"].items()}
            documents.append(DocumentResult(row["id"], generation, tuple(row["references"]),
                                            scores, row.get("scored_prediction", "")))
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise InputError(f"{samples_path}:{number}", f"unreadable sample ({err})") from None
    scores = {t: {s: Interval(**iv) for s, iv in by_stat.items()}
              for t, by_stat in summary["scores"].items()}
    return RunResult(spec=summary["spec"], versions=summary.get("versions", {}),
                     documents=tuple(documents), scores=scores,
                     timings=summary.get("timings", {}),
                     warnings=tuple(summary.get("warnings", ())),
                     counts=summary.get("counts", {}))
