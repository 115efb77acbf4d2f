"""Summarizers: anything that turns a batch of examples into generations, in order.

``REGISTRY`` maps the ``--summarizer`` name to the class; the CLI builds one from
its options. Heavy imports (torch, transformers) happen inside ``hf`` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from eval.records import Example, Generation


@runtime_checkable
class Summarizer(Protocol):
    """Batch in, list out, same order. ``describe`` goes into results.json."""

    name: str
    runs_model: bool  # True when it generates text; throughput is reported only then

    def summarize(self, examples: Sequence[Example]) -> list[Generation]: ...

    def describe(self) -> dict[str, Any]: ...


NAMES = ("hf", "lead", "predictions")
