"""Run one metric over a suite and check what it returns against its own contract.

A plugin is code sumbench does not control: one document too few, an undeclared column,
a missing statistic or a value that is not a finite number would corrupt every table
downstream, so each is refused with a message that names the metric and the document.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sumbench.errors import MetricError
from sumbench.metrics.base import Metric
from sumbench.records import Example, Values


def score_metric(metric: Metric, examples: Sequence[Example], predictions: Sequence[str],
                 articles: Sequence[str]) -> list[dict[str, Values]]:
    """Per document, the metric's columns as ``Values``, in the suite's order."""
    columns = {c.name: c for c in metric.columns()}
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
