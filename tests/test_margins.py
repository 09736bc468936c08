"""The smallest difference that matters, declared once for the report, the sweep pages and compare."""

import pytest

from mlplab.chapter.metrics import ACCURACIES, TEST_LOSS, W_NORM
from mlplab.presentation.margins import Margin, margin_of, smallest_meaningful


def test_accuracies_take_half_a_point_and_everything_else_five_percent_of_the_reference():
    for metric in ACCURACIES:
        assert margin_of(metric) == Margin(0.005, relative=False)
        assert smallest_meaningful(metric, 0.84) == 0.005
    assert smallest_meaningful(TEST_LOSS, 9.4) == pytest.approx(0.47)
    assert smallest_meaningful(W_NORM, -4.0) == pytest.approx(0.2)  # of the size, whatever the sign
    assert smallest_meaningful("some_new_metric", 2.0) == pytest.approx(0.1)


def test_a_margin_says_what_it_is_relative_to():
    assert margin_of(TEST_LOSS).describe() == "5 % of the baseline's mean"
    assert margin_of(TEST_LOSS).describe("A's mean") == "5 % of A's mean"
    assert margin_of("test_acc").describe() == "0.005 absolute"
