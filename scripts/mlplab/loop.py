"""The epoch loop every experiment shares: time each epoch, stop on a non-finite metric."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class RunResult:
    rows: list[dict] = field(default_factory=list)  # one per completed epoch, all finite
    status: str = "ok"  # "ok" or "diverged"
    seconds_per_epoch: list[float] = field(default_factory=list)
    diverged_at_epoch: int | None = None
    extra: dict = field(default_factory=dict)  # kind-specific results, e.g. learned weights
    columns: list[str] = field(default_factory=list)  # known even when no epoch completed


def run_epochs(epochs: int, epoch_fn: Callable[[int], dict[str, float]]) -> RunResult:
    """Call `epoch_fn(epoch)` for epochs 1..epochs; a NaN or infinite metric ends the run as diverged.

    The diverged epoch's metrics are not kept: they would poison means and plots downstream.
    """
    result = RunResult()
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        metrics = epoch_fn(epoch)
        result.seconds_per_epoch.append(time.perf_counter() - start)
        result.columns = ["epoch", *metrics]
        if not all(math.isfinite(v) for v in metrics.values()):
            result.status = "diverged"
            result.diverged_at_epoch = epoch
            break
        result.rows.append({"epoch": epoch, **metrics})
    return result
