"""The metric contract: what every metric of a run implements, built in or a plugin.

A metric scores each document and names the values it reports (``Column``): a ROUGE
type reports precision, recall and F1; a plugin may report one ``value``. Each column
says whether higher is better, lower is better, or neither, which is what gates and
``compare`` read. The run aggregates every column the same way (exact mean, seeded
bootstrap interval), stores it in ``samples.jsonl`` and ``results.json`` under
``scores``, and records the columns in the spec, so a finished run can be reported,
gated and compared without importing the metric again.

Arguments are keyword-only, as in HF evaluate: swapping predictions and references
would silently swap precision and recall.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

Direction = Literal["higher", "lower"] | None
INPUTS = frozenset({"prediction", "references", "article"})
# per document: column -> statistic -> value (None: not defined for this document)
DocumentValues = dict[str, dict[str, float | None]]


@dataclass(frozen=True)
class Column:
    """One named result a metric reports for every document."""

    name: str  # e.g. "rouge1", "wordcount": unique within a run
    statistics: tuple[str, ...] = ("value",)  # e.g. ("precision", "recall", "fmeasure")
    direction: Direction = None  # "higher"/"lower" is better; None: neither
    metric: str = ""  # the family that reports it (filled in by the registry)

    @property
    def main(self) -> str:
        """The statistic a bare column name means in gates and ``compare``."""
        return "fmeasure" if "fmeasure" in self.statistics else self.statistics[0]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "statistics": list(self.statistics),
                "direction": self.direction, "metric": self.metric}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Column:
        return cls(str(data["name"]), tuple(data["statistics"]), data.get("direction"),
                   str(data.get("metric", "")))


class Metric(ABC):
    """A family of columns scored together, e.g. ROUGE or a plugin's word count.

    Subclasses set ``name`` (what ``--metrics`` calls it) and ``needs`` (which of
    prediction, references and article it reads), and implement ``columns`` and
    ``score``. ``signature`` and ``describe`` say what decides its numbers: two runs
    whose signatures for a metric differ are not compared on it.
    """

    name: ClassVar[str]
    needs: ClassVar[frozenset[str]] = frozenset({"prediction"})
    # The metric's own settings: a frozen dataclass whose field names start with
    # ``<name>_`` (``bertscore_layer``) and whose ``__post_init__`` checks them.
    # ``RunOptions.build`` sends those names here; a field with metadata
    # ``{"turns_on": True}`` adds the metric to the run when given a non-default value.
    Options: ClassVar[type | None] = None
    # the documents' ids, in the order of ``score``'s lists: set by the runner before
    # ``score`` so that notes and failures can name documents
    document_ids: Sequence[str] = ()

    @classmethod
    def from_options(cls, options: Any) -> Metric:
        """Build from the run's options (a ``sumbench.options.RunOptions``; None: the
        defaults). Metrics with ``Options`` get theirs from
        ``options.metric_settings(name)``. Typed loosely so this contract, which plugins
        import, imports nothing of the run's settings."""
        if cls.Options is None:
            return cls()
        settings = options.metric_settings(cls.name) if options is not None else cls.Options()
        return cls(settings)  # type: ignore[call-arg]

    @abstractmethod
    def columns(self) -> tuple[Column, ...]:
        """What this metric reports, in the order reports show it."""

    @abstractmethod
    def score(self, *, predictions: Sequence[str], references: Sequence[Sequence[str]],
              articles: Sequence[str]) -> list[DocumentValues]:
        """One ``{column: {statistic: value}}`` per document, in the same order."""

    def signature(self) -> str:
        """What decides this metric's numbers, in one short token (no ``|`` or ``,``)."""
        return self.name

    def describe(self) -> dict[str, Any]:
        """Settings for results.json's spec (never timings)."""
        return {}

    def prepare(self, *, references: Sequence[Sequence[str]]) -> None:
        """The whole suite's references, given once before the run is cut to a shard
        (``--shard``) and before ``score``: for statistics over the suite, such as
        BERTScore's idf, so that a shard scores each document as the whole run would.
        Not called by ``sumbench.score`` or ``meta-eval``, which score everything at once.
        Default: nothing."""
        return None

    # What ``score`` met, read by the runner after it (all optional):

    def counts(self) -> dict[str, Any]:
        """Events worth counting, for results.json ``counts["metrics"][name]`` (e.g.
        ``{"n_truncated": 2, "truncated_ids": [...]}``); numbers add up and lists join
        when shards are merged."""
        return {}

    def failures(self) -> dict[int, str]:
        """Document index -> why its values are None (a call that failed). Counted in
        ``counts["n_metric_failed"]`` and, with failed summaries, against
        ``--max-failures``."""
        return {}

    def timings(self) -> dict[str, Any]:
        """Time and usage, for results.json ``timings["metrics"][name]``."""
        return {}

    def records(self) -> list[dict[str, Any]]:
        """Lines of ``<name>.jsonl`` in the run folder (e.g. each judge call), each with
        the document's ``id``."""
        return []
