"""How numbers are written on every page, table and terminal (the report, the exercises page, mlplab-compare,
mlplab-status): one formatter for a number, a signed difference, an estimate with its interval and n, and
one mark for "no value". Every number has DIGITS significant digits unless a caller asks otherwise, so a
metric reads the same everywhere; tiny and huge values are written in scientific notation (6.3e-11)."""

from __future__ import annotations

import math
from collections.abc import Sequence

NO_VALUE = "–"  # an en dash: no value (nothing completed, not defined for one seed, not applicable)
CLIPPED = "†"  # after an interval cut to what its metric can be; the table's caption says where
DIGITS = 3  # significant digits of every number written: 0.842, 12.9, 0.0412
# Beyond these magnitudes a number is written as 6.3e-11 or 1.2e+28, not as 0.000000000063 or 28 digits.
SCIENTIFIC_BELOW = 1e-4
SCIENTIFIC_FROM = 1e6
# Below this every metric here is float rounding, not a value (losses and accuracies are far above it).
ROUNDING_FLOOR = 1e-12


def finite(value) -> bool:
    return value is not None and math.isfinite(value)


def number(value, digits: int = DIGITS) -> str:
    """`digits` significant digits: 0.842, 12.9, 0.0412, 6.30e-11 (a number alone is never float rounding:
    only 0 is written as zero)."""
    if not finite(value):
        return NO_VALUE
    return (
        written([value], digits)[0]
        if value == 0 or abs(value) >= ROUNDING_FLOOR
        else f"{value:.{digits - 1}e}"
    )


def signed(value, digits: int = DIGITS) -> str:
    """A difference with its sign: +0.0123, -2.10e-05."""
    return written([value], digits, sign=True)[0] if finite(value) else NO_VALUE


def estimate(mean, low, high, n, digits: int = DIGITS, clipped: bool = False) -> str:
    """'0.842 [0.826, 0.858], n = 3': a mean over n seeds and its 95 % interval, all to the same decimal
    places; '0.842, n = 1' where there is no interval; '0.42 [0.00, 1.00]†, n = 3' where the interval was
    clipped to what the metric can be; '6.3e-11 [0, 1.46e-10], n = 3' for tiny values."""
    if not finite(mean):
        return NO_VALUE
    value, *bounds = written(shown(mean, low, high), digits)
    interval = f" [{bounds[0]}, {bounds[1]}]{CLIPPED if clipped else ''}" if bounds else ""
    return f"{value}{interval}, n = {int(n)}"


def signed_interval(difference, low, high, digits: int = DIGITS) -> str:
    """'+0.0123 [+0.0041, +0.0205]', every number to the same decimal places; '+0.0100' without bounds."""
    if not finite(difference):
        return NO_VALUE
    first, *bounds = written(shown(difference, low, high), digits, sign=True)
    return f"{first} [{bounds[0]}, {bounds[1]}]" if bounds else first


def shown(value: float, low, high) -> list[float]:
    """[value, low, high], or [value] where the interval is missing."""
    return [value, low, high] if finite(low) and finite(high) else [value]


def written(values: Sequence[float], digits: int, sign: bool = False) -> list[str]:
    """A value, or a value and its interval, written alike: to the same decimal places
    (`shared_decimals`), or, where the largest is tiny or huge, in scientific notation to the same last
    digit (6.3e-11 [0, 1.46e-10]: both to 1e-12)."""
    places = shared_decimals(values, digits)
    plus = "+" if sign else ""
    if not scientific(values):
        return [f"{v:{plus}.{places}f}" for v in values]
    if places > 0:
        quantum = 10.0**-places
    else:  # huge: the same significant digits of the largest, counted from its leading digit
        quantum = 10.0 ** (magnitude(max(abs(v) for v in values)) - digits + 1)
    return [in_scientific(v, quantum, plus) for v in values]


def in_scientific(value: float, quantum: float, plus: str) -> str:
    """A value rounded to `quantum` in scientific notation, its digits down to the quantum's; 0 as '0'."""
    rounded = round(value / quantum) * quantum
    if rounded == 0:
        return f"{plus}0" if plus else "0"
    digits = max(magnitude(rounded) - magnitude(quantum), 0)
    return f"{rounded:{plus}.{digits}e}"


def magnitude(value: float) -> int:
    """The power of ten of a number's leading digit (0.0412 → -2), 0 for 0."""
    return math.floor(math.log10(abs(value))) if value else 0


def scientific(values: Sequence[float]) -> bool:
    """Whether the largest magnitude is tiny (but not float rounding of 0) or huge."""
    scale = max(abs(v) for v in values)
    return ROUNDING_FLOOR <= scale < SCIENTIFIC_BELOW or scale >= SCIENTIFIC_FROM


def decimals(scale: float, digits: int) -> int:
    """Decimal places that give `digits` significant digits to a number of size `scale` (0.0205, 3 → 4)."""
    if not math.isfinite(scale) or scale == 0:
        return max(digits - 1, 0)
    return max(digits - 1 - magnitude(scale), 0)


def shared_decimals(shown: Sequence[float], digits: int) -> int:
    """Decimal places for a value, or a value and its interval ([value, low, high]), written alike: `digits`
    significant digits of the largest, and at least two of the interval's width, so that a narrow interval
    (5.0412 [5.0371, 5.0453]) does not print as three equal numbers."""
    scale = max(abs(v) for v in shown)
    if scale < ROUNDING_FLOOR:  # a difference of equal values: zero, up to float rounding
        return max(digits - 1, 0)
    places = decimals(scale, digits)
    # An interval that is only float rounding wide (seeds that agree exactly) has no width to show.
    if len(shown) == 3 and shown[2] - shown[1] > 1e-9 * scale:
        places = max(places, decimals(shown[2] - shown[1], 2))
    return places
