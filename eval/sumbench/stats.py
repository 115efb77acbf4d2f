"""Aggregates and tests: exact means, seeded bootstrap intervals, a paired sign-flip test.

rouge-score's BootstrapAggregator reports ``mid`` = the median of an unseeded
resample; we report the exact mean and a percentile interval from a seeded generator,
so the same inputs give the same numbers.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sumbench.defaults import CONFIDENCE, N_PERMUTATIONS, N_RESAMPLES
from sumbench.records import Interval

__all__ = ["CONFIDENCE", "N_PERMUTATIONS", "N_RESAMPLES", "PairedResult", "mean_interval",
           "mean_intervals", "paired_test", "paired_tests"]


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def mean_interval(values: Sequence[float], *, seed: int = 0, confidence: float = CONFIDENCE,
                  n_resamples: int = N_RESAMPLES) -> Interval:
    """Exact mean plus a percentile bootstrap interval (scipy, seeded)."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        raise ValueError("no values to aggregate")
    mean = float(data.mean())
    if data.size < 2 or np.all(data == data[0]):
        return Interval(mean, mean, mean)
    from scipy import stats

    res = stats.bootstrap((data,), np.mean, confidence_level=confidence, n_resamples=n_resamples,
                          method="percentile", vectorized=True, rng=_rng(seed))
    low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
    return Interval(mean, min(low, mean), max(high, mean))


def mean_intervals(columns: Mapping[Any, Sequence[float]], *, seed: int = 0,
                   confidence: float = CONFIDENCE, n_resamples: int = N_RESAMPLES
                   ) -> dict[Any, Interval]:
    """``mean_interval`` of many columns at once, with the same results to the last bit
    (tested).

    Each ``mean_interval`` call seeds a fresh generator, so every column of the same
    length is resampled with the same indices: they are drawn once per length. The
    resampled means of all those columns are one matrix product (how often each document
    was drawn, times the values); only the few means next to the interval's two
    quantiles, where the product's rounding could change the order, are computed again
    as scipy computes them. 396 intervals on 1,000 documents (``history`` over 100 runs):
    see bench/README.md.
    """
    out: dict[Any, Interval] = {}
    by_length: dict[int, list[tuple[Any, np.ndarray]]] = {}
    alpha = (1 - confidence) / 2
    for name, values in columns.items():
        data = np.asarray(values, dtype=float)
        if data.size < 2 or np.all(data == data[0]):
            out[name] = mean_interval(data, seed=seed, confidence=confidence,
                                      n_resamples=n_resamples)
        else:
            by_length.setdefault(data.size, []).append((name, data))
    for n, items in by_length.items():
        # scipy's draw: rng_integers(rng, 0, n, (n_resamples, n))
        indices = _rng(seed).integers(0, n, size=(n_resamples, n), dtype=np.int64)
        approx = _resampled_means(np.stack([data for _, data in items], axis=1), indices)
        for k, (name, data) in enumerate(items):
            low, high = (float(x) for x in _exact_quantiles(data, indices, approx[:, k],
                                                            [alpha, 1 - alpha]))
            mean = float(data.mean())
            out[name] = Interval(mean, min(low, mean), max(high, mean))
    return {name: out[name] for name in columns}


def _resampled_means(matrix: np.ndarray, indices: np.ndarray, rows: int = 256) -> np.ndarray:
    """The mean of each resample (a row of ``indices``) of each column of ``matrix``, as
    (how often each value was drawn) @ values / n: equal to scipy's
    ``np.mean(data[indices], axis=-1)`` but for rounding, a block of resamples at a time."""
    n = indices.shape[1]
    out = np.empty((indices.shape[0], matrix.shape[1]))
    for start in range(0, indices.shape[0], rows):
        block = indices[start:start + rows]
        offsets = (np.arange(block.shape[0]) * n)[:, None]
        counts = np.bincount((block + offsets).ravel(), minlength=block.shape[0] * n)
        out[start:start + block.shape[0]] = counts.reshape(-1, n).astype(float) @ matrix / n
    return out


