"""The epoch benchmark runs both loops (ours and the book's DataLoader loop) on the same files and
reports figures that agree with each other. Speed itself is not asserted here: see the README."""

import re
import subprocess
import sys

import pytest

from tiny import REPO, fake_fashion_mnist

BENCHMARK = REPO / "benchmarks/epoch_speed.py"
pytestmark = pytest.mark.slow


def run_benchmark(*args):
    return subprocess.run(
        [sys.executable, str(BENCHMARK), "--threads", "1", *args], capture_output=True, text=True, timeout=600
    )


def figure(pattern, text):
    match = re.search(pattern, text)
    assert match, f"no line matching {pattern!r} in:\n{text}"
    return float(match.group(1))


def test_epoch_benchmark_runs_both_loops_on_the_given_files(tmp_path):
    fake_fashion_mnist(tmp_path, n_train=3000, n_test=500)
    result = run_benchmark("--raw", str(tmp_path), "--epochs", "3", "--book-epochs", "1")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # Both loops trained: the generated classes are learnable well above chance (0.1) in 3 epochs.
    assert figure(r"ours: final test accuracy ([\d.]+)", out) > 0.5
    assert figure(r"book: final train loss ([\d.]+)", out) < 2.3  # below ln 10, chance
    ours, book = figure(r"ours: ([\d.]+) s/epoch", out), figure(r"book: ([\d.]+) s/epoch", out)
    assert ours > 0 and book > 0
    # The ratio of the two timings, which are printed rounded to 3 decimals (the ratio to 1).
    low, high = (book - 5e-4) / (ours + 5e-4), (book + 5e-4) / (ours - 5e-4)
    assert low - 0.05 <= figure(r"speed-up: ([\d.]+)x", out) <= high + 0.05
    # The floor counts this data set's examples: per training example 2 × 784 × 256 multiply-adds
    # forward and as many for the weight gradient (plus the small second layer), 3,000 of them:
    # between 2.4 and 2.9 GFLOP with the test set's forward (the real data set gives 53).
    assert 2.4 < figure(r"floor: ([\d.]+) GFLOP", out) < 2.9


def test_epoch_benchmark_names_the_missing_files(tmp_path):
    result = run_benchmark("--raw", str(tmp_path))
    assert result.returncode == 2
    assert "train-images-idx3-ubyte.gz" in result.stderr and "--raw" in result.stderr
