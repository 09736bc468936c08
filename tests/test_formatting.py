"""How numbers are written everywhere: significant digits, an estimate with its interval and n, a signed
difference, and one mark for no value."""

from mlplab.presentation import formatting


def test_an_estimate_is_written_with_its_interval_and_n_to_shared_decimal_places():
    nan = float("nan")
    assert formatting.estimate(0.84231, 0.8262, 0.8584, 3) == "0.842 [0.826, 0.858], n = 3"
    assert formatting.estimate(13.55, 9.2, 17.9, 3) == "13.6 [9.2, 17.9], n = 3"  # same decimal places
    assert formatting.estimate(5.04123, 5.03712, 5.04534, 3) == "5.0412 [5.0371, 5.0453], n = 3"
    assert formatting.estimate(12.96, nan, nan, 1) == "13.0, n = 1"  # one seed: no interval
    assert formatting.estimate(nan, nan, nan, 0) == "–"


def test_decimals_give_the_same_places_to_a_value_and_its_interval():
    assert formatting.decimals(0.0205, 3) == 4
    assert formatting.decimals(10.7, 3) == 1
    assert formatting.decimals(1234.0, 3) == 0
    assert formatting.decimals(0.0, 3) == 2
    # A narrow interval gets the places that show its width: not "5.04 [5.04, 5.04]".
    assert formatting.shared_decimals([5.0412, 5.0371, 5.0453], 3) == 4
    assert formatting.shared_decimals([0.842, 0.826, 0.858], 3) == 3
    assert formatting.shared_decimals([5.0412], 3) == 2


def test_numbers_differences_and_no_value():
    assert formatting.number(0.84231) == "0.842" and formatting.number(2.1e-05) == "2.10e-05"
    assert formatting.number(12.96) == "13.0" and formatting.number(0.5) == "0.500"  # three digits, kept
    assert formatting.number(0.84231, 4) == "0.8423"
    assert formatting.signed(0.0123) == "+0.0123" and formatting.signed(-2) == "-2.00"
    assert formatting.signed_interval(0.0123, 0.0041, 0.0205) == "+0.0123 [+0.0041, +0.0205]"
    assert formatting.signed_interval(0.01, None, None) == "+0.0100"  # three significant digits
    for missing in (None, float("nan"), float("inf")):
        assert formatting.number(missing) == formatting.signed(missing) == formatting.NO_VALUE == "–"


def test_an_interval_only_rounding_wide_is_written_as_the_seeds_agree():
    """Seeds that agree exactly give an interval of float rounding around the value, not 17 decimals."""
    assert formatting.estimate(0.4 + 1e-16, 0.4 - 1e-16, 0.4 + 2e-16, 3) == "0.400 [0.400, 0.400], n = 3"


def test_a_clipped_interval_is_marked():
    """An interval cut to what its metric can be carries a mark, which the table's caption explains."""
    assert formatting.estimate(0.42, 0.0, 1.0, 3, clipped=True) == "0.42 [0.00, 1.00]†, n = 3"
    assert formatting.estimate(0.42, float("nan"), float("nan"), 1, clipped=True) == "0.420, n = 1"


def test_a_difference_of_equal_values_is_written_as_zero():
    """Welch's interval of equal values on both sides is float rounding around 0, not 18 decimals."""
    assert formatting.signed_interval(0.0, -1.5e-16, 1.5e-16) == "+0.00 [-0.00, +0.00]"


def test_tiny_and_huge_values_are_written_in_scientific_notation_to_one_last_digit():
    """Not '0.000000000063 [0.000000000000, 0.000000000146]': the interval's numbers end at the same digit."""
    assert formatting.estimate(6.3e-11, 0.0, 1.46e-10, 3, clipped=True) == "6.3e-11 [0, 1.46e-10]†, n = 3"
    assert formatting.estimate(3e-5, 2.9e-5, 3.1e-5, 3) == "3.00e-05 [2.90e-05, 3.10e-05], n = 3"
    assert formatting.signed_interval(6.3e-11, -2e-11, 1.46e-10) == "+6.3e-11 [-2.0e-11, +1.46e-10]"
    assert formatting.estimate(1.234e28, 1.1e28, 1.3e28, 3) == "1.23e+28 [1.10e+28, 1.30e+28], n = 3"
    assert formatting.number(1.23e28) == "1.23e+28" and formatting.number(1234.5) == "1234"
    # The switch follows the largest number shown: an interval reaching 0.5 keeps fixed decimals.
    assert formatting.estimate(0.2, 1e-5, 0.5, 3) == "0.200 [0.000, 0.500], n = 3"
