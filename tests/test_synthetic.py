"""The generated data sets: seeded, and statistically what the book describes."""

import math

import pytest
import torch

from mlplab.chapter.synthetic import linear_data, polynomial_data

POLY = dict(max_degree=20, n_train=100, n_test=100, true_w=[5.0, 1.2, -3.4, 5.6], noise_std=0.1)


def test_polynomial_is_deterministic_under_a_seed():
    a, b, c = (
        polynomial_data(**POLY, seed=3),
        polynomial_data(**POLY, seed=3),
        polynomial_data(**POLY, seed=4),
    )
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["features"], c["features"])


def test_polynomial_features_and_noise():
    big = {**POLY, "n_train": 20_000, "n_test": 0}
    data = polynomial_data(**big, seed=0)
    x, features = data["x"].double(), data["features"].double()
    assert features.shape == (20_000, 20)
    assert torch.allclose(features[:, 3], x**3 / math.factorial(3), rtol=1e-5, atol=1e-6)
    assert (
        data["true_w"][:4].tolist() == pytest.approx([5.0, 1.2, -3.4, 5.6]) and not data["true_w"][4:].any()
    )
    noise = data["labels"].double() - features @ data["true_w"].double()
    assert abs(noise.std().item() - 0.1) < 0.005
    assert abs(noise.mean().item()) < 0.005
    assert abs(x.std().item() - 1.0) < 0.02


def test_linear_data_matches_its_model():
    data = linear_data(n_train=20, n_test=5000, num_inputs=200, w=0.01, b=0.05, noise_std=0.01, seed=0)
    assert data["X_train"].shape == (20, 200) and data["X_test"].shape == (5000, 200)
    residual = data["y_test"] - (data["X_test"] @ data["true_w"] + 0.05)
    assert abs(residual.std().item() - 0.01) < 0.001
    again = linear_data(n_train=20, n_test=5000, num_inputs=200, w=0.01, b=0.05, noise_std=0.01, seed=0)
    assert torch.equal(data["X_train"], again["X_train"])
