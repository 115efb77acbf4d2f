"""ROUGE, wrapped: the only module that imports ``rouge_score``.

rouge-score (google-research) is the reference for every number. The fast path,
``rouge_score_rs`` (a Rust re-implementation that claims identical scores), is used
for large batches, and on every call a seeded sample of its documents is re-scored
with rouge-score; any difference raises ``ScoringMismatchError``.

Traps handled here on purpose:
- ROUGE-Lsum splits sentences on newlines only. Text that already has line breaks is
  taken as split; other text is split with pysbd (rule-based, offline). References and
  predictions follow the same rule.
- rouge-score's default tokenizer keeps only ``[a-z0-9]``: text in other scripts
  scores 0 silently. ``coverage_warnings`` names such documents and
  ``tokenizer="unicode"`` keeps letters of every script.
- Multi-reference policy is explicit: ``max`` (rouge-score's ``score_multi``: per ROUGE
  type, the reference with the best F1) or ``mean`` (the mean of each of P, R and F1
  over the references).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from sumbench import defaults
from sumbench.errors import (
    ScoringMismatchError,
    SettingError,
    SumbenchError,
    check_choice,
    setting,
)
from sumbench.records import Score
from sumbench.text import SPLITTER, sentence_lines

ROUGE_TYPES = defaults.ROUGE_TYPES
STATISTICS = defaults.STATISTICS
Tokenizer = Literal["default", "unicode"]
Policy = Literal["max", "mean"]
Engine = Literal["auto", "fast", "reference"]


@dataclass(frozen=True)
class RougeSpec:
    """Everything that decides a ROUGE number; two runs compare only if these match."""

    rouge_types: tuple[str, ...] = ROUGE_TYPES
    use_stemmer: bool = True
    tokenizer: Tokenizer = "default"
    multi_reference: Policy = "max"
    splitter: str = SPLITTER
    implementation: str = "rouge-score"  # or "rouge155": ROUGE-1.5.5 (rouge155.py)
    rouge155_flags: str = ""  # the Perl flags, in rouge155 mode; they decide the types

    def __post_init__(self) -> None:
        check_choice("rouge_impl", self.implementation, defaults.ROUGE_IMPLEMENTATIONS)
        if self.implementation == "rouge155":
            from sumbench import rouge155

            flags = rouge155.parse_flags(self.rouge155_flags or rouge155.DEFAULT_FLAGS)
            object.__setattr__(self, "rouge155_flags", self.rouge155_flags
                               or rouge155.DEFAULT_FLAGS)
            object.__setattr__(self, "rouge_types", tuple(
                rouge155.type_name(m) for m in flags.methods))
            return
        if self.rouge155_flags:
            raise SettingError("rouge155_flags", "is only for --rouge-impl rouge155")
        bad = [t for t in self.rouge_types if t not in ROUGE_TYPES]
        if bad or not self.rouge_types:
            raise SettingError("rouge_types", f"has unknown type(s) {bad}; choose from "
                               f"{', '.join(ROUGE_TYPES)}")
        check_choice("tokenizer", self.tokenizer, defaults.TOKENIZERS)
        check_choice("multi_reference", self.multi_reference, defaults.MULTI_REFERENCE)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["rouge_types"] = list(self.rouge_types)
        if self.implementation == "rouge155":
            from sumbench import rouge155

            flags = rouge155.parse_flags(self.rouge155_flags)
            d.update(use_stemmer=flags.stem, tokenizer="rouge155",
                     multi_reference=f"f-{flags.formula}",
                     perl_command=flags.command(),
                     tokenizer_detail="ROUGE-1.5.5: ASCII lowercase, [A-Za-z0-9-] only, "
                     "tokens starting [a-z0-9$]" + (", its Porter stemmer and WordNet "
                                                   "exceptions on tokens longer than 3"
                                                   if flags.stem else ""))
            return d
        d.pop("rouge155_flags")
        d["tokenizer_detail"] = (
            "rouge-score DefaultTokenizer: lowercase, [a-z0-9] only"
            + (", Porter stemmer on tokens longer than 3" if self.use_stemmer else "")
            if self.tokenizer == "default"
            else "Unicode word segmentation (UAX #29), NFKC + case folding, no stemming"
        )
        return d


def _tokenizer_object(spec: RougeSpec) -> Any:
    if spec.tokenizer == "unicode":
        from rouge_score_rs.tokenizers import UnicodeTokenizer

        return UnicodeTokenizer()
    return None  # rouge-score's DefaultTokenizer (honours use_stemmer)


@functools.lru_cache(maxsize=8)
def _reference_scorer(spec: RougeSpec) -> Any:
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(list(spec.rouge_types), use_stemmer=spec.use_stemmer,
                                    tokenizer=_tokenizer_object(spec))


@functools.lru_cache(maxsize=8)
def _fast_scorer(spec: RougeSpec) -> Any | None:
    try:
        from rouge_score_rs import rouge_scorer
    except ImportError:
        return None
    return rouge_scorer.RougeScorer(list(spec.rouge_types), use_stemmer=spec.use_stemmer,
                                    tokenizer=_tokenizer_object(spec))


def _convert(raw: Any) -> Score:
    return Score(float(raw.precision), float(raw.recall), float(raw.fmeasure))


def _apply_policy(per_reference: Sequence[dict[str, Any]], spec: RougeSpec) -> dict[str, Score]:
    """Combine one prediction's scores against each reference, by the spec's policy."""
    result = {}
    for rouge_type in spec.rouge_types:
        scores = [_convert(s[rouge_type]) for s in per_reference]
        if spec.multi_reference == "max":
            # First best F1, like rouge-score's score_multi (np.argmax).
            result[rouge_type] = max(scores, key=lambda s: s.fmeasure)
        else:
            n = len(scores)
            result[rouge_type] = Score(sum(s.precision for s in scores) / n,
                                       sum(s.recall for s in scores) / n,
                                       sum(s.fmeasure for s in scores) / n)
    return result


def score(*, references: Sequence[str], prediction: str, spec: RougeSpec) -> dict[str, Score]:
    """Score one prediction with rouge-score itself (the reference path).

    Keyword-only on purpose: swapping references and prediction swaps precision and
    recall and leaves F1 unchanged, so the bug would hide.
    """
    if isinstance(references, str) or not references:
        raise ValueError("references must be a non-empty sequence of strings")
    scorer = _reference_scorer(spec)
    targets = [sentence_lines(r) for r in references]
    pred = sentence_lines(prediction)
    return _apply_policy([scorer.score(t, pred) for t in targets], spec)


def score_batch(*, references: Sequence[Sequence[str]], predictions: Sequence[str],
                spec: RougeSpec, engine: Engine = "auto", check_sample: int = 64,
                seed: int = 0) -> list[dict[str, Score]]:
    """Score many documents; same order out as in.

    ``engine="auto"`` uses the fast path when it is installed and re-scores
    ``check_sample`` (reference, prediction) pairs, a seeded choice, with rouge-score,
    failing loudly on any difference; ``"reference"`` uses rouge-score for everything.
    """
    if len(references) != len(predictions):
        raise ValueError(f"{len(references)} reference sets but {len(predictions)} predictions")
    if spec.implementation == "rouge155":
        from sumbench import rouge155

        return rouge155.score_run(references=references, predictions=predictions,
                                  flags=spec.rouge155_flags)
    targets = [[sentence_lines(r) for r in refs] for refs in references]
    preds = [sentence_lines(p) for p in predictions]
    fast = _fast_scorer(spec) if engine != "reference" else None
    if fast is None:
        if engine == "fast":
            raise SumbenchError("the fast ROUGE engine (rouge-score-rs) is not installed")
        scorer = _reference_scorer(spec)
        return [_apply_policy([scorer.score(t, p) for t in ts], spec)
                for ts, p in zip(targets, preds, strict=True)]

    flat_targets = [t for ts in targets for t in ts]
    flat_preds = [p for ts, p in zip(targets, preds, strict=True) for _ in ts]
    flat = fast.score_batch(flat_targets, flat_preds)
    _verify_sample(flat, flat_targets, flat_preds, spec, check_sample, seed)
    results, start = [], 0
    for ts in targets:
        results.append(_apply_policy(flat[start:start + len(ts)], spec))
        start += len(ts)
    return results


def _verify_sample(flat: Sequence[dict[str, Any]], targets: Sequence[str],
                   preds: Sequence[str], spec: RougeSpec, sample: int, seed: int) -> None:
    """Re-score a seeded sample of (reference, prediction) pairs with rouge-score.

    Any difference at all is an error. The multi-reference policy on top is our own
    code, pinned by its own tests.
    """
    if sample <= 0:
        return
    indices = range(len(preds))
    chosen = indices if len(preds) <= sample else random.Random(seed).sample(indices, sample)
    scorer = _reference_scorer(spec)
    for i in chosen:
        expected = scorer.score(targets[i], preds[i])
        got = {t: _convert(flat[i][t]) for t in spec.rouge_types}
        if got != {t: _convert(expected[t]) for t in spec.rouge_types}:
            raise ScoringMismatchError(
                f"fast ROUGE differs from rouge-score on pair #{i} (prediction "
                f"{preds[i][:60]!r}): {got} != {expected}; rerun with "
                f"{setting('rouge_engine')} reference and report this bug")


def default_tokens(text: str) -> int:
    from rouge_score_rs.tokenizers import DefaultTokenizer

    return len(DefaultTokenizer(False).tokenize(text))


def unicode_tokens(text: str) -> int:
    from rouge_score_rs.tokenizers import UnicodeTokenizer

    return len(UnicodeTokenizer().tokenize(text))


def low_coverage(text: str, threshold: float = 0.5) -> bool:
    """True when the default tokenizer keeps under ``threshold`` of the words in ``text``.

    That happens with non-Latin scripts: rouge-score's tokenizer drops every letter
    outside a-z, so such text scores near 0 whatever its quality.
    """
    words = unicode_tokens(text)
    return words > 0 and default_tokens(text) < threshold * words


def coverage_warnings(ids: Sequence[str], references: Sequence[Sequence[str]],
                      predictions: Sequence[str], spec: RougeSpec) -> list[str]:
    """Name the documents whose text the default tokenizer mostly throws away."""
    if spec.tokenizer != "default":
        return []
    bad = [doc_id for doc_id, refs, pred in zip(ids, references, predictions, strict=True)
           if any(low_coverage(r) for r in refs) or low_coverage(pred)]
    if not bad:
        return []
    shown = ", ".join(repr(b) for b in bad[:10]) + (" ..." if len(bad) > 10 else "")
    return [f"{len(bad)} document(s) are mostly non-ASCII words that rouge-score's default "
            f"tokenizer drops, so they score near 0: {shown}. Use --tokenizer unicode."]
