"""How numbers are written on every page, table and terminal: one formatter for a number, a signed
difference, an estimate with its interval and n, and one mark for "no value"."""

from __future__ import annotations

import math
from collections.abc import Sequence

NO_VALUE = "–"  # an en dash: no value (nothing completed, not defined for one seed, not applicable)
CLIPPED = "†"  # after an interval cut to what its metric can be; the table's caption says where


def finite(value) -> bool:
    return value is not None and math.isfinite(value)


def number(value, digits: int = 4) -> str:
    """Significant digits, so 0.8423, 12.96 and 2.1e-05 all read naturally."""
    return f"{value:.{digits}g}" if finite(value) else NO_VALUE


def signed(value, digits: int = 3) -> str:
    """A difference with its sign: +0.0123, −2.1e-05."""
    return f"{value:+.{digits}g}" if finite(value) else NO_VALUE


def estimate(mean, low, high, n, digits: int = 3, clipped: bool = False) -> str:
    """'0.842 [0.826, 0.858], n = 3': a mean over n seeds and its 95 % interval, all to the same decimal
    places; '0.842, n = 1' where there is no interval; '0.42 [0.00, 1.00]†, n = 3' where the interval was
    clipped to what the metric can be."""
    if not finite(mean):
        return NO_VALUE
    shown = [mean, low, high] if finite(low) and finite(high) else [mean]
    places = shared_decimals(shown, digits)
    value, *bounds = (f"{v:.{places}f}" for v in shown)
    interval = f" [{bounds[0]}, {bounds[1]}]{CLIPPED if clipped else ''}" if bounds else ""
    return f"{value}{interval}, n = {int(n)}"


def signed_interval(difference, low, high, digits: int = 3) -> str:
    """'+0.0123 [+0.0041, +0.0205]', every number to the same decimal places; '+0.01' without bounds."""
    if not finite(difference):
        return NO_VALUE
    shown = [difference] + ([low, high] if finite(low) and finite(high) else [])
    places = shared_decimals(shown, digits)
    first, *bounds = (f"{v:+.{places}f}" for v in shown)
    return f"{first} [{bounds[0]}, {bounds[1]}]" if bounds else first


def decimals(scale: float, digits: int) -> int:
    """Decimal places that give `digits` significant digits to a number of size `scale` (0.0205, 3 → 4)."""
    if not math.isfinite(scale) or scale == 0:
        return max(digits - 1, 0)
    return max(digits - 1 - math.floor(math.log10(abs(scale))), 0)


# Below this every metric here is float rounding, not a value (losses and accuracies are far above it).
ROUNDING_FLOOR = 1e-12


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
