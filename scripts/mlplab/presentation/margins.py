"""The smallest difference that matters, per metric, declared once: the report's paired differences, the
sweep pages and mlplab-compare all read it.

Half an accuracy point for accuracies; 5 % of the reference's mean for losses, ‖w‖ and any other metric,
whose scale differs by orders of magnitude between entries (a test MSE of 0.01 beside 9.4). A difference
whose interval excludes 0 but is smaller than this is real but too small to read anything into.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlplab.chapter.metrics import ACCURACIES


@dataclass(frozen=True)
class Margin:
    value: float
    relative: (
        bool  # a fraction of the reference's mean (a baseline's, or A's in mlplab-compare), else absolute
    )

    def of(self, reference_mean: float) -> float:
        """The margin in the metric's unit, against a reference whose mean is `reference_mean`."""
        return self.value * abs(reference_mean) if self.relative else self.value

    def describe(self, reference: str = "the baseline's mean") -> str:
        """'0.005 absolute' or '5 % of the baseline's mean'."""
        return f"{self.value * 100:g} % of {reference}" if self.relative else f"{self.value:g} absolute"


ACCURACY_MARGIN = Margin(0.005, relative=False)  # half an accuracy point
RELATIVE_MARGIN = Margin(0.05, relative=True)  # losses, ‖w‖ and every other metric


def margin_of(metric: str) -> Margin:
    return ACCURACY_MARGIN if metric in ACCURACIES else RELATIVE_MARGIN


def smallest_meaningful(metric: str, reference_mean: float) -> float:
    """The smallest difference in `metric` that matters, in its unit."""
    return margin_of(metric).of(reference_mean)
