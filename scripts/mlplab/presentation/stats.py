"""Statistics over seeds: a mean with its confidence interval, two tests of a difference, Holm's correction
and the smallest difference a number of seeds can detect.

Each function stands alone and takes plain sequences of numbers (one value per seed). Differences are
always B − A. The distributions come from scipy.stats. `paired_versus` is the form the report reads: an
entry against its topic's baseline over the seeds both completed, with the smallest difference that
matters beside the interval.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from mlplab.chapter.metrics import ACCURACIES
from mlplab.presentation.formatting import CLIPPED, signed_interval
from mlplab.workflow.catalogue import METRICS

CONFIDENCE = 0.95
LEVEL = 0.05
POWER = 0.8


# ---- What a metric can be: declared once, for every interval of every table, page and figure ----

INITIAL_LOSS = "initial_loss"  # a run's train loss before its first epoch (run.json), a loss like the others


def metric_range(metric: str) -> tuple[float, float]:
    """The values `metric` can take: accuracies are fractions, in [0, 1]; every other metric (losses, ‖w‖)
    is at or above 0. Anything else (a difference such as the generalisation gap, a learned weight) is
    unbounded."""
    if metric in ACCURACIES:
        return 0.0, 1.0
    if metric in METRICS or metric == INITIAL_LOSS:
        return 0.0, math.inf
    return -math.inf, math.inf


def higher_is_better(metric: str) -> bool:
    """Whether more of `metric` is better: accuracies; a loss is better lower (and ‖w‖ is neither)."""
    return metric in ACCURACIES


def difference_range(metric: str) -> tuple[float, float]:
    """The values B − A of `metric` can take: a metric within [a, b] differs by at most b − a either way, so
    an accuracy difference lies in [−1, 1]; a metric unbounded on either side (a loss) differs by any
    amount."""
    low, high = metric_range(metric)
    return -(high - low), high - low


def range_text(metric: str) -> str:
    """'[0, 1]' or 'at 0': where an interval of `metric` is clipped."""
    low, high = metric_range(metric)
    return f"[{low:g}, {high:g}]" if math.isfinite(high) else f"at {low:g}"


def clipped_note(metrics) -> str:
    """'interval clipped to [0, 1]', 'interval clipped at 0', or both, for the metrics whose interval was
    clipped somewhere in a table or figure; '' for none."""
    places = dict.fromkeys(range_text(m) for m in metrics)
    if not places:
        return ""
    return "interval clipped " + " or ".join(f"to {p}" if p.startswith("[") else p for p in places)


CLIP_REASON = "a t-interval over few seeds can reach past what the metric can be"


@dataclass(frozen=True)
class Estimate:
    """A mean over n seeds; low/high is its confidence interval, None when n < 2. `clipped`: the interval
    was cut to what the metric can be (`within`)."""

    mean: float
    low: float | None
    high: float | None
    n: int
    sd: float | None  # sample standard deviation (n − 1 in the denominator); None when n < 2
    clipped: bool = False

    def within(self, metric: str) -> Estimate:
        """This estimate with its interval clipped to `metric_range(metric)`: a t-interval over three seeds
        of accuracies 0.1, 0.2 and 0.95 reaches below 0 and above 1, which no accuracy can."""
        if self.low is None or self.high is None:
            return self
        floor, ceiling = metric_range(metric)
        low, high = min(max(self.low, floor), ceiling), max(min(self.high, ceiling), floor)
        if (low, high) == (self.low, self.high):
            return self
        return dataclasses.replace(self, low=low, high=high, clipped=True)


@dataclass(frozen=True)
class Difference:
    """B − A with its confidence interval and the two-sided p-value of "no difference"."""

    test: str  # "paired t" or "Welch t"
    difference: float
    low: float
    high: float
    p: float
    df: float
    sd: float  # paired: sd of the differences; Welch: root mean square of the two sides' sds


@dataclass(frozen=True)
class Paired:
    """other − baseline over the seeds both have: the mean of the per-seed differences, its paired-t
    interval (None when n < 2) and the smallest difference that matters, in the metric's unit."""

    difference: float
    low: float | None
    high: float | None
    n: int  # pairs
    margin: float
    clipped: bool = False  # the interval was cut to what the difference can be (`difference_range`)

    @property
    def excludes_zero(self) -> bool:
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)

    @property
    def meaningful(self) -> bool:
        """Not seed noise (the interval excludes 0) and at least as large as the difference that matters."""
        return self.excludes_zero and abs(self.difference) >= self.margin

    @property
    def verdict(self) -> str:
        """'excludes 0, beyond the 0.005 that matters', 'includes 0', 'excludes 0 but smaller than the
        0.005 that matters', or 'no interval' (one pair)."""
        margin = f"the {self.margin:.2g} that matters"
        if self.low is None:
            return "no interval"
        if not self.excludes_zero:
            return "includes 0"
        return f"excludes 0, beyond {margin}" if self.meaningful else f"excludes 0 but smaller than {margin}"

    def interval(self, digits: int = 3) -> str:
        """'+0.0123 [+0.0041, +0.0205]', every number to the same decimal places; '+0.01' for one pair."""
        mark = CLIPPED if self.clipped else ""
        return signed_interval(self.difference, self.low, self.high, digits) + mark

    def text(self, digits: int = 3) -> str:
        """'+0.0123 [+0.0041, +0.0205], 3 paired seeds: excludes 0, beyond the 0.005 that matters'."""
        seeds = "seed" if self.n == 1 else "seeds"
        return f"{self.interval(digits)}, {self.n} paired {seeds}: {self.verdict}"


