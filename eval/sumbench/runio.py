"""A run folder on disk: results.json (aggregate) plus samples.jsonl (per document).

Written atomically; read back for ``sumbench report`` and ``sumbench compare``.
results.json carries ``schema_version`` (records.SCHEMA_VERSION). Reading checks the
shape and names what is wrong; version 1 (before the signature) is migrated on read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sumbench.errors import InputError
from sumbench.fileio import atomic_write_json, atomic_write_jsonl
from sumbench.records import (
    SCHEMA_VERSION,
    DocumentResult,
    Generation,
    Interval,
    RunResult,
    Score,
    Values,
)
from sumbench.signature import Signature
from sumbench.spec import RunSpec
from sumbench.suites.checks import iter_jsonl

RESULTS = "results.json"
SAMPLES = "samples.jsonl"
REQUESTS = "requests.jsonl"  # served models only: each document's requests, attempt by attempt


def write_run(run_dir: Path, result: RunResult) -> None:
    """samples.jsonl first, results.json last: a results.json always has its samples."""
    run_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_jsonl(run_dir / SAMPLES, (d.as_dict() for d in result.documents))
    # timings per request live apart, so samples.jsonl is the same for every run (and
    # every merge of shards) that produced the same summaries. A cache hit keeps the log
    # of the run that sent it, marked "cached" (so a rerun shows what it really sent).
    if any(d.generation.request is not None for d in result.documents):
        atomic_write_jsonl(run_dir / REQUESTS,
                           ({"id": d.id, **(d.generation.request or {}),
                             **({"cached": True} if d.generation.cached else {})}
                            for d in result.documents))
    else:
        (run_dir / REQUESTS).unlink(missing_ok=True)  # from an earlier run in this folder
    for name, lines in result.metric_records.items():
        atomic_write_jsonl(run_dir / records_file(name), lines)
    atomic_write_json(run_dir / RESULTS, result.summary_dict())


def records_file(metric: str) -> str:
    """The run folder's file of a metric's records (``judge.jsonl``); never one of the
    run's own files."""
    name = f"{metric}.jsonl"
    if name in (SAMPLES, REQUESTS, RESULTS):
        raise ValueError(f"a metric named {metric!r} would overwrite the run's {name}")
    return name


