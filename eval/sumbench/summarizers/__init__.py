"""Summarizers: anything that turns a batch of examples into generations, in order.

``REGISTRY`` (registry.py) maps each ``--summarizer`` name to the class that implements
it, imported only when used (torch and transformers load inside ``hf`` alone). A new
summarizer is one new module here plus one line in the table; it builds itself from the
run's options with ``from_options``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from sumbench.records import Example, Generation
from sumbench.summarizers.registry import REGISTRY, summarizer_class

if TYPE_CHECKING:
    from sumbench.options import RunOptions

__all__ = ["REGISTRY", "ResultHook", "Summarizer", "summarizer_class"]


# Called with each result as soon as it is final (in any order): the response cache
# commits it and the progress bar moves. Summarizers call it for every result they return.
ResultHook = Callable[[Generation], None]


@runtime_checkable
class Summarizer(Protocol):
    """A batch in, a list out, in the same order; ``describe`` goes into results.json."""

    name: str
    runs_model: bool  # True when it generates text: throughput is reported only then
    batch_size: int | None  # documents per chunk committed to the cache; None: all at once

    @classmethod
    def from_options(cls, options: RunOptions, examples: Sequence[Example]) -> Summarizer:
        """Build from the run's options (and the suite, for summarizers that need it)."""
        ...

    def summarize(self, examples: Sequence[Example],
                  on_each: ResultHook | None = None) -> list[Generation]:
        """One result per example, in the same order; a failed document comes back with
        ``error`` set (and is scored as an empty summary) rather than raising."""
        ...

    def describe(self) -> dict[str, Any]:
        """What decides the outputs, for the spec: never timings."""
        ...

    def fingerprint(self) -> str | None:
        """What the response cache keys outputs by; None: outputs are not cached."""
        ...

    def plan(self, n_documents: int) -> None:
        """Told the run's size before the first batch (a model may size its run)."""
        ...

    def timings(self) -> dict[str, Any]:
        """Seconds spent outside summarize() calls, such as loading a model, and
        request statistics for a served model."""
        ...
