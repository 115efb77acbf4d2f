"""Run one metric over a suite and check what it returns against its own contract.

A plugin is code sumbench does not control: one document too few, an undeclared column,
a missing statistic or a value that is not a finite number would corrupt every table
downstream, so each is refused with a message that names the metric and the document.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sumbench.errors import MetricError
from sumbench.metrics.base import Metric
from sumbench.records import Example, Values


def score_metric(metric: Metric, examples: Sequence[Example], predictions: Sequence[str],
                 articles: Sequence[str]) -> list[dict[str, Values]]:
    """Per document, the metric's columns as ``Values``, in the suite's order."""
    columns = {c.name: c for c in metric.columns()}
    metric.document_ids = [ex.id for ex in examples]
    rows = metric.score(predictions=list(predictions),
                        references=[list(ex.references) for ex in examples],
                        articles=list(articles))
    if not isinstance(rows, list) or len(rows) != len(examples):
        got = len(rows) if isinstance(rows, list) else type(rows).__name__
        raise MetricError(f"metric {metric.name!r} returned {got} results for "
                          f"{len(examples)} documents (one per document, in order)")
    out = []
    for ex, row in zip(examples, rows, strict=True):
        where = f"metric {metric.name!r}, document {ex.id!r}"
        if not isinstance(row, dict) or set(row) != set(columns):
            names = sorted(row) if isinstance(row, dict) else type(row).__name__
            raise MetricError(f"{where}: returned columns {names}, but columns() "
                              f"declares {sorted(columns)}")
        values = {}
        for name, column in columns.items():
            stats = row[name]
            if not isinstance(stats, dict) or set(stats) != set(column.statistics):
                raise MetricError(f"{where}: column {name!r} holds {stats!r}; it declares "
                                  f"the statistics {list(column.statistics)}")
            values[name] = Values({k: _number(v, f"{where}, {name}.{k}")
                                   for k, v in stats.items()})
        out.append(values)
    return out


@dataclass
class Outcome:
    """What the run's metrics met while scoring, gathered for results.json and the run
    folder: per metric its counts, its failed documents, its timings and its records."""

    counts: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed: dict[str, dict[str, str]] = field(default_factory=dict)  # metric -> id -> why
    timings: dict[str, dict[str, Any]] = field(default_factory=dict)
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, metric: Metric) -> None:
        """Read ``metric``'s hooks after its ``score``, checking what they return."""
        ids = list(metric.document_ids)
        for hook, kind in (("counts", dict), ("failures", dict), ("timings", dict),
                           ("records", list)):
            found = getattr(metric, hook)()
            if not isinstance(found, kind):
                raise MetricError(f"metric {metric.name!r}: {hook}() returned "
                                  f"{type(found).__name__}, not a {kind.__name__}")
            if not found:
                continue
            if hook == "failures":
                bad = [i for i in found if not (isinstance(i, int) and 0 <= i < len(ids))]
                if bad:
                    raise MetricError(f"metric {metric.name!r}: failures() names document "
                                      f"index {bad[0]!r}, not one of 0..{len(ids) - 1}")
                self.failed[metric.name] = {ids[i]: str(why) for i, why in sorted(found.items())}
            else:
                getattr(self, hook)[metric.name] = found

    def failed_documents(self) -> set[str]:
        return {doc for failed in self.failed.values() for doc in failed}

    def warnings(self) -> list[str]:
        return [f"{name}: {len(failed)} document(s) failed and have no value: "
                + "; ".join(f"{doc} ({why})" for doc, why in list(failed.items())[:5])
                + (" ..." if len(failed) > 5 else "")
                for name, failed in self.failed.items()]


def _number(value: Any, where: str) -> float | None:
    if value is None:  # not defined for this document: left out of the mean
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value):
        raise MetricError(f"{where}: {value!r} is not a finite number (or None)")
    return float(value)


def metric_spec(metric: Metric) -> dict[str, Any]:
    """What results.json records of a metric: its signature token, its columns (so a
    finished run can be gated, compared and reported without importing it again) and,
    for a metric outside the built-ins, its settings."""
    from sumbench.metrics import BUILTIN

    token = metric.signature()
    if not (token == metric.name or token.startswith(metric.name + "-")) \
            or any(c in token for c in "|,: \n"):
        raise MetricError(f"metric {metric.name!r}: signature() returned {token!r}; it must be "
                          f"{metric.name!r} or start with '{metric.name}-', without '|', ',', "
                          "':' or spaces")
    entry: dict[str, Any] = {"signature": token,
                             "columns": [c.as_dict() | {"metric": metric.name}
                                         for c in metric.columns()]}
    if metric.name not in BUILTIN:
        entry["settings"] = metric.describe()
    return entry