def _exact_quantiles(data: np.ndarray, indices: np.ndarray, approx: np.ndarray,
                     probabilities: Sequence[float]) -> np.ndarray:
    """``_linear_quantiles`` of the exact resampled means, from means that may be off by
    rounding: both are within ``tol`` of the true mean of a resample, so the order
    statistic of rank k is, among the means within 2 tol of the approximate one, the
    one that ranks k less those certainly below; those few are computed exactly."""
    n = data.size
    tol = 4 * (n + 1) * np.finfo(float).eps * float(np.max(np.abs(data)))
    ordered = np.sort(approx)
    j, jp1, g = _quantile_positions(approx.size, probabilities)
    exact = {}
    for rank in {int(r) for r in (*j, *jp1)}:
        value = ordered[rank]
        near = np.flatnonzero(np.abs(approx - value) <= 2 * tol)
        below = int(np.count_nonzero(approx < value - 2 * tol))
        means = np.sort(np.mean(data[indices[near]], axis=-1))  # as scipy computes them
        exact[rank] = means[rank - below]
    at_j = np.array([exact[int(r)] for r in j])
    at_jp1 = np.array([exact[int(r)] for r in jp1])
    return (1 - g) * at_j + g * at_jp1


def _quantile_positions(n: int, probabilities: Sequence[float]
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The two ranks each 'linear' quantile interpolates between, and the weight."""
    p = np.asarray(probabilities, dtype=float)
    jg = p * n + (1 - p)
    jp1 = jg // 1
    j = jp1 - 1
    g = np.where(j < 0, 0.0, jg % 1)
    j, jp1 = np.clip(j, 0.0, n - 1), np.clip(jp1, 0.0, n - 1)
    return j.astype(np.int64), jp1.astype(np.int64), g


def _linear_quantiles(values: np.ndarray, probabilities: Sequence[float]) -> np.ndarray:
    """``scipy.stats.quantile(values, p)`` (method 'linear', Hyndman-Fan type 7) with
    scipy's own arithmetic, so the results are bit-identical (tested); numpy's
    ``np.quantile`` interpolates differently in the last bit. Importing scipy.stats
    costs a run about 1.3 s, more than all its intervals take."""
    ordered = np.sort(values)
    j, jp1, g = _quantile_positions(ordered.shape[-1], probabilities)
    return (1 - g) * ordered[j] + g * ordered[jp1]


@dataclass(frozen=True)
class PairedResult:
    """Mean of new - base over documents, its paired bootstrap interval, and a p-value."""

    mean_delta: float
    low: float
    high: float
    p_value: float
    n: int


def paired_test(*, base: Sequence[float], new: Sequence[float], seed: int = 0,
                confidence: float = CONFIDENCE, n_resamples: int = N_PERMUTATIONS
                ) -> PairedResult:
    """Paired comparison over the same documents.

    Interval: percentile bootstrap of the mean per-document delta. p-value: two-sided
    sign-flip permutation test (scipy ``permutation_test`` with
    ``permutation_type="samples"``), exact when 2**n is small enough.
    """
    return paired_tests({0: (base, new)}, seed=seed, confidence=confidence,
                        n_resamples=n_resamples)[0]


def paired_tests(columns: Mapping[Any, tuple[Sequence[float], Sequence[float]]], *,
                 seed: int = 0, confidence: float = CONFIDENCE,
                 n_resamples: int = N_PERMUTATIONS) -> dict[Any, PairedResult]:
    """``paired_test`` of many (base, new) columns at once, with the same results (tested
    against scipy to the last bit).

    As in ``mean_intervals``, every call seeds a fresh generator, so all columns of one
    length get the same bootstrap indices and the same sign flips: they are drawn once
    per length. scipy builds each flip by indexing, one document at a time (1.2 s per
    test on 1,000 documents); here the null sums of all columns are one matrix product,
    and the few sums close enough to a p-value's threshold that rounding could move them
    across are summed again in scipy's order. ``history`` tests hundreds of run pairs
    this way; ``compare`` its metrics.
    """
    out: dict[Any, PairedResult] = {}
    deltas: dict[Any, np.ndarray] = {}
    for key, (base, new) in columns.items():
        a = np.asarray(base, dtype=float)
        b = np.asarray(new, dtype=float)
        if a.shape != b.shape or a.size == 0:
            raise ValueError(f"paired data must be non-empty and equal in length: {a.size} "
                             f"vs {b.size}")
        d = b - a
        if np.all(d == 0):
            out[key] = PairedResult(0.0, 0.0, 0.0, 1.0, int(a.size))
        elif a.size == 1:  # both sign flips give the same |mean|: the exact p-value is 1
            out[key] = PairedResult(float(d[0]), float(d[0]), float(d[0]), 1.0, 1)
        else:
            deltas[key] = d
    intervals = mean_intervals(deltas, seed=seed, confidence=confidence)
    p_values = _sign_flip_p_values(deltas, seed, n_resamples)
    for key, d in deltas.items():
        iv = intervals[key]
        out[key] = PairedResult(iv.mean, iv.low, iv.high, p_values[key], int(d.size))
    return {key: out[key] for key in columns}


def _sign_flip_p_values(deltas: Mapping[Any, np.ndarray], seed: int, n_resamples: int,
                        rows: int = 1024) -> dict[Any, float]:
    """Two-sided sign-flip p-values, as scipy's ``permutation_test(..., "samples")``
    computes them for ``mean(new - base)``: the same draws, counts and tolerance."""
    out: dict[Any, float] = {}
    by_length: dict[int, list[Any]] = {}
    for key, d in deltas.items():
        by_length.setdefault(d.size, []).append(key)
    for n, keys in by_length.items():
        if 2 ** min(n, 64) <= n_resamples:  # scipy enumerates every sign pattern
            for key in keys:
                out[key] = _scipy_sign_flip(deltas[key], seed, n_resamples)
            continue
        # scipy's draw: each document's (new, base) pair permuted on its own, per resample;
        # the pair swapped means the delta's sign flipped
        order = _rng(seed).permuted(np.tile(np.arange(2, dtype=np.int8), (n_resamples, n, 1)),
                                    axis=-1)
        flipped = order[..., 0] == 1
        del order
        matrix = np.stack([deltas[k] for k in keys], axis=1)  # n x columns
        null = np.empty((n_resamples, len(keys)))
        for start in range(0, n_resamples, rows):
            signs = 1.0 - 2.0 * flipped[start:start + rows]
            null[start:start + rows] = signs @ matrix / n
        for j, key in enumerate(keys):
            out[key] = _p_value(deltas[key], null[:, j], flipped, n_resamples)
    return out


def _p_value(d: np.ndarray, null: np.ndarray, flipped: np.ndarray, n_resamples: int) -> float:
    """scipy's two-sided p-value from an approximate null distribution: sums within
    rounding of a threshold (both orders of summation err by less than eps * sum|d|) are
    recomputed in scipy's order (document by document), so every count is scipy's."""
    observed = float(np.mean(d))
    gamma = abs(np.finfo(float).eps * 100 * observed)
    low_cut, high_cut = observed + gamma, observed - gamma
    tol = 4 * np.finfo(float).eps * float(np.sum(np.abs(d)))
    near = np.flatnonzero((np.abs(null - low_cut) <= tol) | (np.abs(null - high_cut) <= tol))
    if near.size:
        null = null.copy()
        terms = np.where(flipped[near], -d, d).T  # n x near: summed row after row
        null[near] = np.add.reduce(np.ascontiguousarray(terms), axis=0) / d.size
    less = float(np.count_nonzero(null <= low_cut) + 1) / (n_resamples + 1)
    greater = float(np.count_nonzero(null >= high_cut) + 1) / (n_resamples + 1)
    return float(np.clip(min(less, greater) * 2, 0.0, 1.0))


def _scipy_sign_flip(d: np.ndarray, seed: int, n_resamples: int) -> float:
    from scipy import stats

    def mean_difference(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.mean(x - y, axis=axis)

    perm = stats.permutation_test((d, np.zeros_like(d)), mean_difference,
                                  permutation_type="samples", vectorized=True,
                                  n_resamples=n_resamples, alternative="two-sided",
                                  rng=_rng(seed))
    return float(perm.pvalue)


def seeded_sample(n_items: int, sample: int, seed: int) -> list[int]:
    """A seeded choice of ``sample`` of ``n_items`` indices (all when there are no more),
    for the rows a fast path has cross-checked against its reference."""
    if sample <= 0:
        return []
    if n_items <= sample:
        return list(range(n_items))
    return random.Random(seed).sample(range(n_items), sample)
