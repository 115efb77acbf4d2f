"""ROUGE, wrapped: the only module that imports ``rouge_score``.

rouge-score (google-research) is the reference for every number. The fast path,
``rouge_score_rs`` (a Rust re-implementation that claims identical scores), is used
for large batches, and on every call a seeded sample of its documents is re-scored
with rouge-score; any difference raises ``ScoringMismatchError``.

Traps handled here on purpose:
- ROUGE-Lsum splits sentences on newlines only. By default (``split="auto"``) text that
  already has line breaks is taken as split and other text is split with pysbd
  (rule-based, offline); ``newline`` never re-splits (rouge-score's and HF evaluate's
  numbers), ``pysbd`` splits every line. References and predictions follow the same rule.
- rouge-score's default tokenizer keeps only ``[a-z0-9]``: text in other scripts
  scores 0 silently. ``coverage_warnings`` names such documents and the ``lang`` to give;
  ``lang`` scores as XL-Sum's multilingual scorer does (``multilingual.py``), and
  ``tokenizer="unicode"`` keeps letters of every script.
- Multi-reference policy is explicit: ``max`` (rouge-score's ``score_multi``: per ROUGE
  type, the reference with the best F1) or ``mean`` (the mean of each of P, R and F1
  over the references).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any, Literal

from sumbench import defaults, stats
from sumbench.errors import (
    ScoringMismatchError,
    SettingError,
    SumbenchError,
    check_choice,
    setting,
)
from sumbench.records import Score
from sumbench.text import SPLITTER, SPLITTERS, sentence_lines, sentence_lines_many

if TYPE_CHECKING:
    from concurrent.futures import Executor

ROUGE_TYPES = defaults.ROUGE_TYPES
ROUGE_TYPE_CHOICES = defaults.ROUGE_TYPE_CHOICES
STATISTICS = defaults.STATISTICS
Tokenizer = Literal["default", "unicode"]
Policy = Literal["max", "mean"]
Engine = defaults.Engine


@dataclass(frozen=True)
class RougeSpec:
    """Everything that decides a ROUGE number; two runs compare only if these match."""

    rouge_types: tuple[str, ...] = ROUGE_TYPES
    use_stemmer: bool = True
    tokenizer: Tokenizer = "default"
    multi_reference: Policy = "max"
    splitter: str = SPLITTER  # the split mode's description (text.SPLITTERS), set from it
    implementation: str = "rouge-score"  # or "rouge155": ROUGE-1.5.5 (rouge155/)
    rouge155_flags: str = ""  # the Perl flags, in rouge155 mode; they decide the types
    split: str = "auto"  # Lsum's sentences: auto, newline or pysbd (defaults.SPLIT_MODES)
    lang: str = ""  # XL-Sum's scorer for this language (multilingual.py); "": rouge-score's

    def __post_init__(self) -> None:
        check_choice("rouge_impl", self.implementation, defaults.ROUGE_IMPLEMENTATIONS)
        check_choice("split", self.split, defaults.SPLIT_MODES)
        if self.implementation == "rouge155" and self.split == "auto":
            # the Perl script takes each line as a sentence: auto means its own rule
            object.__setattr__(self, "split", "newline")
        object.__setattr__(self, "splitter", SPLITTERS[self.split])
        if self.lang:
            self._check_lang()
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
        bad = [t for t in self.rouge_types if t not in ROUGE_TYPE_CHOICES]
        if bad or not self.rouge_types:
            raise SettingError("rouge_types", f"has unknown type(s) {bad}; choose from "
                               "rouge1 to rouge9, rougeL, rougeLsum")
        check_choice("tokenizer", self.tokenizer, defaults.TOKENIZERS)
        check_choice("multi_reference", self.multi_reference, defaults.MULTI_REFERENCE)

    def _check_lang(self) -> None:
        """``lang`` names a language of XL-Sum's scorer, which has its own tokenizer and
        sentence rule; no download or package is needed to build the spec."""
        from sumbench import multilingual, multilingual_scoring

        if self.implementation != "rouge-score":
            raise SettingError("lang", "is for rouge-score's arithmetic, not --rouge-impl "
                               f"{self.implementation}")
        if self.tokenizer != "default":
            raise SettingError("tokenizer", f"is {self.tokenizer!r}, but --lang brings XL-Sum's "
                               "tokenizer for its language: give one of them")
        code = multilingual.canonical(self.lang)
        object.__setattr__(self, "lang", code)
        object.__setattr__(self, "splitter", multilingual_scoring.splitter(code, self.split))

    def lines(self, text: str) -> str:
        """One sentence per line, as ROUGE-Lsum reads the text under this spec."""
        if self.lang:
            from sumbench import multilingual_scoring

            return multilingual_scoring.sentence_lines(text, self.lang, self.split)
        return sentence_lines(text, self.split)

    @classmethod
    def from_dict(cls, recorded: Mapping[str, Any]) -> RougeSpec:
        """The settings as results.json records them (``as_dict``): ROUGE-1.5.5's flags
        decide the rest of its settings."""
        names = {f.name for f in fields(cls)}
        values = {k: (tuple(v) if k == "rouge_types" else v)
                  for k, v in recorded.items() if k in names}
        if values.get("implementation") == "rouge155":
            values = {k: values[k] for k in ("implementation", "rouge155_flags", "split")
                      if k in values}
        if values.get("lang"):  # "tokenizer" holds the language's label (xlsum-CODE)
            values.pop("tokenizer", None)
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["rouge_types"] = list(self.rouge_types)
        if self.lang:
            from sumbench import multilingual

            d.pop("rouge155_flags")
            d.update(multilingual.describe(self.lang, self.use_stemmer))
            return d
        d.pop("lang")
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
        if spec.multi_reference == "max":
            # First best F1, like rouge-score's score_multi (np.argmax).
            best = max(per_reference, key=lambda s: float(s[rouge_type].fmeasure))
            result[rouge_type] = _convert(best[rouge_type])
        else:
            scores = [_convert(s[rouge_type]) for s in per_reference]
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
    if spec.lang:
        from sumbench import multilingual_scoring

        scores, _ = multilingual_scoring.score_pairs(
            spec, [(r, prediction) for r in references], "reference", 0, 0, None)
        return _apply_policy(scores, spec)
    scorer = _reference_scorer(spec)
    targets = [sentence_lines(r, spec.split) for r in references]
    pred = sentence_lines(prediction, spec.split)
    return _apply_policy([scorer.score(t, pred) for t in targets], spec)


def score_batch(*, references: Sequence[Sequence[str]], predictions: Sequence[str],
                spec: RougeSpec, engine: Engine = "auto", check_sample: int = 64,
                seed: int = 0, pool: Executor | None = None) -> list[dict[str, Score]]:
    """Score many documents; same order out as in.

    ``engine="auto"`` uses the fast path when it is installed and re-scores
    ``check_sample`` (reference, prediction) pairs, a seeded choice, with rouge-score,
    failing loudly on any difference; ``"reference"`` uses rouge-score for everything.
    With a ``pool`` of helper processes (``workers.py``), they share the sentence
    splitting and run the check.
    """
    scores, confirm = score_batch_then_check(
        references=references, predictions=predictions, spec=spec, engine=engine,
        check_sample=check_sample, seed=seed, pool=pool)
    confirm()
    return scores


def score_batch_then_check(*, references: Sequence[Sequence[str]],
                           predictions: Sequence[str], spec: RougeSpec,
                           engine: Engine = "auto", check_sample: int = 64, seed: int = 0,
                           pool: Executor | None = None
                           ) -> tuple[list[dict[str, Score]], Callable[[], None]]:
    """``score_batch``, with the rouge-score check left running in ``pool`` so the
    caller can go on (diagnostics, aggregates) on this core meanwhile. The returned
    function waits for the check and raises ``ScoringMismatchError`` on any
    difference: call it before anything is written."""
    if len(references) != len(predictions):
        raise ValueError(f"{len(references)} reference sets but {len(predictions)} predictions")
    if spec.implementation == "rouge155":
        from sumbench import rouge155

        return rouge155.score_run(references=references, predictions=predictions,
                                  flags=spec.rouge155_flags, split=spec.split
                                  ), _nothing_to_check
    if spec.lang:
        return _score_language(references, predictions, spec, engine, check_sample, seed, pool)
    fast = _fast_scorer(spec) if engine != "reference" else None
    if fast is None:
        if engine == "fast":
            raise SumbenchError("the fast ROUGE engine (rouge-score-rs) is not installed")
        scorer = _reference_scorer(spec)
        targets = [[sentence_lines(r, spec.split) for r in refs] for refs in references]
        return [_apply_policy([scorer.score(t, sentence_lines(p, spec.split)) for t in ts],
                              spec)
                for ts, p in zip(targets, predictions, strict=True)], _nothing_to_check

    raw_targets = [r for refs in references for r in refs]
    raw_preds = [p for refs, p in zip(references, predictions, strict=True) for _ in refs]
    split = sentence_lines_many(raw_targets + raw_preds, pool, spec.split)
    flat_targets, flat_preds = split[:len(raw_targets)], split[len(raw_targets):]
    chosen = stats.seeded_sample(len(raw_preds), check_sample, seed)
    pairs = [(flat_targets[i], flat_preds[i]) for i in chosen]
    # submitted after the splitting, so the helpers split first and check while this
    # process scores and aggregates
    checked = pool.submit(reference_scores, spec, pairs) if pool and pairs else None
    flat = fast.score_batch(flat_targets, flat_preds)

    def confirm() -> None:
        expected = checked.result() if checked else reference_scores(spec, pairs)
        _compare_sample(flat, chosen, expected, flat_preds, spec)

    results, start = [], 0
    for refs in references:
        results.append(_apply_policy(flat[start:start + len(refs)], spec))
        start += len(refs)
    return results, confirm


def _score_language(references: Sequence[Sequence[str]], predictions: Sequence[str],
                    spec: RougeSpec, engine: Engine, check_sample: int, seed: int,
                    pool: Executor | None
                    ) -> tuple[list[dict[str, Score]], Callable[[], None]]:
    """``--lang``: XL-Sum's scorer's tokens (multilingual_scoring.py), this module's
    multi-reference policy."""
    from sumbench import multilingual_scoring

    pairs = [(r, p) for refs, p in zip(references, predictions, strict=True) for r in refs]
    flat, confirm = multilingual_scoring.score_pairs(spec, pairs, engine, check_sample, seed,
                                                     pool)
    results, start = [], 0
    for refs in references:
        results.append(_apply_policy(flat[start:start + len(refs)], spec))
        start += len(refs)
    return results, confirm


def _nothing_to_check() -> None:
    """No fast path was used, so there is nothing to cross-check."""


def reference_scores(spec: RougeSpec, pairs: Sequence[tuple[str, str]]
                     ) -> list[dict[str, Score]]:
    """rouge-score on (reference, prediction) pairs, one sentence per line already:
    the cross-check, run in a helper process while this one goes on."""
    if not pairs:
        return []
    scorer = _reference_scorer(spec)
    return [{t: _convert(s[t]) for t in spec.rouge_types}
            for s in (scorer.score(ref, pred) for ref, pred in pairs)]


def _compare_sample(flat: Sequence[dict[str, Any]], chosen: Sequence[int],
                    expected: Sequence[dict[str, Score]], preds: Sequence[str],
                    spec: RougeSpec) -> None:
    """Any difference at all between the fast path and rouge-score is an error. The
    multi-reference policy on top is our own code, pinned by its own tests."""
    for i, want in zip(chosen, expected, strict=True):
        got = {t: _convert(flat[i][t]) for t in spec.rouge_types}
        if got != want:
            raise ScoringMismatchError(
                f"fast ROUGE differs from rouge-score on pair #{i} (prediction "
                f"{preds[i][:60]!r}): {got} != {want}; rerun with "
                f"{setting('rouge_engine')} reference and report this bug")


def default_tokens(text: str) -> int:
    from rouge_score_rs.tokenizers import DefaultTokenizer

    return len(DefaultTokenizer(False).tokenize(text))


def unicode_tokens(text: str) -> int:
    from rouge_score_rs.tokenizers import UnicodeTokenizer

    return len(UnicodeTokenizer().tokenize(text))


@functools.lru_cache(maxsize=65536)
def low_coverage(text: str, threshold: float = 0.5) -> bool:
    """True when the default tokenizer keeps under ``threshold`` of the words in ``text``.

    That happens with non-Latin scripts: rouge-score's tokenizer drops every letter
    outside a-z, so such text scores near 0 whatever its quality. Memoised: each
    reference is checked once, not once per system that summarised its article.
    """
    words = unicode_tokens(text)
    return words > 0 and default_tokens(text) < threshold * words


def coverage_warnings(ids: Sequence[str], references: Sequence[Sequence[str]],
                      predictions: Sequence[str], spec: RougeSpec) -> list[str]:
    """Name the documents whose text the default tokenizer mostly throws away, and the
    ``--lang`` their script suggests."""
    if spec.tokenizer != "default" or spec.lang or spec.implementation != "rouge-score":
        return []
    bad = [doc_id for doc_id, refs, pred in zip(ids, references, predictions, strict=True)
           if any(low_coverage(r) for r in refs) or low_coverage(pred)]
    if not bad:
        return []
    from sumbench.multilingual import suggest_lang

    shown = ", ".join(repr(b) for b in bad[:10]) + (" ..." if len(bad) > 10 else "")
    flagged = set(bad)
    texts = [t for doc_id, refs, pred in zip(ids, references, predictions, strict=True)
             if doc_id in flagged for t in (*refs, pred)]
    return [f"{len(bad)} document(s) are mostly non-ASCII words that rouge-score's default "
            f"tokenizer drops, so they score near 0: {shown}. {suggest_lang(texts)}"]
