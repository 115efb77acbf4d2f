"""What ``sumbench meta-eval`` found, typed: one row per metric x human dimension x
level with its three correlations, the paired tests asked for, and how it was computed.

``MetaEvalResult.as_dict()`` is meta_eval.json; the reports read the typed fields.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

INTERVAL = "percentile bootstrap"
SUMMARY_LEVEL = ("per document, the correlation across systems, averaged over documents "
                 "where neither side is constant")


@dataclass(frozen=True)
class Estimate:
    """A correlation and its bootstrap interval (None: undefined, e.g. a constant side;
    ``low``/``high`` None: no interval)."""

    value: float | None
    low: float | None
    high: float | None

    @classmethod
    def of(cls, value: float, low: float, high: float) -> Estimate:
        """Rounded to 6 places, NaN as None, as meta_eval.json holds them."""
        def clean(v: float) -> float | None:
            return None if math.isnan(v) else round(float(v), 6)

        return cls(clean(value), clean(low), clean(high))


@dataclass(frozen=True)
class CorrelationRow:
    metric: str  # e.g. rouge1.fmeasure, density, bertscore.fmeasure
    human: str  # the human dimension
    level: str  # "system" or "summary"
    kendall: Estimate
    spearman: Estimate
    pearson: Estimate
    n_systems: int
    n_documents: int
    n_skipped: int  # summary level: documents where either side is constant

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PairedTest:
    """Does metric A correlate better than B with one human dimension (one-sided)?"""

    metric_a: str
    metric_b: str
    human: str
    level: str
    r_a: float
    r_b: float
    delta: float
    p_value: float
    coefficient: str = "kendall"

    def as_dict(self) -> dict[str, Any]:
        return {"metric_a": self.metric_a, "metric_b": self.metric_b, "human": self.human,
                "level": self.level, "coefficient": self.coefficient, "r_a": self.r_a,
                "r_b": self.r_b, "delta": self.delta, "p_value": self.p_value}


@dataclass(frozen=True)
class MetaEvalResult:
    """Every correlation of a meta-evaluation, and what decides them."""

    input: str
    input_sha256: str
    systems: tuple[str, ...]
    dimensions: tuple[str, ...]
    n_documents: int
    metrics: tuple[str, ...]  # every scored column, as the rows name them
    metric_families: tuple[str, ...]
    rouge: Mapping[str, Any]
    diagnostics: str | None  # "computed from the articles", or None
    resample: str
    n_resamples: int
    seed: int
    confidence: float
    permute: str
    rows: tuple[CorrelationRow, ...]
    paired_tests: tuple[PairedTest, ...] = ()
    system_means: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    versions: Mapping[str, str] = field(default_factory=dict)
    command: tuple[str, ...] = ()

    @property
    def n_systems(self) -> int:
        return len(self.systems)

    def as_dict(self) -> dict[str, Any]:
        """meta_eval.json."""
        return {
            "input": self.input, "input_sha256": self.input_sha256,
            "n_documents": self.n_documents, "n_systems": self.n_systems,
            "systems": list(self.systems), "dimensions": list(self.dimensions),
            "metrics": list(self.metrics), "rouge": dict(self.rouge),
            "diagnostics": self.diagnostics, "metric_families": list(self.metric_families),
            "resample": self.resample, "n_resamples": self.n_resamples, "seed": self.seed,
            "confidence": self.confidence, "interval": INTERVAL,
            "summary_level": SUMMARY_LEVEL,
            "paired_test": {"coefficient": "kendall", "permute": self.permute,
                            "n_permutations": self.n_resamples,
                            "alternative": "A correlates better than B (one-sided)",
                            "scores": "z-normalised per metric before swapping"},
            "rows": [row.as_dict() for row in self.rows],
            "paired_tests": [test.as_dict() for test in self.paired_tests],
            "system_means": {k: dict(v) for k, v in self.system_means.items()},
            "versions": dict(self.versions), "command": list(self.command),
        }
