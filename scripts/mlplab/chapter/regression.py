"""Polynomial fitting and weight decay: the chapter's small regressions.

Losses are reported as the mean squared error. The book's `squared_loss` is half of that; the
from-scratch weight-decay model still *trains* on the book's half-squared loss so its optimisation
matches the book, only the reported numbers use the MSE throughout.

These kinds train on the CPU whatever `device` says: a hundred examples gain nothing from a GPU.

Each fit hands back what it trained (`RunResult.parameters`), and each has a `*_metrics` function that
scores saved parameters with the code its epochs score with, so that mlplab-evaluate recomputes a run's
final metrics exactly.
"""

from __future__ import annotations

from collections.abc import Callable

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
    splits = _polynomial_splits(data, num_features)
    X_train, _, y_train, _ = splits
    n_train = len(X_train)
    net = nn.Linear(num_features, 1, bias=False)
    # One or two small tensors: the single-tensor path has less per-step overhead than foreach.
    optimizer = torch.optim.SGD(net.parameters(), lr=lr, foreach=False)
    order = torch.Generator().manual_seed(seed)
    batch_size = min(batch_size, n_train)
    predict = _linear_predictor(net)

    def epoch_fn(epoch: int) -> dict[str, float]:
        for idx in _minibatches(n_train, batch_size, order):
            loss = F.mse_loss(predict(X_train[idx]), y_train[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        return _polynomial_metrics(predict, *splits)

    initial_loss = _mse(predict, X_train, y_train)
    result = run_epochs(
        config.epochs, epoch_fn, net.state_dict, on_epoch, initial_loss=initial_loss, diverge_at=diverge_at
    )
    result.examples = {"train": n_train, "test": len(splits[1])}
    true_w = data["true_w"]
    result.extra["weights"] = {
        "learned": net.weight.detach().squeeze(0).tolist(),
        "true": true_w[:num_features].tolist(),
    }
    return result


def polynomial_metrics(
    config: Polynomial, data: dict, parameters: dict[str, torch.Tensor]
) -> dict[str, float]:
    """The metrics of a polynomial fit's saved parameters, as its epochs compute them."""
    net = nn.Linear(config.num_features, 1, bias=False)
    net.load_state_dict(parameters)
    return _polynomial_metrics(
        _linear_predictor(net), *_polynomial_splits(data["polynomial"], config.num_features)
    )


def _polynomial_splits(data: dict[str, torch.Tensor], num_features: int) -> tuple[torch.Tensor, ...]:
    """(X_train, X_test, y_train, y_test) on the first `num_features` polynomial features."""
    n_train = int(data["n_train"])
    X = data["features"][:, :num_features]
    return X[:n_train], X[n_train:], data["labels"][:n_train], data["labels"][n_train:]


def _polynomial_metrics(predict, X_train, X_test, y_train, y_test) -> dict[str, float]:
    return {TRAIN_LOSS: _mse(predict, X_train, y_train), TEST_LOSS: _mse(predict, X_test, y_test)}


def _linear_predictor(net: nn.Linear) -> Callable[[torch.Tensor], torch.Tensor]:
    """A one-output linear layer as a function of the inputs, one prediction per row."""

    def predict(inputs: torch.Tensor) -> torch.Tensor:
        return net(inputs).squeeze(1)

    return predict


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
    predict = _affine_predictor(w, b)

    def epoch_fn(epoch: int) -> dict[str, float]:
        for idx in _minibatches(len(X_train), batch_size, order):
            squared_loss = (predict(X_train[idx]) - y_train[idx]) ** 2 / 2
            loss = squared_loss.mean() + wd * l2_penalty(w)
            loss.backward()
            sgd([w, b], lr)
        return _regression_metrics(predict, data, w)

    initial_loss = _mse(predict, X_train, y_train)
    trained = {"w": w, "b": b}
    result = run_epochs(
        config.epochs, epoch_fn, lambda: trained, on_epoch, initial_loss=initial_loss, diverge_at=diverge_at
    )
    result.examples = linear_examples(data)
    return result


def weight_decay_scratch_metrics(
    config: WeightDecay, data: dict, parameters: dict[str, torch.Tensor]
) -> dict[str, float]:
    """The metrics of the from-scratch fit's saved w and b, as its epochs compute them."""
    w, b = parameters["w"], parameters["b"]
    return _regression_metrics(_affine_predictor(w, b), data["linear"], w)


def _affine_predictor(w: torch.Tensor, b: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    def predict(inputs: torch.Tensor) -> torch.Tensor:
        return inputs @ w + b

    return predict


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
    predict = _linear_predictor(net)

    def epoch_fn(epoch: int) -> dict[str, float]:
        for idx in _minibatches(len(X_train), batch_size, order):
            loss = F.mse_loss(predict(X_train[idx]), y_train[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        return _regression_metrics(predict, data, net.weight)

    initial_loss = _mse(predict, X_train, y_train)
    result = run_epochs(
        config.epochs, epoch_fn, net.state_dict, on_epoch, initial_loss=initial_loss, diverge_at=diverge_at
    )
    result.examples = linear_examples(data)
    return result


def linear_examples(data: dict[str, torch.Tensor]) -> dict[str, int]:
    return {"train": len(data["X_train"]), "test": len(data["X_test"])}


def weight_decay_concise_metrics(
    config: WeightDecay, data: dict, parameters: dict[str, torch.Tensor]
) -> dict[str, float]:
    """The metrics of the concise fit's saved layer, as its epochs compute them."""
    net = nn.Linear(data["linear"]["X_train"].shape[1], 1)
    net.load_state_dict(parameters)
    return _regression_metrics(_linear_predictor(net), data["linear"], net.weight)


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
