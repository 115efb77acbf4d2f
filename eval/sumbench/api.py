"""The Python API: what the command line does, callable from code and notebooks.

    import sumbench

    result = sumbench.evaluate(summarizer="lead", data="cnndm.jsonl", limit=20)
    result.scores["rouge1"]["fmeasure"].mean
    scored = sumbench.score(predictions=["the cat sat"], references=[["a cat sat down"]])
    scored[0]["rouge1"].fmeasure, scored.scores["rouge1"]["fmeasure"].mean, scored.signature
    sumbench.compare_runs("runs/base", "runs/new").regressed
    sumbench.load_run("runs/base")

Arguments are keyword-only, as in HF evaluate: swapping predictions and references
would silently swap precision and recall.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from sumbench import defaults
from sumbench.compare import Comparison
from sumbench.records import Interval, RunResult, Score
from sumbench.version import __version__ as sumbench_version


def evaluate(*, out: str | Path | None = None, **settings: Any) -> RunResult:
    """Summarize and score a suite, as ``sumbench run`` does; returns the run's result.

    ``settings`` are ``sumbench run``'s options by their Python names (``summarizer``,
    ``data``, ``references``, ``limit``, ``model``, ``max_new_tokens``, ``stemmer``,
    ``tokenizer``, ``split``, ``rouge_types`` (a list or a comma string) ...; see
    ``sumbench.options.RunOptions``). With ``out``, the run folder is written too.
    Nothing is printed unless ``quiet=False``.
    """
    from sumbench.options import RunOptions
    from sumbench.pipeline import run_suite
    from sumbench.runio import write_run

    for key in ("data", "references", "predictions", "cache_file"):
        if isinstance(settings.get(key), str):
            settings[key] = Path(settings[key])
    settings.setdefault("quiet", True)
    options = RunOptions.build(out=Path(out) if out is not None else None, **settings)
    result = run_suite(options)
    if options.output.out is not None:
        write_run(options.output.out, result)
    return result


@dataclass(frozen=True, eq=False)
class ScoreResult(Sequence[dict[str, Score]]):
    """What ``score`` returns: each document's scores (``documents``; the result itself
    is a sequence of them, as ``score`` returned before), the aggregate as a run reports
    it (``scores[type][stat]``: exact mean, bootstrap interval) and the ``signature`` of
    the settings that produced them."""

    documents: tuple[dict[str, Score], ...]
    scores: dict[str, dict[str, Interval]]  # rouge type -> statistic -> mean [low, high]
    signature: str
    spec: dict[str, Any] = field(default_factory=dict)  # as results.json's spec.rouge

    def __len__(self) -> int:
        return len(self.documents)

    @overload
    def __getitem__(self, index: int) -> dict[str, Score]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Score]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Score] | list[dict[str, Score]]:
        if isinstance(index, slice):
            return list(self.documents[index])
        return self.documents[index]

    def __iter__(self) -> Iterator[dict[str, Score]]:
        return iter(self.documents)

    def __eq__(self, other: object) -> bool:
        """Equal to another result with the same fields, or to a list of the same
        per-document scores (what ``score`` returned before)."""
        if isinstance(other, ScoreResult):
            return (self.documents, self.scores, self.signature, self.spec) == (
                other.documents, other.scores, other.signature, other.spec)
        if isinstance(other, list | tuple):
            return list(self.documents) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        means = ", ".join(f"{t} F1 {by_stat['fmeasure'].mean:.4f} "
                          f"[{by_stat['fmeasure'].low:.4f}, {by_stat['fmeasure'].high:.4f}]"
                          for t, by_stat in self.scores.items())
        return (f"ScoreResult({len(self.documents)} document(s): {means or 'none'}; "
                f"signature {self.signature})")


def score(*, predictions: Sequence[str], references: Sequence[str | Sequence[str]],
          rouge_types: str | Sequence[str] = defaults.ROUGE_TYPES, stemmer: bool = True,
          tokenizer: str = "default", multi_reference: str = "max", split: str = "auto",
          rouge_impl: str = "rouge-score", rouge155_flags: str | None = None,
          rouge_engine: str = "auto", seed: int = defaults.SEED,
          use_stemmer: bool | None = None, lang: str | None = None) -> ScoreResult:
    """ROUGE of each prediction against its reference (a string) or references (a list),
    with the same arithmetic, sentence splitting, checks and aggregate as a run.

    Settings have ``sumbench run``'s names (``evaluate``'s too); ``rouge_types`` is a list
    or a comma-separated string. ``use_stemmer`` is the old name of ``stemmer``."""
    from sumbench import results
    from sumbench.errors import SettingError
    from sumbench.options import RunOptions
    from sumbench.pipeline import rouge_spec
    from sumbench.records import Example
    from sumbench.scoring import score_batch
    from sumbench.spec import Aggregation, RunSpec

    if use_stemmer is not None:
        warnings.warn("score(use_stemmer=...) is now score(stemmer=...), as in evaluate() "
                      "and `sumbench run --stemmer`", DeprecationWarning, stacklevel=2)
        stemmer = use_stemmer
    if callable(tokenizer):
        raise SettingError("tokenizer", "takes 'default' or 'unicode', not a callable: "
                           "a function's behaviour cannot be recorded in the signature that "
                           "`compare` checks. For your own tokenizer, call rouge-score's "
                           "RougeScorer(tokenizer=...) directly")
    preds, refs = _documents(predictions, references)
    options = RunOptions.build(out=None, stemmer=stemmer, tokenizer=tokenizer,
                         multi_reference=multi_reference, rouge_types=rouge_types, split=split,
                         rouge_engine=rouge_engine, rouge_impl=rouge_impl,
                         rouge155_flags=rouge155_flags, seed=seed, lang=lang)
    spec = rouge_spec(options)
    per_document = score_batch(references=refs, predictions=preds, spec=spec,
                               engine=rouge_engine, seed=seed)  # type: ignore[arg-type]
    examples = [Example(str(i), "", tuple(r)) for i, r in enumerate(refs)]
    run_spec = RunSpec(rouge=spec.as_dict(), aggregation=Aggregation(seed=seed),
                       references_sha256=results.references_digest(examples))
    versions = {"sumbench": sumbench_version, "rouge-score": _version("rouge-score")}
    return ScoreResult(
        documents=tuple(per_document),
        scores=results.aggregate_scores(per_document, spec.rouge_types, seed) if per_document
        else {},
        signature=str(run_spec.signature(versions)), spec=dict(run_spec.rouge))


def _version(package: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _documents(predictions: Any, references: Any) -> tuple[list[str], list[list[str]]]:
    """The predictions and each one's references, checked: a bad item is named by its
    argument and index."""
    from sumbench.errors import InputError

    def bad(where: str, problem: str, fix: str) -> InputError:
        return InputError("score()", f"{where} {problem}", fix)

    def kind(value: object) -> str:
        name = type(value).__name__
        return {"NoneType": "None", "bytes": "bytes"}.get(name, f"a {name}")

    if isinstance(predictions, str | bytes) or isinstance(references, str | bytes):
        raise TypeError("predictions and references are sequences, one item per document")
    preds, refs = list(predictions), list(references)
    if len(preds) != len(refs):
        raise bad("references", f"has {len(refs)} item(s) for {len(preds)} prediction(s)",
                  "give one reference string, or a list of them, per prediction")
    for i, p in enumerate(preds):
        if not isinstance(p, str):
            raise bad(f"predictions[{i}]", f"is {kind(p)}, not a string",
                      "decode bytes to str; an empty summary is ''" if isinstance(
                          p, bytes) else "an empty summary is ''")
    out = []
    for i, r in enumerate(refs):
        if isinstance(r, str):
            out.append([r])
            continue
        if isinstance(r, bytes) or not isinstance(r, Sequence):
            raise bad(f"references[{i}]", f"is {kind(r)}, not a string or a list of strings",
                      "decode bytes to str" if isinstance(r, bytes) else
                      "give a reference string or a list of them")
        if not r:
            raise bad(f"references[{i}]", "is empty", "give at least one reference string")
        for j, one in enumerate(r):
            if not isinstance(one, str):
                raise bad(f"references[{i}][{j}]", f"is {kind(one)}, not a string",
                          "decode bytes to str" if isinstance(one, bytes)
                          else "give reference strings")
        out.append(list(r))
    return preds, out


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
