"""The epoch loop every experiment shares: time each epoch, stop on a non-finite metric."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

log = logging.getLogger("mlplab")

# Where completed epochs go as they happen (the run's metrics.csv), without threading a callback
# through every model's training function.
_epoch_sink: contextvars.ContextVar[Callable[[dict], None] | None] = contextvars.ContextVar(
    "epoch_sink", default=None
)


@contextlib.contextmanager
def each_epoch(callback: Callable[[dict], None]) -> Iterator[None]:
    """Call `callback(row)` for every epoch that `run_epochs` completes inside this block."""
    token = _epoch_sink.set(callback)
    try:
        yield
    finally:
        _epoch_sink.reset(token)


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
        row = {"epoch": epoch, **metrics}
        result.rows.append(row)
        log.info("epoch %d: %s", epoch, metrics)
        if (sink := _epoch_sink.get()) is not None:
            sink(row)
    return result
