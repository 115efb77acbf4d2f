"""Results over time: ``sumbench history RUN_DIR...``.

The runs, in the order given, fall into series: a run joins the first series whose
runs it is comparable with (``compare.check_comparable``: the same documents and
references, and the same score-deciding signature fields); a run that fits none
starts a series of its own, and a note names it. Within a series each consecutive pair
is compared exactly as ``compare`` compares two runs (``compare.compare_pairs``, all
pairs in one batch). Every significant change is listed; runs in different series are
never compared. A run is named by its ``--label``, else its folder's name, and shown
with the project's git commit and the time it was made, where the run recorded them.
"""

from __future__ import annotations

import glob
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sumbench import defaults
from sumbench.compare import (
    Comparison,
    check_comparable,
    compare_pairs,
    parse_metrics,
)
from sumbench.errors import InputError
from sumbench.metrics import recorded_columns
from sumbench.records import Interval, RunResult
from sumbench.signature import Signature
from sumbench.stats import PairedResult

# compare's verdicts, as a change between two runs is called
CHANGES = {"regressed": "regression", "improved": "improvement",
           "regressed within tolerance": "regression within tolerance",
           "increased": "increased", "decreased": "decreased"}


@dataclass(frozen=True)
class RunPoint:
    """One run as history shows it: who it is, which series, each metric's interval."""

    path: str  # as given on the command line
    label: str
    signature: str
    series: int  # 1-based, in order of each series' first run
    commit: str | None
    created_at: str | None
    metrics: dict[str, Interval]

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "label": self.label, "signature": self.signature,
                "series": self.series, "git_commit": self.commit,
                "created_at": self.created_at,
                "metrics": {name: iv.as_dict() for name, iv in self.metrics.items()}}


@dataclass(frozen=True)
class Change:
    """A significant change of one metric between consecutive runs of a series."""

    metric: str
    from_path: str
    to_path: str
    delta: PairedResult
    verdict: str  # a value of CHANGES

    def as_dict(self) -> dict[str, Any]:
        d = self.delta
        return {"metric": self.metric, "from": self.from_path, "to": self.to_path,
                "delta": {"mean": d.mean_delta, "low": d.low, "high": d.high},
                "p_value": d.p_value, "n_documents": d.n, "verdict": self.verdict}


@dataclass(frozen=True)
class History:
    runs: tuple[RunPoint, ...]
    metrics: tuple[str, ...]
    changes: tuple[Change, ...]
    comparisons: tuple[Comparison, ...]  # every consecutive pair, series by series
    last_pairs: tuple[Comparison, ...]  # the last pair of each series that has one
    alpha: float
    max_drop: float
    seed: int
    notes: tuple[str, ...] = ()

    @property
    def regressed(self) -> bool:
        """The last pair of some series regressed: what --fail-on-regression fails on."""
        return any(c.regressed for c in self.last_pairs)

    def as_dict(self) -> dict[str, Any]:
        return {"metrics": list(self.metrics), "alpha": self.alpha, "max_drop": self.max_drop,
                "seed": self.seed, "regressed": self.regressed,
                "test": "two-sided paired sign-flip permutation test; paired bootstrap "
                        "interval (as sumbench compare)",
                "n_series": max((r.series for r in self.runs), default=0),
                "runs": [r.as_dict() for r in self.runs],
                "changes": [c.as_dict() for c in self.changes],
                "notes": list(self.notes)}


def expand(paths: list[str]) -> list[Path]:
    """Run folders in the order given; a pattern that is not a path itself (``runs/*``,
    quoted so the shell left it) is expanded in sorted order."""
    out: list[Path] = []
    for text in paths:
        if Path(text).exists() or not glob.has_magic(text):
            out.append(Path(text))
            continue
        found = sorted(glob.glob(text))
        if not found:
            raise InputError(text, "matches no run folder")
        out += [Path(p) for p in found]
    if not out:
        raise InputError("history", "no run folders given")
    return out


