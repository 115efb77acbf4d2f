"""Summarizers that need no model: lead-k, and predictions produced elsewhere."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eval.records import Example, Generation
from eval.text import split_sentences


class LeadSummarizer:
    """The first k sentences of the article: the standard extractive baseline."""

    name = "lead"
    runs_model = False

    def __init__(self, k: int = 3) -> None:
        if k < 1:
            raise ValueError(f"--lead-sentences must be at least 1, got {k}")
        self.k = k

    def summarize(self, examples: Sequence[Example]) -> list[Generation]:
        out = []
        for ex in examples:
            text = "\n".join(split_sentences(ex.article)[: self.k])
            out.append(Generation(ex.id, text, raw_prediction=text))
        return out

    def describe(self) -> dict[str, Any]:
        return {"summarizer": self.name, "lead_sentences": self.k,
                "sentence_splitter": "article lines, each split by pysbd"}


class PredictionsSummarizer:
    """Summaries produced elsewhere, read from a JSONL file of ``id``/``prediction``."""

    name = "predictions"
    runs_model = False

    def __init__(self, predictions: Mapping[str, str], source: str, source_sha256: str) -> None:
        self.predictions = dict(predictions)
        self.source = source
        self.source_sha256 = source_sha256

    def summarize(self, examples: Sequence[Example]) -> list[Generation]:
        return [Generation(ex.id, self.predictions[ex.id],
                           raw_prediction=self.predictions[ex.id]) for ex in examples]

    def describe(self) -> dict[str, Any]:
        return {"summarizer": self.name, "predictions_file": self.source,
                "predictions_sha256": self.source_sha256}
