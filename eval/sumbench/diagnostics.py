"""What each summary is, beyond its overlap with a reference: length, how much it copies
and how (Grusky et al. 2018 fragments), novel and repeated n-grams, numbers and names
the article does not support, and flags for the failures ROUGE cannot see.

Every measure reads the same tokens: the lowercased text split into words and
punctuation marks, ``re.findall(r"\\w+|[^\\w\\s]", text.lower())``. A measure that is
undefined for a summary (compression of an empty one, 4-grams of a 3-token one) is
None and is left out of its mean.

- length: summary tokens and sentences (as ROUGE-Lsum splits them); compression =
  article tokens / summary tokens.
- lead copy: the summary's tokens are the article's first tokens up to a sentence end
  (. ! or ? or a line break), as lead-k writes it.
- fragments (Newsroom; the algorithm SummEval and HELM use): scan the summary from
  i = 0; at each i, scan the article for the longest run of tokens equal to the
  summary's from i (the first longest wins; after a run the article scan jumps past
  it); record it and advance i by its length, or by 1 when there is none.
  coverage = sum |f| / |S|; density = sum |f|^2 / |S|.
- novel n-grams (n = 1..4): distinct summary n-grams absent from the article, over
  distinct summary n-grams.
- repetition rep-n (seq-rep-n, Welleck et al. 2019): 1 - distinct n-grams / n-grams.
- unsupported numbers and names: numbers (``1,000``, ``1 000`` and ``1000`` are one
  number) and capitalised spans of the summary that the article does not contain; a
  cheap proxy for hallucinated facts (entity precision against the source, Nan et al.
  2021), not a fact checker.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

VERSION = "diag-v1"
TOKEN_PATTERN = r"\w+|[^\w\s]"
_TOKEN = re.compile(TOKEN_PATTERN)
N_MAX = 4

# flag thresholds, recorded in the spec
NEAR_VERBATIM_SHARE = 0.9  # one fragment covers at least this share of the summary ...
NEAR_VERBATIM_MIN_TOKENS = 8  # ... of at least this many tokens
LOOPING_REP4 = 0.3  # rep-4 above this: the summary repeats itself
SENTENCE_END = (".", "!", "?", '"', "'", "”", "’", ")")

FLAGS = ("empty", "cut_at_limit", "lead_copy", "near_verbatim", "looping", "unsupported")
MEASURES = ("summary_tokens", "summary_sentences", "compression", "coverage", "density",
            *(f"novel{n}" for n in range(1, N_MAX + 1)),
            *(f"rep{n}" for n in range(1, N_MAX + 1)), "unsupported_share")

# "1,000", "1 000" (groups of three after one to three digits) and "3.5"
_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:[,\u00a0 ]\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?")
# a run of capitalised words (or all-caps acronyms), joined by single spaces
_WORD = r"[A-Z](?:[\w'’-]|\.(?=\w))*"  # "U.S" keeps its inner dot, never a final one
_NAME = re.compile(rf"\b{_WORD}(?: {_WORD})*")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


@dataclass(frozen=True)
class Diagnostics:
    """One summary's measures and flags, as samples.jsonl holds them."""

    measures: dict[str, float | None]
    flags: tuple[str, ...]
    unsupported_numbers: tuple[str, ...] = ()
    unsupported_names: tuple[str, ...] = ()

    def with_summary_sentences(self, count: int) -> Diagnostics:
        """The same, with the sentence count as ROUGE-Lsum split the summary (known
        only once it is scored; no flag depends on it)."""
        return dataclasses.replace(self, measures={**self.measures,
                                                   "summary_sentences": count})

    def as_dict(self) -> dict[str, Any]:
        return {**self.measures, "flags": list(self.flags),
                "unsupported_numbers": list(self.unsupported_numbers),
                "unsupported_names": list(self.unsupported_names)}


def spec() -> dict[str, Any]:
    """What decides the diagnostics, for results.json."""
    return {"version": VERSION, "tokens": f're.findall(r"{TOKEN_PATTERN}", text.lower())',
            "fragments": "Grusky et al. 2018 greedy fragments (coverage, density)",
            "repetition": "seq-rep-n, Welleck et al. 2019",
            "near_verbatim": {"share": NEAR_VERBATIM_SHARE,
                              "min_tokens": NEAR_VERBATIM_MIN_TOKENS},
            "looping_rep4_above": LOOPING_REP4,
            "cut_at_limit": "finish_reason 'length' and no sentence-final punctuation"}


