"""Polynomial fitting and weight decay: the chapter's small regressions.

Losses are reported as the mean squared error. The book's `squared_loss` is half of that; the
from-scratch weight-decay model still *trains* on the book's half-squared loss so its optimisation
matches the book, only the reported numbers use the MSE throughout.

These kinds train on the CPU whatever `device` says: a hundred examples gain nothing from a GPU.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mlplab.chapter.hyperparameters import Polynomial, WeightDecay
from mlplab.chapter.loop import RunResult, run_epochs
from mlplab.chapter.metrics import TEST_LOSS, TRAIN_LOSS, W_NORM
from mlplab.chapter.sgd import sgd


def l2_penalty(w: torch.Tensor) -> torch.Tensor:
    return (w**2).sum() / 2


def _minibatches(n: int, batch_size: int, generator: torch.Generator):
    perm = torch.randperm(n, generator=generator)
    for start in range(0, n, batch_size):
        yield perm[start : start + batch_size]


@torch.no_grad()
def _mse(predict, X: torch.Tensor, y: torch.Tensor) -> float:
    return F.mse_loss(predict(X), y).item()


def fit_polynomial(
    config: Polynomial, data: dict, *, seed: int, device=None, on_epoch=None, diverge_at=None
) -> RunResult:
    """Fit `Linear(num_features, 1, bias=False)` on the first `num_features` polynomial features."""
    data, num_features, lr, batch_size = data["polynomial"], config.num_features, config.lr, config.batch_size
    n_train = int(data["n_train"])
    X = data["features"][:, :num_features]
    X_train, X_test = X[:n_train], X[n_train:]
    y_train, y_test = data["labels"][:n_train], data["labels"][n_train:]
    net = nn.Linear(num_features, 1, bias=False)
    # One or two small tensors: the single-tensor path has less per-step overhead than foreach.
    optimizer = torch.optim.SGD(net.parameters(), lr=lr, foreach=False)
    order = torch.Generator().manual_seed(seed)
    batch_size = min(batch_size, n_train)

    def predict(inputs: torch.Tensor) -> torch.Tensor:
        return net(inputs).squeeze(1)

    def epoch_fn(epoch: int) -> dict[str, float]:
        for idx in _minibatches(n_train, batch_size, order):
            loss = F.mse_loss(predict(X_train[idx]), y_train[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        return {TRAIN_LOSS: _mse(predict, X_train, y_train), TEST_LOSS: _mse(predict, X_test, y_test)}

    initial_loss = _mse(predict, X_train, y_train)
    result = run_epochs(config.epochs, epoch_fn, on_epoch, initial_loss=initial_loss, diverge_at=diverge_at)
    true_w = data["true_w"]
    result.extra["weights"] = {
        "learned": net.weight.detach().squeeze(0).tolist(),
        "true": true_w[:num_features].tolist(),
    }
    return result


def fit_weight_decay_scratch(
    config: WeightDecay, data: dict, *, seed: int, device=None, on_epoch=None, diverge_at=None
) -> RunResult:
    """Linear regression with an explicit L2 penalty: loss = squared_loss + wd·‖w‖²/2, plain SGD."""
    data, wd, lr, batch_size = data["linear"], config.wd, config.lr, config.batch_size
    num_inputs = data["X_train"].shape[1]
    w = torch.normal(0.0, 1.0, (num_inputs,)).requires_grad_()
    b = torch.zeros(1, requires_grad=True)
    order = torch.Generator().manual_seed(seed)
    X_train, y_train = data["X_train"], data["y_train"]

    def predict(inputs: torch.Tensor) -> torch.Tensor:
        return inputs @ w + b

    def epoch_fn(epoch: int) -> dict[str, float]:
        for idx in _minibatches(len(X_train), batch_size, order):
            squared_loss = (predict(X_train[idx]) - y_train[idx]) ** 2 / 2
            loss = squared_loss.mean() + wd * l2_penalty(w)
            loss.backward()
            sgd([w, b], lr)
        return _regression_metrics(predict, data, w)

    initial_loss = _mse(predict, X_train, y_train)
    return run_epochs(config.epochs, epoch_fn, on_epoch, initial_loss=initial_loss, diverge_at=diverge_at)


def fit_weight_decay_concise(
    config: WeightDecay, data: dict, *, seed: int, device=None, on_epoch=None, diverge_at=None
) -> RunResult:
    """`Linear(d, 1)` with all parameters ~ N(0, 1); SGD's weight_decay on the weight only, not the bias."""
    data, wd, lr, batch_size = data["linear"], config.wd, config.lr, config.batch_size
    num_inputs = data["X_train"].shape[1]
    net = nn.Linear(num_inputs, 1)
    for param in net.parameters():
        param.data.normal_()
    optimizer = torch.optim.SGD([{"params": net.weight, "weight_decay": wd}, {"params": net.bias}], lr=lr)
    order = torch.Generator().manual_seed(seed)
    X_train, y_train = data["X_train"], data["y_train"]

    def predict(inputs: torch.Tensor) -> torch.Tensor:
        return net(inputs).squeeze(1)

    def epoch_fn(epoch: int) -> dict[str, float]:
        for idx in _minibatches(len(X_train), batch_size, order):
            loss = F.mse_loss(predict(X_train[idx]), y_train[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        return _regression_metrics(predict, data, net.weight)

    initial_loss = _mse(predict, X_train, y_train)
    return run_epochs(config.epochs, epoch_fn, on_epoch, initial_loss=initial_loss, diverge_at=diverge_at)


def _regression_metrics(predict, data: dict[str, torch.Tensor], w: torch.Tensor) -> dict[str, float]:
    return {
        TRAIN_LOSS: _mse(predict, data["X_train"], data["y_train"]),
        TEST_LOSS: _mse(predict, data["X_test"], data["y_test"]),
        W_NORM: w.detach().norm().item(),
    }


def least_squares_polynomial(config: Polynomial, data: dict) -> dict[str, float]:
    """The exact least-squares fit on the first `num_features` features (no SGD, no epochs): the best
    any polynomial of that degree can do on the training set, and what it then does on the test set.
    Minimum-norm solution by SVD, in float64: the high-degree features x^i/i! are tiny and nearly
    collinear, where normal equations would lose the digits that matter."""
    data, k = data["polynomial"], config.num_features
    n_train = int(data["n_train"])
    X = data["features"][:, :k].double().numpy()
    y = data["labels"].double().numpy()
    w = np.linalg.lstsq(X[:n_train], y[:n_train], rcond=None)[0]
    residual = X @ w - y
    return {
        TRAIN_LOSS: float(np.mean(residual[:n_train] ** 2)),
        TEST_LOSS: float(np.mean(residual[n_train:] ** 2)),
    }
