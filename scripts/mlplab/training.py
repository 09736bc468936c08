"""Train classifiers on Fashion-MNIST from tensors held in memory.

The book's loop decodes and converts every image on every epoch through a DataLoader, one image at
a time; here the decoded uint8 tensors stay in memory, and each batch is gathered by index from one
seeded permutation per epoch and converted as a whole (/255, what ToTensor does). That is what makes
an epoch take a fraction of a second on a CPU.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from mlplab.catalogue import Training
from mlplab.loop import RunResult, run_epochs

EVAL_BATCH = 10_000


def flat_images(images: torch.Tensor) -> torch.Tensor:
    """N×28×28 → N×784 (a view, no copy)."""
    return images.reshape(len(images), -1)


def to_features(images: torch.Tensor, device: torch.device) -> torch.Tensor:
    """uint8 N×28×28 → float32 N×784 in [0, 1] (what ToTensor does), on `device`."""
    return flat_images(images).to(device=device, dtype=torch.float32).div_(255)


@torch.no_grad()
def evaluate(net: nn.Module, X: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of `net` in eval mode (dropout off); uint8 images are converted
    batch by batch, as training converts them."""
    net.eval()
    loss_sum = torch.zeros((), dtype=torch.float64, device=X.device)
    correct = torch.zeros((), dtype=torch.int64, device=X.device)
    for start in range(0, len(X), EVAL_BATCH):
        batch = X[start : start + EVAL_BATCH]
        logits = net(batch.to(torch.float32).div_(255) if batch.dtype == torch.uint8 else batch)
        target = y[start : start + EVAL_BATCH]
        loss_sum += F.cross_entropy(logits, target, reduction="sum").double()
        correct += (logits.argmax(dim=1) == target).sum()
    return loss_sum.item() / len(X), correct.item() / len(X)


def train_classifier(
    config: Training,
    data: dict[str, dict[str, torch.Tensor]],
    *,
    net: nn.Module,
    seed: int,
    device: torch.device,
    on_epoch=None,
) -> RunResult:
    """Minibatch SGD on cross-entropy with `net`'s own update step; per epoch the book's train loss,
    train accuracy (measured during the epoch, in training mode), test loss and test accuracy.
    `data` holds the decoded splits under "train" and "test"; `seed` orders the batches."""
    train, test, batch_size = data["train"], data["test"], config.batch_size
    net.to(device)
    # The training images stay uint8 (a quarter of the bytes to gather per batch); each batch is
    # converted as it is drawn, which gives the same floats as converting the whole set once.
    images, y_train = flat_images(train["images"]).to(device), train["labels"].to(device).long()
    X_test, y_test = to_features(test["images"], device), test["labels"].to(device).long()
    step = net.configure_optimizers(config.lr)
    order = torch.Generator().manual_seed(seed)
    n = len(images)
    starts = range(0, n, batch_size)
    batch_sizes = torch.tensor([min(batch_size, n - start) for start in starts], dtype=torch.float64)

    def epoch_fn(epoch: int) -> dict[str, float]:
        net.train()
        perm = torch.randperm(n, generator=order).to(device)
        # Per-batch results go into preallocated tensors and are reduced once per epoch: a running
        # sum would cost three more tensor operations on every batch.
        batch_losses = torch.empty(len(starts), device=device)
        predictions = torch.empty(n, dtype=torch.int64, device=device)
        for i, start in enumerate(starts):
            idx = perm[start : start + batch_size]
            # index_select gathers rows faster than images[idx] on CPU
            X = images.index_select(0, idx).to(torch.float32).div_(255)
            logits = net(X)
            loss = F.cross_entropy(logits, y_train.index_select(0, idx))
            step(loss)
            batch_losses[i] = loss.detach()
            torch.argmax(logits.detach(), dim=1, out=predictions[start : start + len(idx)])
        test_loss, test_acc = evaluate(net, X_test, y_test)
        return {
            # mean over examples, as the book's Accumulator does (batches may differ in size)
            "train_loss": (batch_losses.cpu().double() * batch_sizes).sum().item() / n,
            "train_acc": (predictions == y_train[perm]).sum().item() / n,
            "test_loss": test_loss,
            "test_acc": test_acc,
        }

    # The loss before training, the yardstick for a blow-up (see mlplab.loop); eval mode draws no
    # dropout masks, so the random streams of training are untouched.
    initial_loss, _ = evaluate(net, images, y_train)
    return run_epochs(config.epochs, epoch_fn, on_epoch, initial_loss=initial_loss)
