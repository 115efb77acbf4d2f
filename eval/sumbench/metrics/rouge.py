"""ROUGE as a metric of the contract: one column per ROUGE type, with precision, recall
and F1, higher is better. The arithmetic is ``scoring.py``'s (rouge-score, its checked
fast path, or the ROUGE-1.5.5 port); this class says what the run reports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sumbench.metrics.base import Column, DocumentValues, Metric
from sumbench.scoring import STATISTICS, RougeSpec


class Rouge(Metric):
    name = "rouge"
    needs = frozenset({"prediction", "references"})

    def __init__(self, spec: RougeSpec | None = None) -> None:
        self.spec = spec or RougeSpec()

    @classmethod
    def from_options(cls, options: Any) -> Rouge:
        if options is None:
            return cls()
        scoring = options.scoring
        if scoring.rouge_impl == "rouge155":
            return cls(RougeSpec(implementation="rouge155",
                                 rouge155_flags=scoring.rouge155_flags or "",
                                 split=scoring.split))
        spec = RougeSpec(rouge_types=scoring.rouge_type_list, use_stemmer=scoring.stemmer,
                         tokenizer=scoring.tokenizer,  # type: ignore[arg-type]
                         multi_reference=scoring.multi_reference,  # type: ignore[arg-type]
                         split=scoring.split, lang=scoring.lang or "")
        if spec.lang:  # a missing extra or data is refused before any text is read
            from sumbench.multilingual import check_ready

            check_ready(spec.lang, spec.use_stemmer)
        return cls(spec)

    def columns(self) -> tuple[Column, ...]:
        return tuple(Column(t, STATISTICS, "higher", self.name) for t in self.spec.rouge_types)

    def score(self, *, predictions: Sequence[str], references: Sequence[Sequence[str]],
              articles: Sequence[str]) -> list[DocumentValues]:
        from sumbench import scoring

        per_doc = scoring.score_batch(references=references, predictions=predictions,
                                      spec=self.spec)
        return [{t: dict(s.as_dict()) for t, s in doc.items()} for doc in per_doc]

    def signature(self) -> str:
        return "rouge"  # the run signature's own fields describe ROUGE in full

    def describe(self) -> dict[str, Any]:
        return self.spec.as_dict()
