"""mlplab.presentation.stats as the report and mlplab-compare use it: a mean with its interval, an entry
against its baseline seed by seed, the paired and Welch tests, Holm's correction and the smallest detectable
difference, against numbers worked out by hand (the t quantile from a table)."""

import math

import numpy as np
import pytest

from mlplab.presentation import stats

T975_2 = 4.302652729749464  # t(0.975) on 2 degrees of freedom
T975_4 = 2.776445105197793  # t(0.975) on 4 degrees of freedom


def test_mean_ci_by_hand():
    # 0.80, 0.82, 0.84: mean 0.82, sd 0.02, standard error 0.02/√3.
    e = stats.mean_ci([0.80, 0.82, 0.84])
    half = T975_2 * 0.02 / math.sqrt(3)
    assert e.n == 3 and e.mean == pytest.approx(0.82) and e.sd == pytest.approx(0.02)
    assert e.low == pytest.approx(0.82 - half) and e.high == pytest.approx(0.82 + half)
    assert e.high - e.low == pytest.approx(2 * 0.049683, abs=1e-6)


def test_paired_versus_by_hand():
    # Differences [1, 2, 3]: mean 2, sd 1, interval 2 ± t · 1/√3 = [−0.484, 4.484], which holds 0.
    p = stats.paired_versus({0: 10.0, 1: 20.0, 2: 30.0}, {0: 11.0, 1: 22.0, 2: 33.0}, margin=0.5)
    half = T975_2 / math.sqrt(3)
    assert (p.n, p.margin) == (3, 0.5) and p.difference == pytest.approx(2.0)
    assert p.low == pytest.approx(2 - half, rel=1e-12) and p.high == pytest.approx(2 + half, rel=1e-12)
    assert not p.excludes_zero and not p.meaningful
    assert p.text() == "+2.00 [-0.48, +4.48], 3 paired seeds: includes 0"


def test_paired_versus_pairs_by_seed_over_the_common_seeds():
    # Seed 3 has no partner and seed 1's baseline diverged (NaN): pairs are seeds 0, 2 and 4, in any key
    # order. Differences [1.0, 1.1, 1.2]: mean 1.1, sd 0.1, interval 1.1 ± t · 0.1/√3 = [0.852, 1.348].
    baseline = {4: 0.0, 0: 0.0, 1: float("nan"), 2: 0.0}
    other = {0: 1.0, 1: 5.0, 2: 1.1, 3: 9.0, 4: 1.2}
    p = stats.paired_versus(baseline, other, margin=0.5)
    half = T975_2 * 0.1 / math.sqrt(3)
    assert p.n == 3 and p.difference == pytest.approx(1.1)
    assert (p.low, p.high) == (pytest.approx(1.1 - half), pytest.approx(1.1 + half))
    assert p.excludes_zero and p.meaningful
    assert p.text() == "+1.10 [+0.85, +1.35], 3 paired seeds: excludes 0, beyond the 0.5 that matters"
    small = stats.paired_versus(baseline, other, margin=2.0)
    assert small.excludes_zero and not small.meaningful
    assert small.verdict == "excludes 0 but smaller than the 2 that matters"


def test_paired_versus_a_worse_entry_excludes_zero_below_it():
    # Accuracy falls by 0.02 on every seed: the differences have no spread, the interval is [−0.02, −0.02].
    p = stats.paired_versus({0: 0.84, 1: 0.85}, {0: 0.82, 1: 0.83}, margin=0.005)
    assert p.difference == pytest.approx(-0.02) and p.high == pytest.approx(-0.02)
    assert p.excludes_zero and p.meaningful
    assert p.text() == "-0.0200 [-0.0200, -0.0200], 2 paired seeds: excludes 0, beyond the 0.005 that matters"


def test_paired_versus_with_one_pair_or_none():
    one = stats.paired_versus({0: 0.84, 1: 0.85}, {1: 0.86}, margin=0.005)
    assert (one.n, one.low, one.high) == (1, None, None) and one.difference == pytest.approx(0.01)
    assert not one.excludes_zero and not one.meaningful
    assert one.text() == "+0.0100, 1 paired seed: no interval"
    assert stats.paired_versus({0: 0.84}, {1: 0.86}, margin=0.005) is None
    assert stats.paired_versus({0: 0.84}, {0: float("nan")}, margin=0.005) is None


# ---- The tests mlplab-compare runs, Holm's correction and the detectable difference ----


def test_mean_with_t_interval():
    # [2, 4, 6]: mean 4, sd 2, standard error 2/√3.
    e = stats.mean_ci([2.0, 4.0, 6.0])
    half = T975_2 * 2 / math.sqrt(3)
    assert (e.mean, e.n, e.sd) == (4.0, 3, 2.0)
    assert e.low == pytest.approx(4 - half, rel=1e-12) and e.high == pytest.approx(4 + half, rel=1e-12)
    one = stats.mean_ci([5.0])
    assert (one.mean, one.n, one.low, one.high, one.sd) == (5.0, 1, None, None, None)


