"""Per-document scores as the script computes them: ROUGE-N, the union LCS of ROUGE-L and
ROUGE-W, skip bigrams, the -f A/B pooling and the 5-decimal rounding."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from sumbench.rouge155.flags import Flags
from sumbench.rouge155.text import Lexicon, read_text, read_text_lcs, sentences


def five_decimals(value: float) -> str:
    """Perl's sprintf("%7.5f"): C's correctly rounded conversion, as Python's."""
    return f"{value:7.5f}"


def _prf(hit: float, model_count: float, peer_count: float, alpha: float,
         weight: float | None = None) -> tuple[str, str, str]:
    """R and P rounded to 5 decimals, F from the rounded values, then rounded. ROUGE-W
    (``weight``) takes the w-th root of each ratio first."""
    def ratio(count: float) -> str:
        if count == 0:
            return five_decimals(0)
        value = hit / count
        return five_decimals(value if weight is None else value ** (1 / weight))

    r, p = ratio(model_count), ratio(peer_count)
    rn, pn = float(r), float(p)
    den = (1 - alpha) * pn + alpha * rn
    f = five_decimals((pn * rn) / den) if den > 0 else five_decimals(0)
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
