"""The diagnostics as a metric of the contract: what each summary is, beyond its overlap
with a reference (length, copying, repetition, unsupported numbers and names). One value
per measure and document; none has a direction (more copying is not worse in itself).
The measures are ``diagnostics.py``'s; their flags are counted apart (``flagged``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sumbench import diagnostics
from sumbench.metrics.base import Column, DocumentValues, Metric


class Diagnostics(Metric):
    name = "diagnostics"
    needs = frozenset({"prediction", "article"})

    def columns(self) -> tuple[Column, ...]:
        return tuple(Column(m, ("value",), None, self.name) for m in diagnostics.MEASURES)

    def score(self, *, predictions: Sequence[str], references: Sequence[Sequence[str]],
              articles: Sequence[str]) -> list[DocumentValues]:
        found = diagnostics.diagnose_all(articles, predictions, [None] * len(predictions))
        return [{m: {"value": d.as_dict().get(m)} for m in diagnostics.MEASURES}
                for d in found]

    def signature(self) -> str:
        return f"diagnostics-{diagnostics.VERSION}"  # the run signature's diag field

    def describe(self) -> dict[str, Any]:
        return diagnostics.spec()