def test_paired_difference():
    # b − a = [1, 2, 2]: mean 5/3, sd 1/√3, standard error 1/3, t = 5 on 2 df, where the two-sided
    # p-value is 1 − t/√(t² + 2).
    d = stats.paired_difference([1.0, 2.0, 3.0], [2.0, 4.0, 5.0])
    assert d.test == "paired t" and d.df == 2
    assert d.difference == pytest.approx(5 / 3)
    assert d.p == pytest.approx(1 - 5 / math.sqrt(27), rel=1e-9)
    assert d.low == pytest.approx(5 / 3 - T975_2 / 3, rel=1e-12)
    assert d.high == pytest.approx(5 / 3 + T975_2 / 3, rel=1e-12)
    assert d.sd == pytest.approx(1 / math.sqrt(3))


def test_welch_difference():
    # [1, 2, 3] vs [4, 5, 6]: both variances 1, standard error √(2/3), t = 3/√(2/3), Welch df = 4, where
    # the two-sided p-value is 1 − x(3 − x²)/2 with x = t/√(t² + 4).
    d = stats.welch_difference([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    t = 3 / math.sqrt(2 / 3)
    x = t / math.sqrt(t * t + 4)
    assert d.test == "Welch t" and d.df == pytest.approx(4)
    assert d.difference == 3.0
    assert d.p == pytest.approx(1 - x * (3 - x * x) / 2, rel=1e-9)
    assert d.low == pytest.approx(3 - T975_4 * math.sqrt(2 / 3), rel=1e-12)
    assert d.high == pytest.approx(3 + T975_4 * math.sqrt(2 / 3), rel=1e-12)


def test_holm():
    # Sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → 0.06 (never below the one before).
    assert stats.holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert stats.holm([0.5, 0.6]) == [1.0, 1.0]  # capped at 1
    assert stats.holm([0.2]) == [0.2]
    assert stats.holm([]) == []


def test_zero_variance_is_defined():
    same = stats.paired_difference([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert (same.difference, same.low, same.high, same.p) == (0.0, 0.0, 0.0, 1.0)
    shifted = stats.paired_difference([1.0, 2.0, 3.0], [1.5, 2.5, 3.5])
    assert (shifted.difference, shifted.low, shifted.high, shifted.p) == (0.5, 0.5, 0.5, 0.0)
    assert stats.welch_difference([1.0, 1.0], [1.0, 1.0, 1.0]).p == 1.0
    assert stats.welch_difference([1.0, 1.0], [2.0, 2.0, 2.0]).p == 0.0


def test_detectable_difference_has_the_stated_power():
    assert stats.detectable_difference(0.0, 3) == 0.0
    assert stats.detectable_difference(1.0, 1) == math.inf
    sizes = [stats.detectable_difference(1.0, n) for n in (2, 3, 5, 10, 100)]
    assert sizes == sorted(sizes, reverse=True)
    # Many seeds: close to the normal approximation (z 0.975 + z 0.8) · sd/√n = 2.8016/10.
    assert sizes[-1] == pytest.approx(0.28016, rel=0.02)
    # Simulated: paired t-tests with 5 seeds at that true difference reject 80 % of the time.
    delta = stats.detectable_difference(1.0, 5)
    rng = np.random.default_rng(0)
    diffs = rng.normal(delta, 1.0, size=(20000, 5))
    rejected = np.mean(stats_ttest_p(diffs) < 0.05)
    assert rejected == pytest.approx(0.80, abs=0.015)
    # Welch (two groups) needs more than paired with the same sd of one value.
    assert stats.detectable_difference(1.0, 5, paired=False) > stats.detectable_difference(1.0, 5) / 2


def stats_ttest_p(samples: np.ndarray) -> np.ndarray:
    from scipy import stats as scipy_stats

    return scipy_stats.ttest_1samp(samples, 0.0, axis=1).pvalue


def test_an_interval_is_clipped_to_its_metrics_range_by_hand():
    """Accuracies 0.10, 0.20, 0.95: mean 0.4167, sd 0.4646, half-width t(0.975, 2) · 0.4646/√3 = 1.154, so
    the t-interval [−0.737, 1.571] holds values no accuracy can take; a loss's interval stops at 0."""
    e = stats.mean_ci([0.10, 0.20, 0.95])
    half = T975_2 * np.std([0.10, 0.20, 0.95], ddof=1) / math.sqrt(3)
    assert (e.low, e.high) == (
        pytest.approx(0.41667 - half, abs=1e-4),
        pytest.approx(0.41667 + half, abs=1e-4),
    )
    bounded = e.within("test_acc")
    assert (bounded.mean, bounded.low, bounded.high, bounded.n, bounded.clipped) == (
        e.mean,
        0.0,
        1.0,
        3,
        True,
    )
    loss = stats.mean_ci([0.01, 0.03]).within("test_loss")  # 0.02 ± 12.71 · 0.01
    assert loss.low == 0.0 and loss.high == pytest.approx(0.02 + 12.706204736 * 0.01) and loss.clipped
    inside = stats.mean_ci([0.80, 0.82, 0.84])
    assert inside.within("test_acc") is inside and not inside.clipped
    assert stats.mean_ci([0.5]).within("test_acc").clipped is False  # no interval, nothing to clip
    assert stats.clipped_note(["test_acc", "val_acc"]) == "interval clipped to [0, 1]"
    assert stats.clipped_note(["test_acc", "w_norm"]) == "interval clipped to [0, 1] or at 0"
    assert stats.clipped_note([]) == ""
