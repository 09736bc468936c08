"""The chapter's classifiers, from scratch (explicit parameters, the book's SGD) and concise (torch.nn
layers, torch.optim). Each is built from its kind's config and chooses its own update step."""

from __future__ import annotations

import torch
from torch import nn

from mlplab.chapter import hyperparameters
from mlplab.chapter.sgd import Step, optim_step, scratch_step
from mlplab.chapter.sizes import NUM_INPUTS, NUM_OUTPUTS


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


def init_weights(module: nn.Module, config: hyperparameters.Classifier) -> None:
    """A linear layer's initial weights as the config asks (`init`), its bias zero."""
    if isinstance(module, nn.Linear):
        initialise_(module.weight, config)
        nn.init.zeros_(module.bias)


def initialise_(weight: torch.Tensor, config: hyperparameters.Classifier) -> torch.Tensor:
    """N(0, init_std²) as in the book, or Xavier/Glorot uniform, in place. Xavier's bound
    √(6 / (fan_in + fan_out)) is symmetric in the two fans, so the scratch models' in × out matrices
    get the same bound as nn.Linear's out × in ones."""
    with torch.no_grad():
        if config.init == "xavier_uniform":
            return nn.init.xavier_uniform_(weight)
        return nn.init.normal_(weight, std=config.init_std)


def check_layers(num_hiddens: list[int], dropouts: list[float]) -> None:
    if len(num_hiddens) != len(dropouts):
        raise ValueError(f"{len(num_hiddens)} hidden layers but {len(dropouts)} dropout probabilities")


class MLPScratch(nn.Module):
    """784 → hidden (ReLU) → 10 logits, with W1, b1, W2, b2 as explicit tensors."""

    def __init__(self, config: hyperparameters.MLPScratch):
        super().__init__()
        # torch.randn(...) * std, the book's spelling, draws the same numbers as normal_(std=std) (checked in
        # tests/test_models.py), which entries without `init` must keep drawing.
        self.W1 = nn.Parameter(initialise_(torch.empty(NUM_INPUTS, config.num_hiddens), config))
        self.b1 = nn.Parameter(torch.zeros(config.num_hiddens))
        self.W2 = nn.Parameter(initialise_(torch.empty(config.num_hiddens, NUM_OUTPUTS), config))
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
    def __init__(self, config: hyperparameters.MLPConcise):
        super().__init__(
            nn.Flatten(),
            nn.Linear(NUM_INPUTS, config.num_hiddens),
            nn.ReLU(),
            nn.Linear(config.num_hiddens, NUM_OUTPUTS),
        )
        self.apply(lambda m: init_weights(m, config))

    def configure_optimizers(self, lr: float) -> Step:
        return optim_step(list(self.parameters()), lr)


class DropoutMLPScratch(nn.Module):
    """784 → hidden layers (ReLU, then the own `dropout` in training mode only) → 10 logits."""

    def __init__(self, config: hyperparameters.Dropout):
        super().__init__()
        check_layers(config.num_hiddens, config.dropout)
        sizes = [NUM_INPUTS, *config.num_hiddens, NUM_OUTPUTS]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:], strict=False))
        self.dropouts = list(config.dropout)
        self.apply(lambda m: init_weights(m, config))

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
    def __init__(self, config: hyperparameters.Dropout):
        check_layers(config.num_hiddens, config.dropout)
        layers: list[nn.Module] = [nn.Flatten()]
        width = NUM_INPUTS
        for h, p in zip(config.num_hiddens, config.dropout, strict=True):
            layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(p)]
            width = h
        layers.append(nn.Linear(width, NUM_OUTPUTS))
        super().__init__(*layers)
        self.apply(lambda m: init_weights(m, config))

    def configure_optimizers(self, lr: float) -> Step:
        return optim_step(list(self.parameters()), lr)
