"""Summarizers that need no model: lead-k, and predictions produced elsewhere."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sumbench import defaults
from sumbench.errors import check_at_least
from sumbench.records import Example, Generation
from sumbench.summarizers import ResultHook
from sumbench.text import split_sentences

if TYPE_CHECKING:
    from sumbench.options import RunOptions


class _CopiesText:
    """What both baselines share: no model, nothing to cache, no set-up."""

    runs_model = False
    batch_size: int | None = None

    def fingerprint(self) -> str | None:
        return None  # instant to recompute: nothing goes in the response cache

    def plan(self, n_documents: int) -> None:
        return None

    def timings(self) -> dict[str, float]:
        return {}

    def summarize(self, examples: Sequence[Example],
                  on_each: ResultHook | None = None) -> list[Generation]:
        out = [self.copy(ex) for ex in examples]
        if on_each:
            for generation in out:
                on_each(generation)
        return out

    def copy(self, example: Example) -> Generation:
        raise NotImplementedError


class LeadSummarizer(_CopiesText):
    """The first k sentences of the article: the standard extractive baseline."""

    name = "lead"

    def __init__(self, k: int = defaults.LEAD_SENTENCES) -> None:
        check_at_least("lead_sentences", k)
        self.k = k

    @classmethod
    def from_options(cls, options: RunOptions, examples: Sequence[Example]) -> LeadSummarizer:
        return cls(options.lead_sentences)

    def copy(self, example: Example) -> Generation:
        text = "\n".join(split_sentences(example.article)[: self.k])
        return Generation(example.id, text, raw_prediction=text)

    def describe(self) -> dict[str, Any]:
        return {"summarizer": self.name, "lead_sentences": self.k,
                "sentence_splitter": "article lines, each split by pysbd"}


class PredictionsSummarizer(_CopiesText):
    """Summaries produced elsewhere, read from a JSONL file of ``id``/``prediction``."""

    name = "predictions"

    def __init__(self, predictions: Mapping[str, str], source: str, source_sha256: str) -> None:
        self.predictions = dict(predictions)
        self.source = source
        self.source_sha256 = source_sha256

    @classmethod
    def from_options(cls, options: RunOptions, examples: Sequence[Example]
                     ) -> PredictionsSummarizer:
        from sumbench.downloads import sha256_file
        from sumbench.suites.predictions import load_predictions

        assert options.predictions is not None  # RunOptions checks it
        preds = load_predictions(options.predictions, [ex.id for ex in examples])
        return cls(preds, str(options.predictions), sha256_file(options.predictions))

    def copy(self, example: Example) -> Generation:
        text = self.predictions[example.id]
        return Generation(example.id, text, raw_prediction=text)

    def describe(self) -> dict[str, Any]:
        return {"summarizer": self.name, "predictions_file": self.source,
                "predictions_sha256": self.source_sha256}
