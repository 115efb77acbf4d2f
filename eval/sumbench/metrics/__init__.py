"""Metrics: the contract every metric implements (``base.py``) and where they are found.

``REGISTRY`` maps each ``--metrics`` name of a built-in family to its class, imported
only when used; metrics from other packages register under the entry-point group
``sumbench.metrics`` (``name = "package.module:Class"``) and are found the same way.
A new built-in metric is one module here plus one line in ``REGISTRY``.

``rouge`` and ``diagnostics`` are the built-in families, scored by ``scoring.py`` and
``diagnostics.py`` on the run's tuned path (helper processes, the rouge-score check);
their classes here describe their columns for the rest of the pipeline.
"""

from __future__ import annotations

import importlib
from importlib import metadata
from typing import TYPE_CHECKING

from sumbench import defaults
from sumbench.errors import SettingError
from sumbench.metrics.base import Column, DocumentValues, Metric

if TYPE_CHECKING:
    from sumbench.spec import RunSpec

__all__ = ["BUILTIN", "DEFAULT", "ENTRY_POINT_GROUP", "REGISTRY", "Column", "DocumentValues",
           "Metric", "available", "extra_columns", "metric_class", "parse_metric_names",
           "recorded_columns"]

ENTRY_POINT_GROUP = "sumbench.metrics"
REGISTRY: dict[str, str] = {
    "rouge": "sumbench.metrics.rouge:Rouge",
    "diagnostics": "sumbench.metrics.diagnostics:Diagnostics",
    "bertscore": "sumbench.metrics.bertscore:BertScore",
    "judge": "sumbench.metrics.judge:Judge",
}
BUILTIN = defaults.BUILTIN_METRICS  # scored on the run's own path, not through score()
DEFAULT = ("rouge", "diagnostics")


def available() -> dict[str, str]:
    """Every metric name: the built-in ones, then those of installed plugins."""
    found = dict(REGISTRY)
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(entry.name, entry.value)
    return found


def metric_class(name: str) -> type[Metric]:
    """The class registered under ``name``, imported now; SettingError if unknown or if
    what is registered is not a Metric."""
    known = available()
    if name not in known:
        raise SettingError("metrics", f"names {name!r}, which is no metric here (known: "
                           f"{', '.join(known)}); a plugin registers one under the entry "
                           f"point group {ENTRY_POINT_GROUP!r}")
    module, _, attribute = known[name].partition(":")
    try:
        found = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as err:
        raise SettingError("metrics", f"cannot load the metric {name!r} from "
                           f"{known[name]!r} ({type(err).__name__}: {err})") from None
    if not (isinstance(found, type) and issubclass(found, Metric)):
        raise SettingError("metrics", f"{known[name]!r}, registered as {name!r}, is not a "
                           "subclass of sumbench.metrics.Metric")
    if getattr(found, "name", None) != name:
        raise SettingError("metrics", f"{known[name]!r} is registered as {name!r} but calls "
                           f"itself {getattr(found, 'name', None)!r}")
    return found


def parse_metric_names(text: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """``rouge,diagnostics,wordcount`` (or a sequence) to names, checked: ``rouge`` is
    always among them (the signature and ``compare`` are built on it)."""
    if text is None:
        return DEFAULT
    parts = text.split(",") if isinstance(text, str) else list(text)
    names = tuple(dict.fromkeys(p.strip() for p in parts if p.strip()))
    if not names:
        raise SettingError("metrics", "names no metric (the default is rouge,diagnostics)")
    for name in names:
        metric_class(name)
    if "rouge" not in names:
        raise SettingError("metrics", "must include rouge: every run reports ROUGE, which "
                           "its signature and comparisons are built on")
    return names


def extra_columns(names: tuple[str, ...] | str | None) -> dict[str, Column]:
    """The columns of the metrics among ``names`` that are not built in, by column name,
    for checking gates and ``compare`` names before a run (their default settings)."""
    columns: dict[str, Column] = {}
    for name in parse_metric_names(names):
        if name not in BUILTIN:
            for column in metric_class(name).from_options(None).columns():
                columns[column.name] = Column(column.name, column.statistics,
                                              column.direction, name)
    return columns


def recorded_columns(spec: RunSpec) -> dict[str, Column]:
    """The columns of a finished run's extra metrics, as its results.json records them
    (no plugin is imported): empty for runs made before metrics were recorded."""
    return {c["name"]: Column.from_dict(c)
            for name, entry in spec.metrics.items() if name not in BUILTIN
            for c in entry.get("columns", [])}
