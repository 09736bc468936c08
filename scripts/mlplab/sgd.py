"""Optimisation steps: the book's hand-written SGD for from-scratch models, torch.optim for concise ones."""

from __future__ import annotations

import torch
from torch import nn


def sgd(params: list[torch.Tensor], lr: float) -> None:
    """Minibatch SGD as the book writes it from scratch: p -= lr * grad, then clear the gradient."""
    with torch.no_grad():
        for param in params:
            param.sub_(param.grad, alpha=lr)  # in place, without a temporary for lr * grad
            param.grad = None


def make_step(net: nn.Module, lr: float):
    """One optimisation step on a loss: the hand-written `sgd` for from-scratch models (as the book
    does), torch.optim.SGD for concise ones."""
    params = list(net.parameters())
    if getattr(net, "from_scratch", False):

        def step(loss: torch.Tensor) -> None:
            loss.backward()
            sgd(params, lr)

        return step
    optimizer = torch.optim.SGD(params, lr=lr)

    def step(loss: torch.Tensor) -> None:
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step