def read_run(run_dir: Path) -> RunResult:
    """Read a run folder back, checking its shape; older schema versions are migrated."""
    results_path, samples_path = run_dir / RESULTS, run_dir / SAMPLES
    if not results_path.is_file():
        raise InputError(str(run_dir), f"not a run folder (no {RESULTS})",
                         "pass the folder that `sumbench run --out` wrote")
    try:
        summary = json.loads(results_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise InputError(str(results_path), f"not valid JSON ({err.msg})") from None
    except UnicodeDecodeError:
        raise InputError(str(results_path), "not UTF-8 text") from None
    if not samples_path.is_file():
        raise InputError(str(run_dir), f"missing {SAMPLES}")
    where = str(results_path)
    if not isinstance(summary, dict):
        raise InputError(where, "not a results object (expected a JSON object)")
    version = summary.get("schema_version", 1)
    if not isinstance(version, int) or not 1 <= version <= SCHEMA_VERSION:
        raise InputError(where, f"schema_version {version!r} is not one this sumbench reads "
                         f"(1 to {SCHEMA_VERSION})", "upgrade sumbench")
    versions = _field(summary, "versions", dict, where, default={})
    try:
        spec = RunSpec.from_dict(_field(summary, "spec", dict, where))
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise InputError(where, f"spec lacks {err} needed to read this run") from None
    scores = _scores(_field(summary, "scores", dict, where), where)
    if version >= 2:
        signature = _field(summary, "signature", str, where)
    else:  # 1: no signature yet; build it from the spec as a new run would
        signature = str(spec.signature(versions))
    try:
        Signature.parse(signature)
    except ValueError as err:
        raise InputError(where, f"malformed signature ({err})") from None
    return RunResult(spec=spec, versions=versions, documents=tuple(_samples(samples_path)),
                     scores=scores, timings=_field(summary, "timings", dict, where, default={}),
                     warnings=tuple(_field(summary, "warnings", list, where, default=[])),
                     counts=_field(summary, "counts", dict, where, default={}),
                     signature=signature,
                     diagnostics=_intervals(_field(summary, "diagnostics", dict, where,
                                                   default={}), where, "diagnostics"),
                     flagged=_field(summary, "flagged", dict, where, default={}),
                     rouge155=_field(summary, "rouge155", dict, where, default=None)
                     if "rouge155" in summary else None,
                     metric_records=_metric_records(run_dir, spec))


def _metric_records(run_dir: Path, spec: RunSpec) -> dict[str, list[dict[str, Any]]]:
    """Each metric's records file that the run folder holds (none for older runs)."""
    found = {}
    for name in spec.metrics:
        path = run_dir / records_file(name)
        if path.is_file():
            found[name] = [row for _, row in iter_jsonl(path)]
    return found


_MISSING = object()


def _field(obj: dict[str, Any], key: str, kind: type, where: str,
           default: Any = _MISSING) -> Any:
    if key not in obj:
        if default is _MISSING:
            raise InputError(where, f"no {key!r} field", "was it written by `sumbench run`?")
        return default
    if not isinstance(obj[key], kind):
        raise InputError(where, f"{key!r} must be a {kind.__name__}")
    return obj[key]


def _intervals(raw: dict[str, Any], where: str, name: str) -> dict[str, Interval]:
    try:
        return {k: Interval(float(iv["mean"]), float(iv["low"]), float(iv["high"]))
                for k, iv in raw.items()}
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise InputError(where, f"malformed {name!r} ({type(err).__name__}: {err}); each is "
                         "NAME -> {mean, low, high}") from None


def _scores(raw: dict[str, Any], where: str) -> dict[str, dict[str, Interval]]:
    try:
        return {t: {s: Interval(float(iv["mean"]), float(iv["low"]), float(iv["high"]))
                    for s, iv in by_stat.items()} for t, by_stat in raw.items()}
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise InputError(where, f"malformed 'scores' ({type(err).__name__}: {err}); each "
                         "is TYPE -> STAT -> {mean, low, high}") from None


def _requests(path: Path) -> dict[str, dict[str, Any]]:
    """A served model's per-document request log, by id; {} when the run has none."""
    if not path.is_file():
        return {}
    log = {}
    for where, row in iter_jsonl(path):  # bad JSON is named by its line there
        if not isinstance(row.get("id"), str):
            raise InputError(where, "unreadable request record (no string 'id')")
        log[row["id"]] = {k: v for k, v in row.items() if k != "id"}
    return log


def _score(values: dict[str, Any]) -> Score | Values:
    """ROUGE's precision/recall/F1 as a Score; any other metric's statistics as Values."""
    if set(values) == {"precision", "recall", "fmeasure"}:
        return Score(**values)
    return Values({k: None if v is None else float(v) for k, v in values.items()})


def _samples(path: Path) -> list[DocumentResult]:
    requests = _requests(path.with_name(REQUESTS))
    documents = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            generation = Generation(row["id"], row["prediction"], row.get("raw_prediction", ""),
                                    row.get("input_tokens"), row.get("output_tokens"),
                                    bool(row.get("truncated", False)),
                                    finish_reason=row.get("finish_reason"),
                                    error=row.get("error"), request=requests.get(row["id"]))
            scores = {k: _score(v) for k, v in row["scores"].items()}
            documents.append(DocumentResult(row["id"], generation, tuple(row["references"]),
                                            scores, row.get("scored_prediction", ""),
                                            row.get("diagnostics")))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as err:
            raise InputError(f"{path}:{number}", f"unreadable sample ({err})") from None
    return documents
