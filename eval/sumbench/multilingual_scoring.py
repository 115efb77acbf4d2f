"""ROUGE with ``--lang``: sentences for ROUGE-Lsum, tokens by ``multilingual.Tokenizer``
(XL-Sum's scorer's), and the ROUGE arithmetic on those tokens: rouge-score-rs's native
scorer, with a seeded sample re-scored by rouge-score's own functions (the same code as
XL-Sum's scorer's), any difference an error, as on the English path (``scoring.py``).

Sentences for ROUGE-Lsum, by ``--split``: text with line breaks is taken line by line
(the scorer's own rule, and what its published numbers assume); text without is split by
pysbd's rules for the language where pysbd has them (``PYSBD``), and is otherwise one
sentence, as it is to the scorer; ``--split pysbd`` is refused for those languages.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from sumbench import multilingual, stats
from sumbench.defaults import Engine
from sumbench.errors import ScoringMismatchError, SettingError, SumbenchError, setting
from sumbench.records import Score

if TYPE_CHECKING:
    from concurrent.futures import Executor

class RougeSpec(Protocol):
    """What this module reads of a ``scoring.RougeSpec`` (a Protocol, so that this
    module, which scoring.py calls, does not import it back)."""

    lang: str
    split: str
    use_stemmer: bool
    rouge_types: tuple[str, ...]

# pysbd 0.3's languages (pysbd.languages.LANGUAGE_CODES)
PYSBD = frozenset("en hi mr zh es am ar hy bg ur ru pl fa nl da fr my el it ja de kk sk"
                  .split())
Document = tuple[list[str], list[list[str]]]  # tokens, and each sentence's tokens
_MEMO_MAX = 65536


def splitter(code: str, split: str) -> str:
    """How ROUGE-Lsum's sentences are found for this language (the spec records it; its
    first word is the signature's ``split`` label in ``auto`` mode)."""
    from sumbench.text import SPLITTERS

    if code == "en" or split == "newline":
        return SPLITTERS[split]
    if code not in PYSBD:
        if split == "pysbd":
            raise SettingError("split", f"pysbd has no sentence rules for {code}: use "
                               "--split auto or newline (a line is a sentence)")
        return (f"newline (pysbd has no rules for {code}: a text without line breaks is one "
                "sentence, as to XL-Sum's scorer)")
    where = "where the text has no line breaks" if split == "auto" else "on every line"
    return f"pysbd-0.3-{code} ({code}, clean=False) {where}"


_LINES: dict[tuple[str, str, str], str] = {}


def sentence_lines(text: str, code: str, split: str) -> str:
    """One sentence per line, by the ``split`` rule for this language."""
    from sumbench import text as english

    if code == "en":
        return english.sentence_lines(text, split)
    key = (code, split, text)
    found = _LINES.get(key)
    if found is None:
        lines = english._lines(text)
        if code in PYSBD and split == "pysbd":
            lines = "\n".join(s for line in lines.split("\n") for s in _segment(line, code))
        elif code in PYSBD and split == "auto" and "\n" not in lines:
            lines = "\n".join(_segment(lines, code))
        if len(_LINES) >= _MEMO_MAX:
            _LINES.clear()
        found = _LINES[key] = lines
    return found


@functools.lru_cache(maxsize=32)
def _segmenter(code: str) -> Any:
    import pysbd

    return pysbd.Segmenter(language=code, clean=False)


def _segment(text: str, code: str) -> list[str]:
    """pysbd's sentences, or the text as one sentence where they lose a character."""
    if not text.strip():
        return []
    sentences = [s.strip() for s in _segmenter(code).segment(text) if s.strip()]
    if "".join(text.split()) != "".join("".join(s.split()) for s in sentences):
        return [text.strip()]
    return sentences


class Documents:
    """Each distinct text tokenized once (a reference is scored against every system)."""

    def __init__(self, spec: RougeSpec) -> None:
        self.spec = spec
        self.tokenizer = multilingual.Tokenizer(spec.lang, spec.use_stemmer)
        self.lsum = "rougeLsum" in spec.rouge_types
        self.others = any(t != "rougeLsum" for t in spec.rouge_types)
        self.memo: dict[str, Document] = {}

    def __call__(self, text: str) -> Document:
        lines = sentence_lines(text, self.spec.lang, self.spec.split)
        found = self.memo.get(lines)
        if found is None:
            found = self.memo[lines] = (
                self.tokenizer.tokens(lines) if self.others else [],
                self.tokenizer.sentences(lines) if self.lsum else [])
        return found


def reference_scores(rouge_types: Sequence[str], pairs: Sequence[tuple[Document, Document]]
                     ) -> list[dict[str, Score]]:
    """rouge-score's own arithmetic (``RougeScorer.score``'s body) on tokenized
    (target, prediction) pairs: what XL-Sum's scorer computes on the same tokens."""
    from rouge_score import rouge_scorer as rs

    out = []
    for (target, target_sents), (pred, pred_sents) in pairs:
        scores = {}
        for rouge_type in rouge_types:
            if rouge_type == "rougeL":
                raw = rs._score_lcs(target, pred)
            elif rouge_type == "rougeLsum":
                raw = rs._summary_level_lcs(target_sents, pred_sents)
            else:
                n = int(rouge_type[5:])
                raw = rs._score_ngrams(rs._create_ngrams(target, n), rs._create_ngrams(pred, n))
            scores[rouge_type] = Score(float(raw.precision), float(raw.recall),
                                       float(raw.fmeasure))
        out.append(scores)
    return out


def _fast_scorer(rouge_types: Sequence[str]) -> Any | None:
    try:
        from rouge_score_rs import _rougers, scoring
    except ImportError:
        return None
    return _rougers.Scorer(list(rouge_types), False, "rouge-score", scoring.Score)


def score_pairs(spec: RougeSpec, pairs: Sequence[tuple[str, str]], engine: Engine,
                check_sample: int, seed: int, pool: Executor | None
                ) -> tuple[list[dict[str, Score]], Callable[[], None]]:
    """(reference, prediction) texts to scores, and the function that confirms the
    sampled cross-check (see ``scoring.score_batch_then_check``)."""
    documents = Documents(spec)
    tokenized = [(documents(ref), documents(pred)) for ref, pred in pairs]
    fast = _fast_scorer(spec.rouge_types) if engine != "reference" else None
    if fast is None:
        if engine == "fast":
            raise SumbenchError("the fast ROUGE engine (rouge-score-rs) is not installed")
        return reference_scores(spec.rouge_types, tokenized), _nothing
    chosen = stats.seeded_sample(len(tokenized), check_sample, seed)
    sample = [tokenized[i] for i in chosen]
    checked = (pool.submit(reference_scores, spec.rouge_types, sample)
               if pool is not None and sample else None)
    flat = [{t: Score(float(s.precision), float(s.recall), float(s.fmeasure))
             for t, s in fast.score_documents(ref[0], ref[1], pred[0], pred[1]).items()}
            for ref, pred in tokenized]

    def confirm() -> None:
        expected = checked.result() if checked else reference_scores(spec.rouge_types, sample)
        for i, want in zip(chosen, expected, strict=True):
            if flat[i] != want:
                raise ScoringMismatchError(
                    f"fast ROUGE differs from rouge-score on pair #{i} (prediction "
                    f"{pairs[i][1][:60]!r}, --lang {spec.lang}): {flat[i]} != {want}; rerun "
                    f"with {setting('rouge_engine')} reference and report this bug")

    return flat, confirm


def _nothing() -> None:
    """No fast path was used: nothing to cross-check."""
