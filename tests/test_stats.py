"""mlplab.presentation.stats as the report uses it: a mean with its interval, and an entry against its
baseline seed by seed, against numbers worked out by hand (the t quantile from a table)."""

import math

import pytest

from mlplab.presentation import stats

T975_2 = 4.302652729749464  # t(0.975) on 2 degrees of freedom


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
