"""Deciding a paired comparison a look at a time (the `decide` target): alpha spending over the declared
looks, with repeated confidence intervals.

The method. A comparison (a sweep point against its baseline, or B against A in mlplab-compare, paired by
seed) is looked at after each of the declared looks, `looks` being the seeds per comparison at each look
(e.g. [3, 5, 8, 12, 20]; the last is the budget). Look k spends α_k = α(t_k) − α(t_{k−1}) of the total
α = 0.05, where t_k = looks[k] / looks[−1] is the information fraction and α(t) a Lan–DeMets spending
function. Its interval is the paired t-interval of the differences at confidence 1 − α_k. By Bonferroni's
inequality the intervals of all looks hold together with probability at least 1 − Σ α_k = 1 − α,
whatever their correlation, so stopping at the first look that decides keeps the chance of deciding
wrongly at or below α. That is conservative against exact group-sequential boundaries, which need the
looks' joint distribution. The spending is Pocock-type, α(t) = α · ln(1 + (e − 1) · t), which spends enough
at the first look to decide a large difference there; O'Brien–Fleming's spends almost nothing early.

The guarantee is the t-interval's: the per-seed differences are taken as roughly normal. Strongly skewed
differences over few seeds mislead any t-interval, fixed or sequential (docs/statistics.md says how far).

References: Lan & DeMets (1983), Discrete sequential boundaries for clinical trials, Biometrika 70(3):
659–663; Jennison & Turnbull (1989), Interim analyses: the repeated confidence interval approach, JRSS B
51(3):305–361; Jennison & Turnbull (2000), Group Sequential Methods with Applications to Clinical Trials.

Differences are B − A (point − baseline). numpy and scipy only; no printing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from numbers import Integral

import numpy as np
from scipy import stats as distributions

from mlplab.presentation.formatting import CLIPPED, DIGITS, number, signed_interval
from mlplab.presentation.stats import LEVEL

ALPHA = LEVEL  # the chance of deciding one comparison wrongly, over all of its looks together
SEEDS_CAP = 1000  # past this, "more than 1000 seeds would decide it"
UNBOUNDED = (-math.inf, math.inf)  # the range of a difference of an unbounded metric (stats.difference_range)


class State(StrEnum):
    """Where a comparison stands at a look. A StrEnum: it reads and writes as its word in CSV and JSON."""

    BETTER = "better"  # the interval lies above 0
    WORSE = "worse"  # the interval lies below 0
    EQUIVALENT = "equivalent"  # the interval lies inside ± the margin that matters
    UNDECIDED = "undecided"  # neither: more seeds may decide it


DECIDED = (State.BETTER, State.WORSE, State.EQUIVALENT)


# ---- The spending: declared once ----

Spending = Callable[[float, float], float]  # (information fraction t in [0, 1], total α) → α spent by t


def pocock_spending(t: float, alpha: float = ALPHA) -> float:
    """Lan & DeMets' Pocock-type spending function, α · ln(1 + (e − 1) · t): α(0) = 0, α(1) = α."""
    return alpha * math.log1p((math.e - 1) * t)


SPENDING: Spending = pocock_spending  # the one place to change how α is spread over the looks


def check_looks(looks: Sequence[int]) -> tuple[int, ...]:
    """The looks as a tuple; a ValueError naming them unless they are whole numbers of seeds that increase,
    the first 2 or more (a t-interval needs two differences)."""
    values = list(looks)
    wellformed = all(isinstance(n, Integral) and not isinstance(n, bool) for n in values)
    if not values or not wellformed or values[0] < 2 or any(b <= a for a, b in pairwise(values)):
        raise ValueError(
            f"looks must be whole numbers of seeds that increase, the first 2 or more: got {values}"
        )
    return tuple(int(n) for n in values)


def information_fractions(looks: Sequence[int]) -> tuple[float, ...]:
    """t_k = looks[k] / looks[−1]: the share of the budget's seeds each look has seen."""
    checked = check_looks(looks)
    return tuple(n / checked[-1] for n in checked)


def alpha_spent(
    looks: Sequence[int], alpha: float = ALPHA, spending: Spending = SPENDING
) -> tuple[float, ...]:
    """α_k = α(t_k) − α(t_{k−1}) for each look: positive, and summing to α over the looks."""
    spent = [spending(t, alpha) for t in information_fractions(looks)]
    return tuple(float(a) for a in np.diff(spent, prepend=0.0))


