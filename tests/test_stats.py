"""Aggregates and the paired test: exact means, seeded intervals, calibrated p-values."""

from __future__ import annotations

import numpy as np
import pytest

from sumbench.stats import mean_interval, paired_test


def test_mean_is_exact_not_bootstrap_mid():
    values = [0.1, 0.2, 0.3, 0.9]
    iv = mean_interval(values, seed=1)
    assert iv.mean == sum(values) / 4  # rouge-score would report a resample median here
    assert iv.low <= iv.mean <= iv.high


def test_interval_is_seeded():
    values = np.random.default_rng(0).random(50)
    assert mean_interval(values, seed=3) == mean_interval(values, seed=3)
    assert mean_interval(values, seed=3) != mean_interval(values, seed=4)


def test_degenerate_inputs():
    assert mean_interval([0.4]).low == mean_interval([0.4]).high == 0.4
    assert mean_interval([0.2, 0.2]).low == 0.2
    with pytest.raises(ValueError):
        mean_interval([])
    same = paired_test(base=[0.1, 0.2], new=[0.1, 0.2])
    assert same.p_value == 1.0 and same.mean_delta == 0.0


def test_exact_sign_flip_p_value_by_hand():
    # 6 positive deltas of different size: of the 2**6 sign patterns only the all-plus and
    # all-minus ones reach |mean| that large, so the exact two-sided p = 2/64.
    r = paired_test(base=[0.0] * 6, new=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    assert r.p_value == pytest.approx(2 / 64)
    assert r.mean_delta == pytest.approx(0.35)


def test_false_positive_rate_near_alpha():
    """No true difference: over 300 seeds the test rejects about alpha of the time.

    With 300 trials the rate's standard error at alpha=0.05 is sqrt(.05*.95/300) = 0.0126;
    we accept [0.015, 0.095], about 3 standard errors either side.
    """
    alpha, trials, rejections = 0.05, 300, 0
    for seed in range(trials):
        rng = np.random.default_rng(seed)
        base = rng.beta(2, 5, size=60)  # ROUGE-like skewed scores
        new = base + rng.normal(0, 0.05, size=60)  # noise only, mean shift 0
        rejections += paired_test(base=base, new=new, seed=seed, n_resamples=999).p_value < alpha
    rate = rejections / trials
    assert 0.015 <= rate <= 0.095, rate


def test_planted_shift_is_detected():
    detected = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        base = rng.beta(2, 5, size=100)
        new = base - 0.03 + rng.normal(0, 0.05, size=100)  # a real drop of 0.03
        r = paired_test(base=base, new=new, seed=seed, n_resamples=999)
        detected += r.p_value < 0.05 and r.high < 0
    assert detected >= 18


def test_interval_is_scipys_95_percent_percentile_bootstrap_with_2000_resamples():
    """The documented method, rebuilt here with scipy called directly: level 0.95,
    2,000 resamples, percentile method, numpy's default_rng(seed)."""
    from scipy import stats

    values = np.random.default_rng(7).beta(2, 5, size=80)
    expected = stats.bootstrap((values,), np.mean, confidence_level=0.95, n_resamples=2000,
                               method="percentile", vectorized=True,
                               rng=np.random.default_rng(11)).confidence_interval
    got = mean_interval(values, seed=11)
    assert (got.low, got.high) == (expected.low, expected.high)
    assert got.mean == float(np.mean(values))


def test_interval_width_matches_the_normal_approximation():
    """Independent of scipy: for 2,000 normal values the 95% interval of the mean is about
    mean +- 1.96 sd / sqrt(n). A 90% or 99% level would be 16% narrower or 31% wider."""
    values = np.random.default_rng(3).normal(0.4, 0.1, size=2000)
    iv = mean_interval(values, seed=0)
    half = 1.96 * values.std(ddof=1) / np.sqrt(values.size)
    assert (iv.high - iv.low) / (2 * half) == pytest.approx(1.0, abs=0.06)


def test_paired_interval_is_the_bootstrap_of_the_deltas():
    base = np.random.default_rng(1).random(40)
    new = base + np.random.default_rng(2).normal(0.02, 0.05, 40)
    r = paired_test(base=base, new=new, seed=5)
    d = mean_interval(new - base, seed=5)
    assert (r.mean_delta, r.low, r.high, r.n) == (d.mean, d.low, d.high, 40)
    assert r.mean_delta == pytest.approx(float(np.mean(new - base)), abs=1e-15)
    flipped = paired_test(base=new, new=base, seed=5)
    assert flipped.mean_delta == pytest.approx(-r.mean_delta, abs=1e-15)
    assert flipped.p_value == pytest.approx(r.p_value)


def test_one_document_is_never_significant():
    r = paired_test(base=[0.2], new=[0.6])
    assert (r.mean_delta, r.low, r.high, r.p_value, r.n) == (pytest.approx(0.4),
                                                             pytest.approx(0.4),
                                                             pytest.approx(0.4), 1.0, 1)


def test_paired_test_is_seeded_with_zero_by_default():
    rng = np.random.default_rng(4)
    base = rng.random(40)
    new = base + rng.normal(0.01, 0.05, 40)
    assert paired_test(base=base, new=new) == paired_test(base=base, new=new, seed=0)
    assert paired_test(base=base, new=new) != paired_test(base=base, new=new, seed=1)


def test_equal_non_zero_deltas_are_a_real_difference():
    r = paired_test(base=[0.0, 0.0, 0.0], new=[1.0, 1.0, 1.0])
    assert (r.mean_delta, r.low, r.high) == (1.0, 1.0, 1.0)
    assert r.p_value == pytest.approx(2 / 8)  # exact: 2 of the 2**3 sign patterns


def test_interval_seed_defaults_to_zero_and_empty_input_is_refused():
    values = np.random.default_rng(9).random(30)
    assert mean_interval(values) == mean_interval(values, seed=0)
    assert mean_interval(values) != mean_interval(values, seed=1)
    with pytest.raises(ValueError, match="no values to aggregate"):
        mean_interval([])


def test_many_intervals_at_once_equal_one_at_a_time():
    """mean_intervals shares scipy's resampling indices between columns of one length:
    every interval must be exactly what mean_interval gives."""
    import numpy as np

    from sumbench.stats import mean_interval, mean_intervals

    rng = np.random.default_rng(11)
    columns = {f"u{i}": rng.random(300) for i in range(4)}
    columns.update(short=rng.random(17), ties=rng.integers(0, 3, 120) / 2,
                   constant=np.full(40, 0.25), single=[0.7], pair=[0.1, 0.9],
                   rouge_like=np.round(rng.beta(2, 5, 1600), 4))
    for seed in (0, 5):
        together = mean_intervals(columns, seed=seed)
        assert together == {k: mean_interval(v, seed=seed) for k, v in columns.items()}
    odd = mean_intervals(columns, seed=3, n_resamples=1001, confidence=0.9)
    assert odd == {k: mean_interval(v, seed=3, n_resamples=1001, confidence=0.9)
                   for k, v in columns.items()}


def test_quantiles_are_scipys_to_the_last_bit():
    """stats.py computes scipy.stats.quantile's 'linear' method itself (to keep scipy out
    of a run); np.quantile would differ in the last bit on about half of these."""
    import numpy as np
    from scipy import stats

    from sumbench.stats import _linear_quantiles

    rng = np.random.default_rng(4)
    for size in (1, 2, 3, 10, 999, 2000):
        for _ in range(50):
            values = rng.random(size) * rng.random()
            p = [0.025, 0.975, rng.random(), 0.0, 1.0]
            assert np.array_equal(_linear_quantiles(values, p),
                                  stats.quantile(values, np.asarray(p))), (size, p)


def _scipy_paired(base, new, seed, n_resamples=9999):
    """paired_test as scipy computes it, called directly: the reference for paired_tests."""
    from scipy import stats

    a, b = np.asarray(base, dtype=float), np.asarray(new, dtype=float)
    iv = mean_interval(b - a, seed=seed)
    perm = stats.permutation_test((b, a), lambda x, y, axis=-1: np.mean(x - y, axis=axis),
                                  permutation_type="samples", vectorized=True,
                                  n_resamples=n_resamples, alternative="two-sided",
                                  rng=np.random.default_rng(seed))
    return iv.mean, iv.low, iv.high, float(perm.pvalue)


def test_many_paired_tests_at_once_are_scipys_to_the_last_bit():
    """paired_tests draws the sign flips once per length and sums them as one matrix
    product: every p-value and interval must still be scipy's exactly, also where many
    null sums tie with the observed one (few documents changed, equal score steps)."""
    from sumbench.stats import paired_tests

    rng = np.random.default_rng(21)
    base = rng.beta(2, 5, 300)
    few_changed = base.copy()
    few_changed[[3, 50, 200]] += [0.1, 0.1, -0.05]  # 3 of 300 differ: 1 in 8 flips ties
    steps = base + rng.integers(-2, 3, 300) / 8  # deltas in 1/8 steps: many exact ties
    # steps of 0.1 are inexact in binary: sums that tie in theory round differently in
    # another order, so some must be summed again as scipy sums them
    tenths = np.round(rng.integers(-2, 3, 300) / 10, 1)
    columns = {"noise": (base, base + rng.normal(0, 0.05, 300)),
               "shift": (base, base + 0.01 + rng.normal(0, 0.05, 300)),
               "few": (base, few_changed), "steps": (base, steps),
               "tenths": (np.zeros(300), tenths),
               "short": (base[:40], base[:40] + rng.normal(0, 0.1, 40)),
               "exact": (base[:9], base[:9] + rng.normal(0, 0.1, 9)),
               "same": (base, base), "one": ([0.2], [0.5])}
    for seed in (0, 4):
        got = paired_tests(columns, seed=seed)
        assert list(got) == list(columns)
        for key, (b, n) in columns.items():
            r = got[key]
            if key == "same":
                assert (r.mean_delta, r.p_value) == (0.0, 1.0)
            elif key == "one":
                assert r.p_value == 1.0 and r.mean_delta == pytest.approx(0.3)
            else:
                assert (r.mean_delta, r.low, r.high, r.p_value) == _scipy_paired(b, n, seed), key
            assert r == paired_test(base=b, new=n, seed=seed)
    assert paired_tests(columns)["few"].p_value > 0.05  # what the ties are about
    odd = paired_tests({"x": columns["noise"]}, seed=2, n_resamples=999)["x"]
    assert odd.p_value == _scipy_paired(*columns["noise"], 2, n_resamples=999)[3]


def test_paired_tests_refuse_unequal_columns():
    from sumbench.stats import paired_tests

    with pytest.raises(ValueError, match="non-empty and equal in length: 2 vs 3"):
        paired_tests({"x": ([0.1, 0.2], [0.1, 0.2, 0.3])})


def test_null_sums_near_a_threshold_are_summed_again_in_scipys_order():
    """A matrix product's sum may land on the other side of a p-value's threshold than
    scipy's document-by-document sum would: such sums are recomputed, so the count is
    scipy's. Here one resample's product sum is put just past the threshold."""
    from sumbench.stats import _p_value

    rng = np.random.default_rng(5)
    d = rng.normal(0.02, 0.05, 50)
    flipped = rng.random((99, 50)) < 0.5
    flipped[0] = False  # resample 0 flips nothing: its sum is the observed one
    exact = np.add.reduce(np.ascontiguousarray(np.where(flipped, -d, d).T), axis=0) / 50
    observed = float(np.mean(d))
    gamma = abs(np.finfo(float).eps * 100 * observed)  # scipy's tolerance for ties
    cut = observed - gamma
    assert exact[0] >= cut
    product = exact.copy()
    product[0] = np.nextafter(cut, -1.0)  # rounding pushed it below the cut
    assert _p_value(d, product, flipped, 99) == _p_value(d, exact, flipped, 99)
    less = (np.count_nonzero(exact <= observed + gamma) + 1) / 100
    greater = (np.count_nonzero(exact >= cut) + 1) / 100
    assert _p_value(d, exact, flipped, 99) == min(1.0, 2 * min(less, greater))
