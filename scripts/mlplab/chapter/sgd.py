"""Update steps: the book's hand-written SGD for from-scratch models, torch.optim for concise ones.
A model picks its own (`configure_optimizers`, as d2l's Module does)."""

from __future__ import annotations

from collections.abc import Callable

import torch

Step = Callable[[torch.Tensor], None]  # backpropagate a loss and update the parameters


def sgd(params: list[torch.Tensor], lr: float) -> None:
    """Minibatch SGD as the book writes it from scratch: p -= lr * grad, then clear the gradient.
    A parameter the loss did not reach (no gradient) is left as it is."""
    with torch.no_grad():
        for param in params:
            if param.grad is None:
                continue
            param.sub_(param.grad, alpha=lr)  # in place, without a temporary for lr * grad
            param.grad = None


def scratch_step(params: list[torch.Tensor], lr: float) -> Step:
    def step(loss: torch.Tensor) -> None:
        loss.backward()
        sgd(params, lr)

    return step


def optim_step(params: list[torch.Tensor], lr: float) -> Step:
    optimizer = torch.optim.SGD(params, lr=lr)

    def step(loss: torch.Tensor) -> None:
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step
