"""The epoch loop every experiment shares: time each epoch, stop on a non-finite metric."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("mlplab")


@dataclass
class RunResult:
    rows: list[dict] = field(default_factory=list)  # one per completed epoch, all finite
    status: str = "ok"  # "ok" or "diverged"
    seconds_per_epoch: list[float] = field(default_factory=list)
    diverged_at_epoch: int | None = None
    extra: dict = field(default_factory=dict)  # kind-specific results, e.g. learned weights


def run_epochs(
    epochs: int,
    epoch_fn: Callable[[int], dict[str, float]],
    on_epoch: Callable[[dict], None] | None = None,
) -> RunResult:
    """Call `epoch_fn(epoch)` for epochs 1..epochs, and `on_epoch(row)` with each completed epoch's row
    (the train rule writes it to metrics.csv as it happens). A NaN or infinite metric ends the run as
    diverged; that epoch's metrics are not kept: they would poison means and plots downstream."""
    result = RunResult()
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        metrics = epoch_fn(epoch)
        result.seconds_per_epoch.append(time.perf_counter() - start)
        if not all(math.isfinite(v) for v in metrics.values()):
            result.status = "diverged"
            result.diverged_at_epoch = epoch
            break
        row = {"epoch": epoch, **metrics}
        result.rows.append(row)
        log.info("epoch %d: %s", epoch, metrics)
        if on_epoch is not None:
            on_epoch(row)
    return result
