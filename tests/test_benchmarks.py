"""The epoch benchmark runs both loops (ours and the book's DataLoader loop) on the same files and
reports figures that agree with each other; the dry-run benchmark times the workflow beside Snakemake
alone. Speed itself is not asserted here: see the README."""

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


def test_dry_run_benchmark_compares_the_workflow_with_snakemake_alone():
    """On a small grid, one timed run each: the figures are there and consistent, whatever the speed."""
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks/dry_run_time.py"), "--points", "24", "--runs", "1"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert re.search(r"machine: .+ cores, load average .+ M loop iterations/s", out), out
    # The shipped sweeps' points and the grid's 24, each a job of its own, beside as many bare jobs.
    points = figure(r"\((\d+) sweep points, a block of seeds each\)", re.sub(r"(\d),(\d)", r"\1\2", out))
    assert points >= 24
    same_dag_line = "snakemake -n exercises / Snakemake alone on the same DAG"
    no_inputs_line = "... / as many jobs and outputs without inputs"
    timings = {}
    for what in (same_dag_line, no_inputs_line, "no-op snakemake -n"):
        line = next(line for line in out.splitlines() if what in line)
        timing = re.search(r"([\d.]+) s against ([\d.]+) s, ([\d.]+)×", line)
        assert timing, line
        ours, bare, ratio = (float(x) for x in timing.groups())
        # Each printed to 2 decimals: the ratio of the printed seconds agrees to a few per cent.
        assert ours > 0 and bare > 0 and ratio == pytest.approx(ours / bare, rel=0.03)
        timings[what] = (ours, bare)
    # Both sweep lines time the same runs of ours, beside two baselines whose ratio is printed too.
    (ours, same_dag), (ours_again, no_inputs) = timings[same_dag_line], timings[no_inputs_line]
    assert ours == ours_again
    between = figure(r"the same DAG's bare rules / as many jobs and outputs without inputs: ([\d.]+)×", out)
    assert between == pytest.approx(same_dag / no_inputs, rel=0.03)
