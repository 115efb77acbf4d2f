"""The Python API: what the command line does, callable from code and notebooks.

    import sumbench

    result = sumbench.evaluate(summarizer="lead", data="cnndm.jsonl", limit=20)
    result.scores["rouge1"]["fmeasure"].mean
    sumbench.score(predictions=["the cat sat"], references=[["a cat sat down"]])
    sumbench.compare_runs("runs/base", "runs/new").regressed
    sumbench.load_run("runs/base")

Arguments are keyword-only, as in HF evaluate: swapping predictions and references
would silently swap precision and recall.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sumbench import defaults
from sumbench.compare import Comparison
from sumbench.records import RunResult, Score


def evaluate(*, out: str | Path | None = None, **settings: Any) -> RunResult:
    """Summarize and score a suite, as ``sumbench run`` does; returns the run's result.

    ``settings`` are ``sumbench run``'s options by their Python names (``summarizer``,
    ``data``, ``references``, ``limit``, ``model``, ``max_new_tokens``, ``tokenizer`` ...;
    see ``sumbench.options.RunOptions``). With ``out``, the run folder is written too.
    Nothing is printed unless ``quiet=False``.
    """
    from sumbench.options import RunOptions
    from sumbench.pipeline import run_suite
    from sumbench.runio import write_run

    for key in ("data", "references", "predictions", "cache_file"):
        if isinstance(settings.get(key), str):
            settings[key] = Path(settings[key])
    settings.setdefault("quiet", True)
    options = RunOptions(out=Path(out) if out is not None else None, **settings)
    result = run_suite(options)
    if options.out is not None:
        write_run(options.out, result)
    return result


def score(*, predictions: Sequence[str], references: Sequence[str | Sequence[str]],
          rouge_types: Sequence[str] = defaults.ROUGE_TYPES, use_stemmer: bool = True,
          tokenizer: str = "default", multi_reference: str = "max") -> list[dict[str, Score]]:
    """ROUGE of each prediction against its reference (a string) or references (a list),
    with the same arithmetic, sentence splitting and checks as a run."""
    from sumbench.scoring import RougeSpec, score_batch

    if isinstance(predictions, str) or isinstance(references, str):
        raise TypeError("predictions and references are sequences, one item per document")
    refs = [[r] if isinstance(r, str) else list(r) for r in references]
    spec = RougeSpec(rouge_types=tuple(rouge_types), use_stemmer=use_stemmer,
                     tokenizer=tokenizer,  # type: ignore[arg-type]
                     multi_reference=multi_reference)  # type: ignore[arg-type]
    return score_batch(references=refs, predictions=list(predictions), spec=spec)


def load_run(path: str | Path) -> RunResult:
    """A run folder written by ``sumbench run --out`` (or ``evaluate(out=...)``)."""
    from sumbench.runio import read_run

    return read_run(Path(path))


def compare_runs(base: RunResult | str | Path, new: RunResult | str | Path, **settings: Any
                 ) -> Comparison:
    """Paired comparison of two runs, as ``sumbench compare`` does (``metrics``, ``alpha``,
    ``max_drop``, ``seed``, ``force``, ``top``); ``.regressed`` is the gate's answer."""
    from sumbench import compare

    runs = [run if isinstance(run, RunResult) else load_run(run) for run in (base, new)]
    labels = {"base_dir": str(base) if not isinstance(base, RunResult) else "base",
              "new_dir": str(new) if not isinstance(new, RunResult) else "new"}
    return compare.compare_runs(runs[0], runs[1], **labels, **settings)