def t_quantile(alpha: float, n):
    """t(1 − α/2) on n − 1 degrees of freedom: the two-sided interval's multiplier at confidence 1 − α."""
    return distributions.t.ppf(1 - alpha / 2, np.asarray(n) - 1)


# ---- Intervals and states, over arrays: one comparison or many simulated ones ----


@dataclass(frozen=True)
class Intervals:
    """Paired t-intervals over the last axis of an array of differences (one comparison per row)."""

    mean: np.ndarray
    sd: np.ndarray  # sample standard deviation (n − 1); exactly 0 where all differences are equal
    low: np.ndarray
    high: np.ndarray


def paired_intervals(differences, alpha: float) -> Intervals:
    """mean ± t(1 − α/2, n − 1) · sd / √n over the last axis. All-equal differences are exact (sd 0, the
    interval their value), rather than float rounding's sd of about 1e-17."""
    d = np.asarray(differences, dtype=float)
    n = d.shape[-1]
    mean = d.mean(axis=-1)
    sd = np.where(np.all(d == d[..., :1], axis=-1), 0.0, d.std(axis=-1, ddof=1))
    half = t_quantile(alpha, n) * sd / math.sqrt(n)
    return Intervals(mean, sd, mean - half, mean + half)


def state_of(low, high, margin: float) -> np.ndarray:
    """The state of each interval [low, high] (arrays or numbers): better above 0, worse below 0,
    equivalent inside ± margin, undecided otherwise. An interval above 0 but inside the margin is better
    (the text says the difference is smaller than the margin)."""
    low, high = np.asarray(low), np.asarray(high)
    return np.select(
        [low > 0, high < 0, (low >= -margin) & (high <= margin)],
        [State.BETTER.value, State.WORSE.value, State.EQUIVALENT.value],
        default=State.UNDECIDED.value,
    )


def clipped_to(low, high, bounds: tuple[float, float]):
    """(low, high) cut to what the difference can be (`stats.difference_range`)."""
    floor, ceiling = bounds
    return np.clip(low, floor, ceiling), np.clip(high, floor, ceiling)


# ---- One comparison ----


@dataclass(frozen=True)
class Decision:
    """A comparison (B − A, paired by seed) at a look: its state, from the interval at confidence 1 − alpha
    over n paired differences, clipped to what the difference can be (`clipped` says it was).
    `seeds_needed`, for an undecided one: the seeds a fixed design at the full α would need to decide it
    with the observed mean and sd (`more_than`: more than that, the cap)."""

    state: State
    n: int
    mean: float
    low: float
    high: float
    sd: float
    margin: float  # the smallest difference that matters, in the metric's unit
    alpha: float  # the α this look spent: the interval's confidence is 1 − alpha
    clipped: bool = False
    seeds_needed: int | None = None
    more_than: bool = False

    @property
    def decided(self) -> bool:
        return self.state in DECIDED

    @property
    def beyond_margin(self) -> bool:
        """Better or worse by at least the margin that matters (the mean difference, as stats.Paired
        reads it); false for a difference smaller than it, and for equivalent or undecided."""
        return self.state in (State.BETTER, State.WORSE) and abs(self.mean) >= self.margin

    def interval(self, digits: int = DIGITS) -> str:
        """'+0.0123 [+0.0041, +0.0205]', with the clipped mark where the interval was cut."""
        return signed_interval(self.mean, self.low, self.high, digits) + (CLIPPED if self.clipped else "")

    def text(self, digits: int = DIGITS) -> str:
        """'better by +0.0123 [+0.0041, +0.0205], n = 8: beyond the 0.00500 that matters',
        'equivalent within ±0.00500: -0.0004 [-0.0031, +0.0023], n = 12', or
        'undecided at n = 20 (about 45 seeds would decide it): +0.0040 [-0.0012, +0.0092]'."""
        margin = number(self.margin, digits)
        if self.state is State.EQUIVALENT:
            return f"equivalent within ±{margin}: {self.interval(digits)}, n = {self.n}"
        if self.state is State.UNDECIDED:
            return f"undecided at n = {self.n} ({self.needed_text()}): {self.interval(digits)}"
        size = "beyond" if self.beyond_margin else "smaller than"
        return f"{self.state} by {self.interval(digits)}, n = {self.n}: {size} the {margin} that matters"

    def needed_text(self) -> str:
        """'about 45 seeds would decide it' or 'more than 1000 seeds would decide it'; '' when decided."""
        if self.seeds_needed is None:
            return ""
        return f"{'more than' if self.more_than else 'about'} {self.seeds_needed} seeds would decide it"