@contextmanager
def quiet_precision_warning() -> Iterator[None]:
    """scipy warns of "precision loss" when the values agree to many digits (e.g. one run on two thread
    counts); its answer is still good enough to tell seed noise from a change."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
        yield


def mean_ci(values: Sequence[float], confidence: float = CONFIDENCE) -> Estimate:
    """Mean with a Student-t interval: mean ± t(1 − (1 − confidence)/2, n − 1) · sd / √n."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        raise ValueError("mean_ci of no values")
    mean = float(x.mean())
    if x.size < 2:
        return Estimate(mean, None, None, int(x.size), None)
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, x.size - 1)) * sd / math.sqrt(x.size)
    return Estimate(mean, mean - half, mean + half, int(x.size), sd)


def paired_difference(a: Sequence[float], b: Sequence[float], confidence: float = CONFIDENCE) -> Difference:
    """Paired t-test of b[i] − a[i] (the same seed on both sides), via scipy.stats.ttest_rel.

    Zero variance, defined rather than left to 0/0: when every difference is the same number, the
    difference is exact. All zero → difference 0, interval [0, 0], p = 1. All equal and non-zero →
    that difference, interval [d, d], p = 0. Needs at least two pairs.
    """
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape or x.size < 2:
        raise ValueError("paired_difference needs two equally long sequences of at least two values")
    d = y - x
    if np.all(d == d[0]):
        exact = float(d[0])
        return Difference("paired t", exact, exact, exact, 1.0 if exact == 0 else 0.0, float(x.size - 1), 0.0)
    with quiet_precision_warning():
        result = stats.ttest_rel(y, x)
    ci = result.confidence_interval(confidence)
    sd = float(d.std(ddof=1))
    return Difference(
        "paired t", float(d.mean()), float(ci.low), float(ci.high), float(result.pvalue), float(result.df), sd
    )


def paired_versus(
    baseline: Mapping[int, float],
    other: Mapping[int, float],
    margin: float,
    bounds: tuple[float, float] = (-math.inf, math.inf),
) -> Paired | None:
    """other − baseline over the seeds both have (keys are seeds), by `paired_difference`, the interval
    clipped to `bounds` (the metric's `difference_range`); seeds where either value is missing (NaN, e.g.
    a diverged run) are left out. None when no seed is in common; one pair gives its difference and no
    interval."""
    common = baseline.keys() & other.keys()
    seeds = sorted(s for s in common if math.isfinite(baseline[s]) and math.isfinite(other[s]))
    if not seeds:
        return None
    a, b = [float(baseline[s]) for s in seeds], [float(other[s]) for s in seeds]
    if len(seeds) == 1:
        return Paired(b[0] - a[0], None, None, 1, margin)
    d = paired_difference(a, b)
    low, high = min(max(d.low, bounds[0]), bounds[1]), max(min(d.high, bounds[1]), bounds[0])
    return Paired(d.difference, low, high, len(seeds), margin, (low, high) != (d.low, d.high))


def welch_difference(a: Sequence[float], b: Sequence[float], confidence: float = CONFIDENCE) -> Difference:
    """Welch's t-test of mean(b) − mean(a) (unequal variances, any seeds), via scipy.stats.ttest_ind.

    Zero variance on both sides: the means are exact, p = 1 when they are equal and 0 otherwise
    (as for the paired test). Needs at least two values on each side.
    """
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.size < 2 or y.size < 2:
        raise ValueError("welch_difference needs at least two values on each side")
    diff = float(y.mean() - x.mean())
    sd = math.sqrt((x.var(ddof=1) + y.var(ddof=1)) / 2)
    if sd == 0:
        return Difference(
            "Welch t", diff, diff, diff, 1.0 if diff == 0 else 0.0, float(x.size + y.size - 2), 0.0
        )
    with quiet_precision_warning():
        result = stats.ttest_ind(y, x, equal_var=False)
    ci = result.confidence_interval(confidence)
    return Difference(
        "Welch t", diff, float(ci.low), float(ci.high), float(result.pvalue), float(result.df), sd
    )


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment, in the input's order: the k-th smallest of m p-values becomes
    max over j ≤ k of (m − j + 1) · p_(j), capped at 1. Rejecting where adjusted p < level keeps the
    chance of any false "changed" among the m comparisons below level."""
    p = np.asarray(pvalues, dtype=float)
    if np.isnan(p).any():
        raise ValueError("holm: p-values must not be NaN")
    adjusted = np.empty_like(p)
    running = 0.0
    for rank, i in enumerate(np.argsort(p, kind="stable")):
        running = max(running, min(1.0, (p.size - rank) * p[i]))
        adjusted[i] = running
    return adjusted.tolist()


def detectable_difference(
    sd: float, n: int, *, paired: bool = True, level: float = LEVEL, power: float = POWER
) -> float:
    """The smallest true difference that n seeds (per side) detect with the given power in a two-sided
    t-test at `level`, from the noncentral t distribution. Paired: sd is that of the per-seed differences
    (df n − 1); unpaired: sd is that of one seed's value (two groups of n, df 2n − 2).

    sd 0 → 0 (any difference is exact); n < 2 → inf (no test is possible)."""
    if n < 2:
        return math.inf
    if sd == 0:
        return 0.0
    df = n - 1 if paired else 2 * n - 2
    scale = sd * math.sqrt((1 if paired else 2) / n)  # standard error of the difference
    critical = stats.t.ppf(1 - level / 2, df)

    def shortfall(nc: float) -> float:
        # P(T < −c | nc) written as P(T > c | −nc): the same number, but nct.cdf returns NaN deep in its tail.
        return stats.nct.sf(critical, df, nc) + stats.nct.sf(critical, df, -nc) - power

    high = 1.0
    while shortfall(high) < 0:
        high *= 2
    return float(optimize.brentq(shortfall, 0.0, high)) * scale
