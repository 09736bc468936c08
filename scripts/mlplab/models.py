"""The chapter's classifiers, from scratch (explicit parameters) and concise (torch.nn layers)."""

from __future__ import annotations

import torch
from torch import nn

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


class MLPScratch(nn.Module):
    """784 → hidden (ReLU) → 10 logits, with W1, b1, W2, b2 as explicit tensors."""

    from_scratch = True  # trained with the hand-written sgd, not torch.optim

    def __init__(self, num_hiddens: int, init_std: float, relu_output: bool = False):
        super().__init__()
        self.W1 = nn.Parameter(torch.randn(NUM_INPUTS, num_hiddens) * init_std)
        self.b1 = nn.Parameter(torch.zeros(num_hiddens))
        self.W2 = nn.Parameter(torch.randn(num_hiddens, NUM_OUTPUTS) * init_std)
        self.b2 = nn.Parameter(torch.zeros(NUM_OUTPUTS))
        # The user's-notes ablation: ReLU on the output too clips negative logits to 0.
        self.relu_output = relu_output

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        H = relu(X.reshape(-1, NUM_INPUTS) @ self.W1 + self.b1)
        out = H @ self.W2 + self.b2
        return relu(out) if self.relu_output else out


def init_normal(module: nn.Module, std: float) -> None:
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, std=std)
        nn.init.zeros_(module.bias)


def mlp_concise(num_hiddens: int, init_std: float) -> nn.Sequential:
    net = nn.Sequential(
        nn.Flatten(),
        nn.Linear(NUM_INPUTS, num_hiddens),
        nn.ReLU(),
        nn.Linear(num_hiddens, NUM_OUTPUTS),
    )
    net.apply(lambda m: init_normal(m, init_std))
    return net


class DropoutMLPScratch(nn.Module):
    """784 → hidden layers (ReLU, then the own `dropout` in training mode only) → 10 logits."""

    from_scratch = True

    def __init__(self, num_hiddens: list[int], dropouts: list[float], init_std: float):
        super().__init__()
        if len(num_hiddens) != len(dropouts):
            raise ValueError(f"{len(num_hiddens)} hidden layers but {len(dropouts)} dropout probabilities")
        sizes = [NUM_INPUTS, *num_hiddens, NUM_OUTPUTS]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:], strict=False))
        self.dropouts = list(dropouts)
        self.apply(lambda m: init_normal(m, init_std))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        H = X.reshape(-1, NUM_INPUTS)
        for linear, p in zip(self.linears[:-1], self.dropouts, strict=True):
            H = torch.relu(linear(H))  # the book's dropout-from-scratch model uses nn.ReLU
            if self.training:
                H = dropout(H, p)
        return self.linears[-1](H)


def dropout_concise(num_hiddens: list[int], dropouts: list[float], init_std: float) -> nn.Sequential:
    if len(num_hiddens) != len(dropouts):
        raise ValueError(f"{len(num_hiddens)} hidden layers but {len(dropouts)} dropout probabilities")
    layers: list[nn.Module] = [nn.Flatten()]
    width = NUM_INPUTS
    for h, p in zip(num_hiddens, dropouts, strict=True):
        layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(p)]
        width = h
    layers.append(nn.Linear(width, NUM_OUTPUTS))
    net = nn.Sequential(*layers)
    net.apply(lambda m: init_normal(m, init_std))
    return net


def build_classifier(hp: dict) -> nn.Module:
    """The network an experiment entry of a classifier kind describes."""
    kind = hp["kind"]
    if kind == "mlp_scratch":
        return MLPScratch(hp["num_hiddens"], hp["init_std"], hp["relu_output"])
    if kind == "mlp_concise":
        return mlp_concise(hp["num_hiddens"], hp["init_std"])
    if kind == "dropout_scratch":
        return DropoutMLPScratch(hp["num_hiddens"], hp["dropout"], hp["init_std"])
    if kind == "dropout_concise":
        return dropout_concise(hp["num_hiddens"], hp["dropout"], hp["init_std"])
    raise ValueError(f"kind {kind!r} is not a classifier")
