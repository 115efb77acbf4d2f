"""Which class implements each ``--summarizer`` name: a table of import paths, so naming
or listing summarizers (the CLI's choices, the options' check) imports none of them."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sumbench.summarizers import Summarizer

REGISTRY: dict[str, str] = {
    "hf": "sumbench.summarizers.hf:HFSummarizer",
    "api": "sumbench.summarizers.served:APISummarizer",
    "lead": "sumbench.summarizers.baselines:LeadSummarizer",
    "predictions": "sumbench.summarizers.baselines:PredictionsSummarizer",
}


def summarizer_class(name: str) -> type[Summarizer]:
    """The class registered under ``name``, imported now."""
    module, _, attribute = REGISTRY[name].partition(":")
    return getattr(importlib.import_module(module), attribute)  # type: ignore[no-any-return]
