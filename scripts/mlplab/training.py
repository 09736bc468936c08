"""Train classifiers on Fashion-MNIST from tensors held in memory.

The book's loop decodes and converts every image on every epoch through a DataLoader; here the
uint8 tensors are converted once (what ToTensor does: /255) and batches are index slices of one
seeded permutation per epoch, which is what makes an epoch take a fraction of a second on a CPU.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from mlplab.loop import RunResult, run_epochs
from mlplab.sgd import make_step

EVAL_BATCH = 10_000


def to_features(images: torch.Tensor, device: torch.device) -> torch.Tensor:
    """uint8 N×28×28 → float32 N×784 in [0, 1], on `device`."""
    return images.reshape(len(images), -1).to(device=device, dtype=torch.float32).div_(255)


@torch.no_grad()
def evaluate(net: nn.Module, X: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of `net` in eval mode (dropout off)."""
    net.eval()
    loss_sum = torch.zeros((), dtype=torch.float64, device=X.device)
    correct = torch.zeros((), dtype=torch.int64, device=X.device)
    for start in range(0, len(X), EVAL_BATCH):
        logits = net(X[start : start + EVAL_BATCH])
        target = y[start : start + EVAL_BATCH]
        loss_sum += F.cross_entropy(logits, target, reduction="sum").double()
        correct += (logits.argmax(dim=1) == target).sum()
    return loss_sum.item() / len(X), correct.item() / len(X)


def train_classifier(
    net: nn.Module,
    train: dict[str, torch.Tensor],
    test: dict[str, torch.Tensor],
    lr: float,
    batch_size: int,
    epochs: int,
    seed: int,
    device: torch.device,
) -> RunResult:
    """Minibatch SGD on cross-entropy; per epoch the book's train loss, train accuracy (measured during
    the epoch, in training mode), test loss and test accuracy."""
    net.to(device)
    X_train, y_train = to_features(train["images"], device), train["labels"].to(device).long()
    X_test, y_test = to_features(test["images"], device), test["labels"].to(device).long()
    step = make_step(net, lr)
    order = torch.Generator().manual_seed(seed)
    n = len(X_train)

    def epoch_fn(epoch: int) -> dict[str, float]:
        net.train()
        loss_sum = torch.zeros((), dtype=torch.float64, device=device)
        correct = torch.zeros((), dtype=torch.int64, device=device)
        perm = torch.randperm(n, generator=order).to(device)
        for start in range(0, n, batch_size):
            idx = perm[start : start + batch_size]
            # index_select gathers rows about twice as fast as X_train[idx] on CPU
            X, y = X_train.index_select(0, idx), y_train.index_select(0, idx)
            logits = net(X)
            loss = F.cross_entropy(logits, y)
            step(loss)
            loss_sum += loss.detach().double() * len(idx)
            correct += (logits.detach().argmax(dim=1) == y).sum()
        test_loss, test_acc = evaluate(net, X_test, y_test)
        return {
            "train_loss": loss_sum.item() / n,
            "train_acc": correct.item() / n,
            "test_loss": test_loss,
            "test_acc": test_acc,
        }

    return run_epochs(epochs, epoch_fn)