def label(run: RunResult, path: str) -> str:
    """--label as recorded, else the folder's name."""
    return str(run.spec.label or Path(path).name or path)


def history(runs: list[tuple[str, RunResult]], *, metrics: str | None = None,
            alpha: float = defaults.ALPHA, max_drop: float = 0.0,
            seed: int = defaults.SEED) -> History:
    """Series, each metric's interval per run, and the significant changes."""
    if not runs:
        raise InputError("history", "no run folders given")
    chosen = parse_metrics(metrics if metrics is not None else ",".join(runs[0][1].scores),
                           recorded_columns(runs[0][1].spec))
    names = [name if stat == "mean" else f"{name}.{stat}" for name, stat in chosen]
    diagnostic = any(stat == "mean" for _, stat in chosen)
    series, notes = _series(runs, diagnostic)
    members: dict[int, list[int]] = {}
    for i, s in enumerate(series):
        members.setdefault(s, []).append(i)
    pairs = [(a, b) for ids in members.values() for a, b in itertools.pairwise(ids)]
    comparisons = compare_pairs(
        [(runs[a][1], runs[b][1], runs[a][0], runs[b][0]) for a, b in pairs],
        metrics=",".join(names), alpha=alpha, max_drop=max_drop, seed=seed, top=0)
    changes = tuple(Change(m.metric, runs[a][0], runs[b][0], m.delta, CHANGES[m.verdict])
                    for (a, b), c in zip(pairs, comparisons, strict=True)
                    for m in c.metrics if m.verdict in CHANGES)
    by_pair = dict(zip(pairs, comparisons, strict=True))
    last_pairs = tuple(by_pair[ids[-2], ids[-1]] for ids in members.values() if len(ids) > 1)
    points = tuple(RunPoint(path, label(run, path), run.signature, series[i],
                            run.spec.git_commit,
                            run.timings.get("created_at") or run.timings.get("started_at"),
                            _intervals(run, chosen))
                   for i, (path, run) in enumerate(runs))
    return History(runs=points, metrics=tuple(names), changes=changes,
                   comparisons=tuple(comparisons), last_pairs=last_pairs, alpha=alpha,
                   max_drop=max_drop, seed=seed, notes=tuple(notes))


def _series(runs: list[tuple[str, RunResult]], diagnostic: bool) -> tuple[list[int], list[str]]:
    """Each run's series (1-based): the first series whose first run it is comparable
    with (comparability is equality of documents, references and scoring, so the first
    run stands for all), else a new one. With a diagnostic among the metrics, the
    diagnostics' definition must match too."""
    firsts: list[int] = []  # index of each series' first run
    series: list[int] = []
    problems_with_first: dict[int, list[str]] = {}
    for i, (_, run) in enumerate(runs):
        for s, first in enumerate(firsts, 1):
            problems = check_comparable(runs[first][1], run)
            if diagnostic and _diag(runs[first][1]) != _diag(run):
                problems.append(f"the diagnostics differ in definition ({_diag(runs[first][1])}"
                                f" vs {_diag(run)})")
            if not problems:
                series.append(s)
                break
            if s == 1:
                problems_with_first[i] = problems
        else:
            firsts.append(i)
            series.append(len(firsts))
    notes = []
    for s, first in enumerate(firsts[1:], 2):
        n = series.count(s)
        alone = "fits no other run: a series of its own" if n == 1 else \
            f"starts series {s} ({n} runs)"
        notes.append(f"{runs[first][0]} {alone}; against {runs[0][0]}: "
                     + "; ".join(problems_with_first[first]))
    return series, notes


def _diag(run: RunResult) -> str:
    return Signature.parse(run.signature).diag


def _intervals(run: RunResult, chosen: list[tuple[str, str]]) -> dict[str, Interval]:
    """Each chosen metric's mean and interval, as the run recorded them."""
    out = {}
    for name, stat in chosen:
        if stat == "mean":
            if name in run.diagnostics:
                out[name] = run.diagnostics[name]
        elif name in run.scores:
            out[f"{name}.{stat}"] = run.scores[name][stat]
    return out