class Article:
    """What every summary of one article is checked against, computed once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokens(text)
        self.where: dict[str, list[int]] = {}  # token -> its positions, for fragments
        for position, token in enumerate(self.tokens):
            self.where.setdefault(token, []).append(position)
        self.ngrams = [set(ngrams(self.tokens, n)) for n in range(1, N_MAX + 1)]
        self._ends: list[int] | None = None  # character offset after each token
        self.numbers = numbers(text)
        self.lower_words = {w for w in re.findall(r"\w+", text) if w.islower()}
        self.flat = " ".join(text.split())

    def ends_sentence(self, n_tokens: int) -> bool:
        """Whether the article's first ``n_tokens`` tokens end a sentence: the last one
        is . ! or ?, or a line break follows it, or the article ends there."""
        if n_tokens >= len(self.tokens):
            return True
        if self.tokens[n_tokens - 1] in (".", "!", "?"):
            return True
        if self._ends is None:
            self._ends = [m.end() for m in _TOKEN.finditer(self.text.lower())]
        return "\n" in self.text[self._ends[n_tokens - 1]:self._ends[n_tokens]]


def fragments(article: Sequence[str], summary: Sequence[str],
              where: dict[str, list[int]] | None = None) -> list[int]:
    """Lengths of the extractive fragments (Grusky et al. 2018), in summary order.

    Equal to the reference algorithm (tested against it); the article scan visits only
    positions holding the summary's current token, which is what makes it fast.
    """
    if where is None:
        where = {}
        for position, token in enumerate(article):
            where.setdefault(token, []).append(position)
    lengths = []
    i, n_s, n_a = 0, len(summary), len(article)
    while i < n_s:
        best, j = 0, 0
        for start in where.get(summary[i], ()):
            if start < j:
                continue  # inside the run just measured: the scan jumped past it
            a, s = start, i
            while s < n_s and a < n_a and summary[s] == article[a]:
                s += 1
                a += 1
            best = max(best, s - i)
            j = a
        if best:
            lengths.append(best)
        i += max(best, 1)
    return lengths


def ngrams(toks: Sequence[str], n: int) -> list[tuple[str, ...]]:
    """Every run of ``n`` consecutive tokens, in order (zip of shifted copies: the
    same tuples as slicing at each position, 3x faster)."""
    return list(zip(*(toks[k:] for k in range(n)), strict=False))  # shifted: unequal


_GROUPING = str.maketrans("", "", ",\u00a0 ")


def numbers(text: str) -> set[str]:
    """Numbers in the text, digit grouping removed: "1,000" and "1 000" are "1000"."""
    return {m.translate(_GROUPING) for m in _NUMBER.findall(text)}


# sentence-initial words that are never names on their own
COMMON_WORDS = frozenset(
    "a an the this that these those it its he she they we i you his her their our my "
    "in on at of for from to by with after before during while when where if but and or "
    "as so yet there here what who which how why all some many most more no not one two "
    "three new last first".split())


def names(text: str, article_lower_words: set[str]) -> list[str]:
    """Capitalised spans; a sentence's first word is dropped from its span when it is a
    common word or the article uses it in lower case (a capitalised "The" is no name)."""
    found = []
    for match in _NAME.finditer(text):
        span = match.group(0).rstrip(".'’-")
        before = text[:match.start()].rstrip()
        sentence_start = not before or before[-1] in ".!?\n\"“:"
        words = span.split(" ")
        first = words[0].lower()
        if sentence_start and (first in COMMON_WORDS or first in article_lower_words):
            words = words[1:]
        if words and words[0]:
            found.append(" ".join(words))
    return found


def diagnose(article: str | Article, summary: str, *, finish_reason: str | None = None,
             summary_sentences: int | None = None) -> Diagnostics:
    """All measures and flags for one summary of one article."""
    art = article if isinstance(article, Article) else Article(article)
    s_toks = tokens(summary)
    n_s = len(s_toks)
    frags = fragments(art.tokens, s_toks, art.where)
    measures: dict[str, float | None] = {
        "summary_tokens": n_s,
        "summary_sentences": summary_sentences if summary_sentences is not None
        else len([line for line in summary.split("\n") if line.strip()]),
        "compression": round(len(art.tokens) / n_s, 6) if n_s else None,
        "coverage": sum(frags) / n_s if n_s else 0.0,
        "density": sum(f * f for f in frags) / n_s if n_s else 0.0,
    }
    grams = [ngrams(s_toks, n) for n in range(1, N_MAX + 1)]
    for n, (these, known) in enumerate(zip(grams, art.ngrams, strict=True), 1):
        distinct = set(these)
        measures[f"novel{n}"] = len(distinct - known) / len(distinct) if distinct else None
    for n, these in enumerate(grams, 1):
        measures[f"rep{n}"] = 1 - len(set(these)) / len(these) if these else None

    in_summary_numbers = sorted(numbers(summary))
    bad_numbers = tuple(x for x in in_summary_numbers if x not in art.numbers)
    in_summary_names = list(dict.fromkeys(names(summary, art.lower_words)))
    bad_names = tuple(x for x in in_summary_names if x not in art.flat)
    checked = len(in_summary_numbers) + len(in_summary_names)
    measures["unsupported_share"] = ((len(bad_numbers) + len(bad_names)) / checked
                                     if checked else None)

    flags = []
    if not n_s:
        flags.append("empty")
    if finish_reason == "length" and n_s and not summary.rstrip().endswith(SENTENCE_END):
        flags.append("cut_at_limit")
    if n_s and art.tokens[:n_s] == s_toks and art.ends_sentence(n_s):
        flags.append("lead_copy")
    if n_s >= NEAR_VERBATIM_MIN_TOKENS and frags and max(frags) >= NEAR_VERBATIM_SHARE * n_s:
        flags.append("near_verbatim")
    if (measures["rep4"] or 0) > LOOPING_REP4:
        flags.append("looping")
    if bad_numbers or bad_names:
        flags.append("unsupported")
    return Diagnostics(measures, tuple(flags), bad_numbers, bad_names)


def diagnose_all(articles: Sequence[str], summaries: Sequence[str],
                 finish_reasons: Sequence[str | None],
                 sentence_counts: Sequence[int | None] | None = None) -> list[Diagnostics]:
    """Diagnostics for a run; each distinct article is prepared once. Without sentence
    counts, each summary's non-blank lines are counted."""
    prepared: dict[str, Article] = {}
    out = []
    counts = sentence_counts if sentence_counts is not None else [None] * len(summaries)
    for article, summary, finish, n_sentences in zip(articles, summaries, finish_reasons,
                                                      counts, strict=True):
        if article not in prepared:
            prepared[article] = Article(article)
        out.append(diagnose(prepared[article], summary, finish_reason=finish,
                            summary_sentences=n_sentences))
    return out
