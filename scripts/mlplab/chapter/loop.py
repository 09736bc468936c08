"""The epoch loop every experiment shares: time each epoch, stop a run that diverges.

A run diverges when a metric becomes NaN or infinite, or when its train loss blows up to more than
BLOW_UP times its own loss before training. The bound is relative, so that it serves cross-entropies and
squared errors alike, and wide, so that a badly initialised run that recovers is not called diverged
(an MLP started from N(0, 1) weights begins some hundred times above a well-initialised one and falls
from its first epoch on), while a learning rate that destroys the run takes the loss up by many orders.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mlplab.chapter.metrics import TRAIN_LOSS

if TYPE_CHECKING:  # the loop itself needs no torch
    import torch

log = logging.getLogger("mlplab")


@dataclass
class RunResult:
    rows: list[dict] = field(default_factory=list)  # one per completed epoch, all finite
    status: str = "ok"  # "ok" or "diverged"
    seconds_per_epoch: list[float] = field(default_factory=list)
    diverged_at_epoch: int | None = None
    extra: dict = field(default_factory=dict)  # kind-specific results, e.g. learned weights
    initial_loss: float | None = None  # train loss before the first epoch
    divergence: str | None = None  # why the run counts as diverged
    # What the fit trained, by name (a model's state_dict, or a from-scratch fit's own tensors), as they
    # stood after the last completed epoch (`parameters_epoch`; 0: the initial ones, when the first epoch
    # diverged): saved as model.pt, never written to run.json.
    parameters: dict[str, torch.Tensor] = field(default_factory=dict)
    parameters_epoch: int = 0
    # The examples the run trained on and was measured on, by split ("train", "validation", "test").
    examples: dict[str, int] = field(default_factory=dict)


BLOW_UP = 1000.0


def divergence(metrics: dict[str, float], initial_loss: float | None) -> str | None:
    """Why an epoch's metrics mean the run diverged, or None."""
    bad = [name for name, value in metrics.items() if not math.isfinite(value)]
    if bad:
        return f"{', '.join(bad)} became NaN or infinite"
    loss = metrics.get(TRAIN_LOSS)
    if initial_loss is not None and math.isfinite(initial_loss) and initial_loss > 0 and loss is not None:
        if loss > BLOW_UP * initial_loss:
            return f"train loss {loss:.3g} blew up beyond {BLOW_UP:g} × its initial {initial_loss:.3g}"
    return None


def snapshot(parameters: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A copy of `parameters` that later steps leave as it is."""
    return {name: tensor.detach().clone() for name, tensor in parameters.items()}


def run_epochs(
    epochs: int,
    epoch_fn: Callable[[int], dict[str, float]],
    parameters: Callable[[], dict[str, torch.Tensor]],
    on_epoch: Callable[[dict], None] | None = None,
    initial_loss: float | None = None,
    diverge_at: int | None = None,
) -> RunResult:
    """Call `epoch_fn(epoch)` for epochs 1..epochs, and `on_epoch(row)` with each completed epoch's row
    (the train rule writes it to metrics.csv as it happens). An epoch whose metrics show divergence
    ends the run as diverged; its metrics are not kept: they would poison means and plots downstream.
    `parameters()` gives what the fit trains; a copy is kept after each completed epoch (and before the
    first), so that a diverged run still hands back the parameters of its last finite epoch.
    `diverge_at` is a test-only fault: that epoch's metrics are made NaN (no hyperparameter makes one
    seed of an otherwise sound entry diverge on purpose; scripts/train.py sets it from a test variable)."""
    result = RunResult(initial_loss=initial_loss, parameters=snapshot(parameters()))
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        metrics = epoch_fn(epoch)
        result.seconds_per_epoch.append(time.perf_counter() - start)
        if epoch == diverge_at:
            metrics = dict.fromkeys(metrics, math.nan)
        if reason := divergence(metrics, initial_loss):
            result.status = "diverged"
            result.diverged_at_epoch = epoch
            result.divergence = reason
            log.warning("epoch %d: diverged: %s", epoch, reason)
            break
        row = {"epoch": epoch, **metrics}
        result.rows.append(row)
        result.parameters, result.parameters_epoch = snapshot(parameters()), epoch
        if on_epoch is not None:
            on_epoch(row)
    return result
