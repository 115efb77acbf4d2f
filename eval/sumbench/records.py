"""Frozen dataclasses that carry data between the stages. No heavy imports here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # spec.py builds on scoring.py, which builds on these records
    from sumbench.spec import RunSpec

SCHEMA_VERSION = 2  # of results.json; 1 had no schema_version and no signature


@dataclass(frozen=True)
class Example:
    """One document to summarize, with its hand-written references (one sentence per line)."""

    id: str
    article: str
    references: tuple[str, ...]
    source: str = ""  # where it came from, for error messages: "file.jsonl:12" or a folder


@dataclass(frozen=True)
class Generation:
    """What a summarizer produced for one document."""

    id: str
    prediction: str  # cleaned text that is scored
    raw_prediction: str = ""  # exactly what the model emitted, before cleanup
    input_tokens: int | None = None
    output_tokens: int | None = None
    truncated: bool = False  # the article was cut to fit the model's input limit
    cached: bool = False  # served from the response cache, not generated in this run
    finish_reason: str | None = None  # "stop", or "length": cut by the token limit
    error: str | None = None  # why no summary came back (a failed request); None: fine
    request: dict[str, Any] | None = None  # a served model's request log (requests.jsonl)


@dataclass(frozen=True)
class Score:
    """Precision, recall and F1 of one ROUGE type for one document."""

    precision: float
    recall: float
    fmeasure: float

    def as_dict(self) -> dict[str, float]:
        return {"precision": self.precision, "recall": self.recall, "fmeasure": self.fmeasure}


@dataclass(frozen=True)
class Values:
    """One document's statistics of a metric column other than ROUGE's P/R/F, e.g.
    ``{"value": 42.0}``; read like a Score (``getattr(values, "value")``)."""

    statistics: dict[str, float | None]

    def __getattr__(self, name: str) -> float | None:
        try:
            return self.__dict__["statistics"][name]
        except KeyError:
            raise AttributeError(name) from None

    def as_dict(self) -> dict[str, float | None]:
        return dict(self.statistics)


@dataclass(frozen=True)
class Interval:
    """The exact mean over documents and a bootstrap confidence interval around it."""

    mean: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "low": self.low, "high": self.high}


@dataclass(frozen=True)
class DocumentResult:
    """One document's generation and its scores, as written to samples.jsonl."""

    id: str
    generation: Generation
    references: tuple[str, ...]
    scores: dict[str, Score | Values]  # ROUGE types, then any other metric's columns
    scored_prediction: str  # the prediction as scored: one sentence per line
    diagnostics: dict[str, Any] | None = None  # diagnostics.Diagnostics.as_dict()

    def as_dict(self) -> dict[str, Any]:
        g = self.generation
        return {
            "id": self.id,
            "prediction": g.prediction,
            "raw_prediction": g.raw_prediction,
            "scored_prediction": self.scored_prediction,
            "references": list(self.references),
            "scores": {name: s.as_dict() for name, s in self.scores.items()},
            "input_tokens": g.input_tokens,
            "output_tokens": g.output_tokens,
            "truncated": g.truncated,
            "finish_reason": g.finish_reason,
            "empty_prediction": not g.prediction.strip(),
            "error": g.error,
            "diagnostics": self.diagnostics,
        }


@dataclass(frozen=True)
class RunResult:
    """Everything a run produced: written as results.json plus samples.jsonl."""

    spec: RunSpec  # what decides the results (spec.py)
    versions: dict[str, str]
    documents: tuple[DocumentResult, ...]
    scores: dict[str, dict[str, Interval]]  # column (rouge type...) -> statistic -> interval
    timings: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)
    signature: str = ""  # see signature.py: what decides these scores, in one line
    diagnostics: dict[str, Interval] = field(default_factory=dict)  # measure -> interval
    flagged: dict[str, list[str]] = field(default_factory=dict)  # flag -> document ids
    rouge155: dict[str, Any] | None = None  # ROUGE-1.5.5's own printed Average and interval
    # metric name -> the lines of <name>.jsonl in the run folder (Metric.records)
    metric_records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def summary_dict(self) -> dict[str, Any]:
        """The aggregate part: results.json."""
        return {
            "schema_version": SCHEMA_VERSION,
            "signature": self.signature,
            "spec": self.spec.as_dict(),
            "versions": self.versions,
            "n_documents": len(self.documents),
            "counts": self.counts,
            "warnings": list(self.warnings),
            "timings": self.timings,
            "scores": {
                rouge_type: {stat: iv.as_dict() for stat, iv in stats.items()}
                for rouge_type, stats in self.scores.items()
            },
            "diagnostics": {name: iv.as_dict() for name, iv in self.diagnostics.items()},
            "flagged": self.flagged,
            **({"rouge155": self.rouge155} if self.rouge155 is not None else {}),
        }
