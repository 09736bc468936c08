"""Activation functions, their gradients, and the numerical-stability demonstrations."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pandas as pd
import torch

from mlplab.chapter.seeding import generator

# Each activation beside its analytic derivative, to check autograd against.
ACTIVATIONS = {
    "relu": (torch.relu, lambda x: (x > 0).to(x.dtype)),
    "sigmoid": (torch.sigmoid, lambda x: torch.sigmoid(x) * (1 - torch.sigmoid(x))),
    "tanh": (torch.tanh, lambda x: 1 - torch.tanh(x) ** 2),
}
GRADIENT_TOLERANCE = 1e-6


class GradientCheckError(AssertionError):
    pass


def grid(x_min: float, x_max: float, step: float) -> torch.Tensor:
    """x in [x_min, x_max) with the given step, as torch.arange (and the book) make it."""
    if x_max <= x_min:
        raise ValueError(f"x_max ({x_max}) must exceed x_min ({x_min})")
    return torch.arange(x_min, x_max, step, dtype=torch.float64)


def value_and_grad(fn, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    x = x.clone().requires_grad_(True)
    y = fn(x)
    y.backward(torch.ones_like(x))
    return y.detach(), x.grad


def activation_curves(x: torch.Tensor, names=tuple(ACTIVATIONS)) -> tuple[pd.DataFrame, dict]:
    """Each activation and its autograd gradient on x, plus the largest deviation from the analytic
    derivative. Raises GradientCheckError if autograd and the formula disagree."""
    table = {"x": x.numpy()}
    max_errors = {}
    for name in names:
        fn, derivative = ACTIVATIONS[name]
        y, grad = value_and_grad(fn, x)
        # ReLU has no derivative at 0; autograd uses 0 there, as does the formula above.
        max_errors[name] = (grad - derivative(x)).abs().max().item()
        table[name] = y.numpy()
        table[f"{name}_grad"] = grad.numpy()
    bad = {k: v for k, v in max_errors.items() if v > GRADIENT_TOLERANCE}
    if bad:
        raise GradientCheckError(f"autograd disagrees with the analytic derivative: {bad}")
    return pd.DataFrame(table), max_errors


def random_products(n_products: int, size: int, seed: int) -> Iterator[torch.Tensor]:
    """The exploding-gradient demonstration's draw: M, then M·N1, M·N1·N2, … up to n_products factors,
    all N(0, 1) size×size. Both its tables (the curve and the matrices) come from this one draw.

    float64, so that the growth (beyond 1e20 after 100 products of 4×4) does not overflow first.
    """
    g = generator(seed, "exploding_gradient")
    M = torch.randn(size, size, generator=g, dtype=torch.float64)
    yield M
    for _ in range(n_products):
        M = M @ torch.randn(size, size, generator=g, dtype=torch.float64)
        yield M


def exploding_products(n_products: int, size: int, seed: int) -> pd.DataFrame:
    """log10 of the largest absolute entry of M·N1·…·Nk after each product (k = 1 … n_products). A
    product that overflows float64 ends the table, with an infinite value."""
    products = random_products(n_products, size, seed)
    next(products)  # M itself is not a product
    rows = []
    for k, M in enumerate(products, start=1):
        if not torch.isfinite(M).all():
            rows.append({"products": k, "log10_max_abs": math.inf})
            break
        rows.append({"products": k, "log10_max_abs": M.abs().max().log10().item()})
    return pd.DataFrame(rows)


def exploding_matrices(n_products: int, size: int, seed: int) -> pd.DataFrame:
    """The starting matrix M and the product after n_products multiplications, labelled as the notes
    print them ("a single matrix", "after multiplying 100 matrices")."""
    products = random_products(n_products, size, seed)
    first = next(products)
    *_, last = products
    return matrix_table([("a single matrix", first), (f"after multiplying {n_products} matrices", last)])


def matrix_table(matrices: list[tuple[str, torch.Tensor]]) -> pd.DataFrame:
    """Labelled 2-d matrices as one table, a line per matrix row: `matrix` (its label), `row`, then
    `c0`, `c1`, … (the layout of a printed demonstration in results/analyses/, which the report reads)."""
    frames = []
    for label, M in matrices:
        frame = pd.DataFrame(M.detach().cpu().numpy(), columns=[f"c{j}" for j in range(M.shape[1])])
        frame.insert(0, "row", range(len(frame)))
        frame.insert(0, "matrix", label)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


# ---- What rule `analysis` calls (catalogue.ANALYSES): a table, and a line for the job's log ----


def activations(x_min: float, x_max: float, step: float, functions: list[str]) -> tuple[pd.DataFrame, str]:
    curves, max_errors = activation_curves(grid(x_min, x_max, step), names=functions)
    return curves, f"largest |autograd - analytic| per function: {max_errors}"


def matrix_products(n_products: int, size: int, seed: int) -> tuple[pd.DataFrame, str]:
    table = exploding_products(n_products, size, seed)
    if not math.isfinite(table["log10_max_abs"].iloc[-1]):
        return table, f"overflows float64 at product {table['products'].iloc[-1]}"
    return table, f"largest entry after {len(table)} products: 1e{table['log10_max_abs'].iloc[-1]:.1f}"


def matrix_product_ends(n_products: int, size: int, seed: int) -> tuple[pd.DataFrame, str]:
    table = exploding_matrices(n_products, size, seed)
    largest = table.filter(regex=r"^c\d+$").abs().max(axis=1).groupby(table["matrix"], sort=False).max()
    return table, "largest |entry|: " + ", ".join(f"{label}: {value:.3e}" for label, value in largest.items())
