"""The chapter's printed demonstrations, as rule `analysis` writes them to results/analyses/: dropout on
the notes' X at p = 0, 0.5, 1, and the exploding-gradient section's starting matrix and final product."""

import io

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

import tiny
from mlplab.chapter import analyses, demos
from mlplab.workflow.catalogue import ANALYSES
from mlplab.workflow.named_objects import resolve as load_object

CONFIG = yaml.safe_load((tiny.REPO / "config.yaml").read_text())


def run_analysis(name: str, config: dict = CONFIG) -> tuple[pd.DataFrame, bytes]:
    """An analysis as rule `analysis` runs it (its config block and fixed arguments), and its CSV bytes."""
    analysis = ANALYSES[name]
    table, _ = load_object(analysis.function)(**config["analyses"][analysis.config], **analysis.fixed)
    return table, table.to_csv(index=False).encode()


def matrices(table: pd.DataFrame) -> dict[str, np.ndarray]:
    """A demonstration's table (matrix, row, c0, c1, …) as label → matrix, in the table's order."""
    columns = [c for c in table.columns if c[0] == "c" and c[1:].isdigit()]
    return {
        label: group.sort_values("row")[columns].to_numpy()
        for label, group in table.groupby("matrix", sort=False)
    }


# ---- Dropout on the notes' X ----


def test_dropout_demo_is_the_notes_x_and_three_probabilities():
    table, _ = run_analysis("dropout_demo")
    shown = matrices(table)
    assert list(shown) == ["X", "dropout_p = 0", "dropout_p = 0.5", "dropout_p = 1"]
    X = np.arange(16, dtype=np.float32).reshape(2, 8)
    assert all(m.shape == (2, 8) for m in shown.values())
    assert np.array_equal(shown["X"], X)
    assert np.array_equal(shown["dropout_p = 0"], X)  # p = 0 returns X exactly
    assert np.array_equal(shown["dropout_p = 1"], np.zeros_like(X))  # p = 1 zeros everything
    half = shown["dropout_p = 0.5"]
    kept = half != 0
    assert np.array_equal(half[kept], 2 * X[kept])  # only 0 or 2·x
    dropped = int((~kept & (X != 0)).sum())
    assert 3 <= dropped <= 12, half  # about half of the 15 non-zero entries (seed 0: 8)


def test_dropout_demo_follows_from_the_seed():
    first = run_analysis("dropout_demo")[1]
    torch.rand(5)  # the global generator moved on: the demonstration seeds it itself
    assert run_analysis("dropout_demo")[1] == first
    other = {**CONFIG, "analyses": {"dropout_demo": {**CONFIG["analyses"]["dropout_demo"], "seed": 1}}}
    assert run_analysis("dropout_demo", other)[1] != first


def test_dropout_demo_leaves_the_callers_generator_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    demos.dropout_masks([0.5], seed=0, shape=[2, 8])
    assert torch.equal(torch.rand(3), expected)


def test_dropout_demo_csv_reads_back_to_the_same_matrices():
    table, data = run_analysis("dropout_demo")
    back = pd.read_csv(io.BytesIO(data))
    assert list(back.columns) == ["matrix", "row", *(f"c{j}" for j in range(8))]
    for label, matrix in matrices(back).items():
        assert np.array_equal(matrix, matrices(table)[label]), label


# ---- The exploding-gradient matrices ----


def test_exploding_matrices_share_the_curves_draw():
    config = CONFIG["analyses"]["exploding_gradient"]
    table, _ = run_analysis("exploding_gradient_matrices")
    shown = matrices(table)
    n = config["n_products"]
    assert list(shown) == ["a single matrix", f"after multiplying {n} matrices"]
    curve = analyses.exploding_products(**config)
    start, product = shown.values()
    assert start.shape == product.shape == (config["size"], config["size"])
    assert np.log10(np.abs(product).max()) == pytest.approx(curve["log10_max_abs"].iloc[-1], abs=1e-12)
    assert np.abs(start).max() < 10 and np.abs(product).max() > 1e20
    assert run_analysis("exploding_gradient_matrices")[1] == run_analysis("exploding_gradient_matrices")[1]


def test_exploding_matrices_follow_the_config_they_share():
    config = {"n_products": 3, "size": 2, "seed": 5}
    M, *_, last = analyses.random_products(**config)
    table = analyses.exploding_matrices(**config)
    shown = matrices(table)
    assert np.array_equal(shown["a single matrix"], M.numpy())
    assert np.array_equal(shown["after multiplying 3 matrices"], last.numpy())
    curve = analyses.exploding_products(**config)
    assert curve["log10_max_abs"].iloc[-1] == last.abs().max().log10().item()
