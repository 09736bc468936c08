"""The chapter's classifiers, from scratch (explicit parameters, the book's SGD) and concise (torch.nn
layers, torch.optim). Each is built from its kind's config and chooses its own update step."""

from __future__ import annotations

import torch
from torch import nn

from mlplab import catalogue
from mlplab.sgd import Step, optim_step, scratch_step

NUM_INPUTS = 28 * 28
NUM_OUTPUTS = 10


def relu(X: torch.Tensor) -> torch.Tensor:
    # Written out as in the book's from-scratch section rather than calling torch.relu.
    return torch.max(X, torch.zeros_like(X))


def dropout(X: torch.Tensor, p: float) -> torch.Tensor:
    """Zero each entry with probability p and scale the survivors by 1/(1-p), keeping the expectation."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must lie in [0, 1], got {p}")
    if p == 0.0:
        return X
    if p == 1.0:
        return torch.zeros_like(X)
    mask = (torch.rand(X.shape, device=X.device) > p).to(X.dtype)
    return mask * X / (1.0 - p)


def init_normal(module: nn.Module, std: float) -> None:
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, std=std)
        nn.init.zeros_(module.bias)


def check_layers(num_hiddens: list[int], dropouts: list[float]) -> None:
    if len(num_hiddens) != len(dropouts):
        raise ValueError(f"{len(num_hiddens)} hidden layers but {len(dropouts)} dropout probabilities")


class MLPScratch(nn.Module):
    """784 → hidden (ReLU) → 10 logits, with W1, b1, W2, b2 as explicit tensors."""

    def __init__(self, config: catalogue.MLPScratch):
        super().__init__()
        self.W1 = nn.Parameter(torch.randn(NUM_INPUTS, config.num_hiddens) * config.init_std)
        self.b1 = nn.Parameter(torch.zeros(config.num_hiddens))
        self.W2 = nn.Parameter(torch.randn(config.num_hiddens, NUM_OUTPUTS) * config.init_std)
        self.b2 = nn.Parameter(torch.zeros(NUM_OUTPUTS))
        # The user's-notes ablation: ReLU on the output too clips negative logits to 0.
        self.relu_output = config.relu_output

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        H = relu(X.reshape(-1, NUM_INPUTS) @ self.W1 + self.b1)
        out = H @ self.W2 + self.b2
        return relu(out) if self.relu_output else out

    def configure_optimizers(self, lr: float) -> Step:
        return scratch_step(list(self.parameters()), lr)


class MLPConcise(nn.Sequential):
    def __init__(self, config: catalogue.MLPConcise):
        super().__init__(
            nn.Flatten(),
            nn.Linear(NUM_INPUTS, config.num_hiddens),
            nn.ReLU(),
            nn.Linear(config.num_hiddens, NUM_OUTPUTS),
        )
        self.apply(lambda m: init_normal(m, config.init_std))

    def configure_optimizers(self, lr: float) -> Step:
        return optim_step(list(self.parameters()), lr)


class DropoutMLPScratch(nn.Module):
    """784 → hidden layers (ReLU, then the own `dropout` in training mode only) → 10 logits."""

    def __init__(self, config: catalogue.Dropout):
        super().__init__()
        check_layers(config.num_hiddens, config.dropout)
        sizes = [NUM_INPUTS, *config.num_hiddens, NUM_OUTPUTS]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:], strict=False))
        self.dropouts = list(config.dropout)
        self.apply(lambda m: init_normal(m, config.init_std))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        H = X.reshape(-1, NUM_INPUTS)
        for linear, p in zip(self.linears[:-1], self.dropouts, strict=True):
            H = torch.relu(linear(H))  # the book's dropout-from-scratch model uses nn.ReLU
            if self.training:
                H = dropout(H, p)
        return self.linears[-1](H)

    def configure_optimizers(self, lr: float) -> Step:
        return scratch_step(list(self.parameters()), lr)


class DropoutMLPConcise(nn.Sequential):
    def __init__(self, config: catalogue.Dropout):
        check_layers(config.num_hiddens, config.dropout)
        layers: list[nn.Module] = [nn.Flatten()]
        width = NUM_INPUTS
        for h, p in zip(config.num_hiddens, config.dropout, strict=True):
            layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(p)]
            width = h
        layers.append(nn.Linear(width, NUM_OUTPUTS))
        super().__init__(*layers)
        self.apply(lambda m: init_normal(m, config.init_std))

    def configure_optimizers(self, lr: float) -> Step:
        return optim_step(list(self.parameters()), lr)
