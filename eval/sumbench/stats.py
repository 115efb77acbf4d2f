"""Aggregates and tests: exact means, seeded bootstrap intervals, a paired sign-flip test.

rouge-score's BootstrapAggregator reports ``mid`` = the median of an unseeded
resample; we report the exact mean and a percentile interval from a seeded generator,
so the same inputs give the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sumbench.defaults import CONFIDENCE, N_PERMUTATIONS, N_RESAMPLES
from sumbench.records import Interval

__all__ = ["CONFIDENCE", "N_PERMUTATIONS", "N_RESAMPLES", "PairedResult", "mean_interval",
           "paired_test"]


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
    """``mean_interval`` of many columns at once, with the same results.

    Each ``mean_interval`` call seeds a fresh generator, so every column of the same
    length is resampled with the same indices. Drawing them once per length, and taking
    the means and quantiles as scipy's ``bootstrap`` does, gives identical intervals
    (tested) in a quarter of the time (26 intervals on 1,600 documents: 1.0 s -> 0.28 s).
    """
    out: dict[Any, Interval] = {}
    indices: dict[int, np.ndarray] = {}
    alpha = (1 - confidence) / 2
    for name, values in columns.items():
        data = np.asarray(values, dtype=float)
        if data.size < 2 or np.all(data == data[0]):
            out[name] = mean_interval(data, seed=seed, confidence=confidence,
                                      n_resamples=n_resamples)
            continue
        n = data.size
        if n not in indices:  # scipy's draw: rng_integers(rng, 0, n, (n_resamples, n))
            indices[n] = _rng(seed).integers(0, n, size=(n_resamples, n), dtype=np.int64)
        theta = _resampled_means(data, indices[n])
        low, high = (float(x) for x in _linear_quantiles(theta, [alpha, 1 - alpha]))
        mean = float(data.mean())
        out[name] = Interval(mean, min(low, mean), max(high, mean))
    return out


def _resampled_means(data: np.ndarray, indices: np.ndarray, rows: int = 512) -> np.ndarray:
    """``np.mean(data[indices], axis=-1)``, a block of resamples at a time: the same
    numbers (each row is reduced alone either way), 2x faster because a block stays in
    the CPU cache where the whole (resamples x n) array would not."""
    out = np.empty(indices.shape[0])
    for start in range(0, indices.shape[0], rows):
        np.mean(data[indices[start:start + rows]], axis=-1, out=out[start:start + rows])
    return out


def _linear_quantiles(values: np.ndarray, probabilities: Sequence[float]) -> np.ndarray:
    """``scipy.stats.quantile(values, p)`` (method 'linear', Hyndman-Fan type 7) with
    scipy's own arithmetic, so the results are bit-identical (tested); numpy's
    ``np.quantile`` interpolates differently in the last bit. Importing scipy.stats
    costs a run about 1.3 s, more than all its intervals take."""
    ordered = np.sort(values)
    n = ordered.shape[-1]
    p = np.asarray(probabilities, dtype=float)
    jg = p * n + (1 - p)
    jp1 = jg // 1
    j = jp1 - 1
    g = np.where(j < 0, 0.0, jg % 1)
    j, jp1 = np.clip(j, 0.0, n - 1), np.clip(jp1, 0.0, n - 1)
    return (1 - g) * ordered[j.astype(np.int64)] + g * ordered[jp1.astype(np.int64)]


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
    a = np.asarray(base, dtype=float)
    b = np.asarray(new, dtype=float)
    if a.shape != b.shape or a.size == 0:
        raise ValueError(f"paired data must be non-empty and equal in length: {a.size} vs {b.size}")
    deltas = b - a
    if np.all(deltas == 0):
        return PairedResult(0.0, 0.0, 0.0, 1.0, int(a.size))
    if a.size == 1:  # both sign flips give the same |mean|: the exact p-value is 1
        delta = float(deltas[0])
        return PairedResult(delta, delta, delta, 1.0, 1)
    from scipy import stats

    interval = mean_interval(deltas, seed=seed, confidence=confidence)

    def mean_difference(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.mean(x - y, axis=axis)

    perm = stats.permutation_test((b, a), mean_difference, permutation_type="samples",
                                  vectorized=True, n_resamples=n_resamples,
                                  alternative="two-sided", rng=_rng(seed))
    return PairedResult(interval.mean, interval.low, interval.high, float(perm.pvalue),
                        int(a.size))
