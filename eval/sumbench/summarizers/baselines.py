"""Summarizers that need no model: lead-k, and predictions produced elsewhere."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sumbench import defaults
from sumbench.errors import SettingError, check_at_least
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


@dataclass(frozen=True)
class LeadOptions:
    """The run's options for the lead-k baseline."""

    lead_sentences: int = defaults.LEAD_SENTENCES

    def __post_init__(self) -> None:
        check_at_least("lead_sentences", self.lead_sentences)


@dataclass(frozen=True)
class PredictionsOptions:
    """The run's options for summaries made elsewhere: the file that holds them."""

    predictions: Path | None = None

    def __post_init__(self) -> None:
        if self.predictions is None:
            raise SettingError("predictions", "is needed by the summarizer 'predictions': a "
                               "JSONL file of id and prediction")


class LeadSummarizer(_CopiesText):
    """The first k sentences of the article: the standard extractive baseline."""

    Options = LeadOptions  # what the run's options hold for this summarizer
    name = "lead"

    def __init__(self, k: int = defaults.LEAD_SENTENCES) -> None:
        check_at_least("lead_sentences", k)
        self.k = k

    @classmethod
    def from_options(cls, options: RunOptions, examples: Sequence[Example]) -> LeadSummarizer:
        return cls(options.settings.lead_sentences)

    def copy(self, example: Example) -> Generation:
        text = "\n".join(split_sentences(example.article)[: self.k])
        return Generation(example.id, text, raw_prediction=text)

    def describe(self) -> dict[str, Any]:
        return {"summarizer": self.name, "lead_sentences": self.k,
                "sentence_splitter": "article lines, each split by pysbd"}


class PredictionsSummarizer(_CopiesText):
    """Summaries produced elsewhere, read from a JSONL file of ``id``/``prediction``."""

    Options = PredictionsOptions  # what the run's options hold for this summarizer
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

        path = options.settings.predictions
        assert path is not None  # PredictionsOptions checks it
        preds = load_predictions(path, [ex.id for ex in examples])
        return cls(preds, str(path), sha256_file(path))

    def copy(self, example: Example) -> Generation:
        text = self.predictions[example.id]
        return Generation(example.id, text, raw_prediction=text)

    def describe(self) -> dict[str, Any]:
        return {"summarizer": self.name, "predictions_file": self.source,
                "predictions_sha256": self.source_sha256}
