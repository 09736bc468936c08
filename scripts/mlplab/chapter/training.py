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

from mlplab.chapter.hyperparameters import Classifier
from mlplab.chapter.loop import RunResult, run_epochs
from mlplab.chapter.metrics import TEST_ACC, TEST_LOSS, TRAIN_ACC, TRAIN_LOSS, VAL_ACC, VAL_LOSS
from mlplab.chapter.seeding import generator
from mlplab.chapter.sizes import EVAL_BATCH


def flat_images(images: torch.Tensor) -> torch.Tensor:
    """N×28×28 → N×784 (a view, no copy)."""
    return images.reshape(len(images), -1)


def to_features(images: torch.Tensor, device: torch.device) -> torch.Tensor:
    """uint8 N×28×28 → float32 N×784 in [0, 1] (what ToTensor does), on `device`."""
    return flat_images(images).to(device=device, dtype=torch.float32).div_(255)


def validation_split(n: int, size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices (training, validation) of a set of n examples with `size` held out: a uniform draw
    without replacement from a permutation seeded by `seed` on a stream of its own (so the batch order
    and initial weights are those of a run without a validation set of the same seed). Both sorted."""
    if size >= n:
        raise ValueError(
            f"validation: {size} held out of a training set of {n} examples leaves nothing to train on; "
            f"hold out at most {n - 1}"
        )
    perm = torch.randperm(n, generator=generator(seed, "validation"))
    return perm[size:].sort().values, perm[:size].sort().values


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
    config: Classifier,
    data: dict[str, dict[str, torch.Tensor]],
    *,
    net: nn.Module,
    seed: int,
    device: torch.device,
    on_epoch=None,
    diverge_at: int | None = None,
) -> RunResult:
    """Minibatch SGD on cross-entropy with `net`'s own update step; per epoch the book's train loss,
    train accuracy (measured during the epoch, in training mode), test loss and test accuracy, and with
    `config.validation` the validation loss and accuracy on the held-out examples. `data` holds the
    decoded splits under "train" and "test"; `seed` orders the batches and draws the validation set."""
    batch_size = config.batch_size
    net.to(device)
    images, y_train, held_out = training_examples(config, data["train"], seed, device)
    test = testing_examples(data["test"], device)
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
        metrics = {
            # mean over examples, as the book's Accumulator does (batches may differ in size)
            TRAIN_LOSS: (batch_losses.cpu().double() * batch_sizes).sum().item() / n,
            TRAIN_ACC: (predictions == y_train[perm]).sum().item() / n,
        }
        metrics.update(held_out_metrics(net, held_out, test))
        return metrics

    # The loss before training, the yardstick for a blow-up (see mlplab.chapter.loop); eval mode draws no
    # dropout masks, so the random streams of training are untouched.
    initial_loss, _ = evaluate(net, images, y_train)
    result = run_epochs(
        config.epochs, epoch_fn, net.state_dict, on_epoch, initial_loss=initial_loss, diverge_at=diverge_at
    )
    validation = {"validation": len(held_out[1])} if held_out else {}
    result.examples = {"train": n, **validation, "test": len(test[1])}
    return result


def training_examples(
    config: Classifier, train: dict[str, torch.Tensor], seed: int, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor, tuple[torch.Tensor, torch.Tensor] | None]:
    """The examples a run trains on (flat images, labels) and, with `config.validation`, those it holds
    out, on `device`. The images stay uint8 (a quarter of the bytes to gather per batch); each batch is
    converted as it is drawn, which gives the same floats as converting the whole set once."""
    images, labels = flat_images(train["images"]), train["labels"].long()
    held_out = None
    if config.validation:
        keep, val = validation_split(len(images), config.validation, seed)
        held_out = images[val].to(device), labels[val].to(device)
        images, labels = images[keep], labels[keep]
    return images.to(device), labels.to(device), held_out


def testing_examples(
    test: dict[str, torch.Tensor], device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    return to_features(test["images"], device), test["labels"].to(device).long()


def held_out_metrics(
    net: nn.Module,
    held_out: tuple[torch.Tensor, torch.Tensor] | None,
    test: tuple[torch.Tensor, torch.Tensor],
) -> dict[str, float]:
    """An epoch's metrics on examples it did not train on: validation (where held out), then test."""
    metrics: dict[str, float] = {}
    if held_out is not None:
        metrics[VAL_LOSS], metrics[VAL_ACC] = evaluate(net, *held_out)
    metrics[TEST_LOSS], metrics[TEST_ACC] = evaluate(net, *test)
    return metrics


def final_metrics(
    config: Classifier, data: dict[str, dict[str, torch.Tensor]], *, net: nn.Module, seed: int, device
) -> dict[str, float]:
    """What a trained `net` (its weights loaded from model.pt) scores on the held-out examples of the run
    that trained it, computed as that run computed them each epoch: for mlplab-evaluate. `seed` is the
    one `train_classifier` was given, which drew the validation set."""
    net.to(device)
    _, _, held_out = training_examples(config, data["train"], seed, device)
    return held_out_metrics(net, held_out, testing_examples(data["test"], device))
