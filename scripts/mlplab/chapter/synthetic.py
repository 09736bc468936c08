"""The chapter's generated data sets: polynomial regression and high-dimensional linear regression."""

from __future__ import annotations

import math

import torch

from mlplab.chapter.seeding import generator


def polynomial_data(
    max_degree: int,
    n_train: int,
    n_test: int,
    true_w: list[float],
    noise_std: float,
    seed: int,
) -> dict[str, torch.Tensor]:
    """Features x^i / i! for i < max_degree with x ~ N(0, 1); labels = features·w + N(0, noise_std²)."""
    if len(true_w) > max_degree:
        raise ValueError(f"true_w has {len(true_w)} entries but max_degree is {max_degree}")
    g = generator(seed, "polynomial_data")
    w = torch.zeros(max_degree, dtype=torch.float64)
    w[: len(true_w)] = torch.tensor(true_w, dtype=torch.float64)
    x = torch.randn(n_train + n_test, 1, generator=g, dtype=torch.float64)
    powers = torch.arange(max_degree, dtype=torch.float64)
    # Dividing by i! keeps high powers from dominating the gradients.
    factorials = torch.tensor([math.gamma(i + 1) for i in range(max_degree)], dtype=torch.float64)
    features = x.pow(powers) / factorials
    labels = features @ w + noise_std * torch.randn(n_train + n_test, generator=g, dtype=torch.float64)
    return {
        "x": x.squeeze(1).float(),
        "features": features.float(),
        "labels": labels.float(),
        "true_w": w.float(),
        "n_train": torch.tensor(n_train),
    }


def linear_data(
    n_train: int,
    n_test: int,
    num_inputs: int,
    w: float,
    b: float,
    noise_std: float,
    seed: int,
) -> dict[str, torch.Tensor]:
    """y = X·w + b + N(0, noise_std²), X ~ N(0, 1), every weight equal to `w` (d2l's synthetic_data)."""
    g = generator(seed, "linear_data")
    true_w = torch.full((num_inputs,), float(w))

    def draw(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        X = torch.randn(n, num_inputs, generator=g)
        y = X @ true_w + b + noise_std * torch.randn(n, generator=g)
        return X, y

    X_train, y_train = draw(n_train)
    X_test, y_test = draw(n_test)
    return {
        "X_train": X_train,
        "y_train": y_train,
        "X_test": X_test,
        "y_test": y_test,
        "true_w": true_w,
        "true_b": torch.tensor(float(b)),
    }


# The generator of each data set of `mlplab.workflow.catalogue.SYNTHETIC`, by name.
GENERATORS = {"polynomial": polynomial_data, "linear": linear_data}