def checked_differences(differences: Sequence[float]) -> np.ndarray:
    d = np.asarray(differences, dtype=float)
    if d.ndim != 1 or d.size < 2:
        raise ValueError(f"a decision needs at least two paired differences (one per seed): got {d.size}")
    if not np.isfinite(d).all():
        raise ValueError(f"paired differences must be finite numbers: got {d.tolist()}")
    return d


def decision_at(
    differences: Sequence[float],
    alpha: float,
    margin: float,
    bounds: tuple[float, float] = UNBOUNDED,
    higher_is_better: bool = True,
) -> Decision:
    """The decision of one comparison from its per-seed differences with an interval at confidence
    1 − alpha, clipped to `bounds` (decided on the clipped interval, as it is shown). Above 0 is better
    where more of the metric is better (an accuracy), worse where less is (a loss)."""
    if not (math.isfinite(margin) and margin >= 0):
        raise ValueError(f"the margin that matters must be a finite number at or above 0: got {margin}")
    d = checked_differences(differences)
    found = paired_intervals(d, alpha)
    mean, sd = float(found.mean), float(found.sd)
    low, high = (float(v) for v in clipped_to(found.low, found.high, bounds))
    state = State(str(state_of(low, high, margin)))
    if not higher_is_better:
        state = {State.BETTER: State.WORSE, State.WORSE: State.BETTER}.get(state, state)
    needed, more_than = (None, False) if state in DECIDED else seeds_needed(mean, sd, d.size, margin, bounds)
    clipped = (low, high) != (float(found.low), float(found.high))
    return Decision(state, int(d.size), mean, low, high, sd, margin, alpha, clipped, needed, more_than)


def decide(
    differences: Sequence[float],
    look: int,
    looks: Sequence[int],
    margin: float,
    bounds: tuple[float, float] = UNBOUNDED,
    *,
    higher_is_better: bool = True,
    alpha: float = ALPHA,
    spending: Spending = SPENDING,
) -> Decision:
    """A comparison at look `look` (an index into `looks`), at that look's share of α. `differences` are
    its paired differences so far (normally looks[look] of them; fewer where a seed diverged on a side);
    `margin` is `margins.smallest_meaningful` of the metric; `bounds` its `stats.difference_range`;
    `higher_is_better` its `stats.higher_is_better`."""
    spent = alpha_spent(looks, alpha, spending)
    if not 0 <= look < len(spent):
        raise ValueError(f"look {look} is not one of the {len(spent)} looks {list(looks)} (0 is the first)")
    return decision_at(differences, spent[look], margin, bounds, higher_is_better)


def decide_once(
    differences: Sequence[float],
    margin: float,
    bounds: tuple[float, float] = UNBOUNDED,
    *,
    higher_is_better: bool = True,
    alpha: float = ALPHA,
) -> Decision:
    """A comparison looked at once (mlplab-compare's config change): the same states at the whole α."""
    return decision_at(differences, alpha, margin, bounds, higher_is_better)


def seeds_needed(
    mean: float,
    sd: float,
    n: int,
    margin: float,
    bounds: tuple[float, float] = UNBOUNDED,
    *,
    alpha: float = ALPHA,
    cap: int = SEEDS_CAP,
) -> tuple[int, bool]:
    """(seeds, more_than): the fewest seeds, more than the n that left it undecided, at which a fixed
    design at the full α would decide a comparison whose mean and paired sd stay as observed: its
    half-width below |mean| (excluding 0) or below margin − |mean| (equivalence), whichever comes first.
    (cap, True) when not even `cap` seeds would. A plug-in estimate: about half of such designs decide."""
    candidates = np.arange(n + 1, cap + 1)
    if candidates.size == 0:
        return cap, True
    half = t_quantile(alpha, candidates) * sd / np.sqrt(candidates)
    low, high = clipped_to(mean - half, mean + half, bounds)
    decides = state_of(low, high, margin) != State.UNDECIDED.value
    if not decides.any():
        return cap, True
    return int(candidates[np.argmax(decides)]), False
