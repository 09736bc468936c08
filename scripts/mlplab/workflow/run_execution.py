"""Run one catalogue entry with one seed, and record what it produced and with what: the data it loads
(checked against their fingerprints), the fit its kind trains with, model.pt's bytes and run.json's record.
The run folder's files are written by `mlplab.workflow.run_record.RunWriter`.
"""

from __future__ import annotations

import functools
import io
import logging
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

from mlplab.chapter.hyperparameters import Training
from mlplab.chapter.loop import RunResult
from mlplab.chapter.seeding import derive_seed
from mlplab.workflow import provenance
from mlplab.workflow.catalogue import HEADLINE, KINDS, Kind, parse_entry
from mlplab.workflow.data_fingerprint import verified
from mlplab.workflow.named_objects import resolve
from mlplab.workflow.run_record import RunRecord, RunWriter


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("config asks for device: cuda, but torch sees no CUDA device")
    return torch.device(name)


class DataFileError(ValueError):
    """A data file the workflow made is corrupt or truncated."""


def load_data(path: str) -> dict[str, torch.Tensor]:
    """A data set file the workflow wrote (decoded Fashion-MNIST, generated data), checked: a corrupt
    one is named with the command that rebuilds it. Only tensors are read (weights_only): PyTorch's
    advice to load such a file without that guard is not for files that fail to load."""
    rebuild = f"rebuild it with: snakemake --cores all -R {path}"
    try:
        data = torch.load(path, weights_only=True)
    except Exception as e:  # torch raises RuntimeError, EOFError, pickle and zip errors, ...
        raise DataFileError(f"{path}: corrupt or truncated ({type(e).__name__}); {rebuild}") from None
    if not isinstance(data, dict) or not all(isinstance(v, torch.Tensor) for v in data.values()):
        raise DataFileError(f"{path}: not a data set of this workflow; {rebuild}")
    return data


def load_inputs(data_paths: dict[str, str]) -> tuple[dict[str, dict[str, torch.Tensor]], dict[str, dict]]:
    """The data a run trains on, by the names its kind reads them under, each checked against the
    fingerprint the rule that made it wrote beside it (refused before training if it differs); and those
    fingerprints, for run.json."""
    data = {name: load_data(path) for name, path in data_paths.items()}
    fingerprints = {name: verified(data[name], path) for name, path in data_paths.items()}
    refuse_same_data(fingerprints, data_paths)
    return data, fingerprints


@functools.lru_cache(maxsize=1)
def block_inputs(data_paths: tuple[tuple[str, str], ...]) -> tuple[dict, dict]:
    """`load_inputs`, once per job: a block of seeds trains on the same files, read and checked for its
    first seed (no training step writes into its data)."""
    return load_inputs(dict(data_paths))


def refuse_same_data(fingerprints: dict[str, dict], data_paths: dict[str, str]) -> None:
    """Refuse two data files of a run that hold the same data: a test set copied over the training set
    (with its fingerprint) would otherwise train on the examples it is measured on."""
    seen: dict[str, str] = {}
    for name, fingerprint in fingerprints.items():
        twin = seen.setdefault(fingerprint["sha256"], name)
        if twin != name:
            raise DataFileError(
                f"{data_paths[name]} holds the same data as {data_paths[twin]} ({name} and {twin} would be "
                f"one set: a run must never be measured on what it trained on); rebuild both with: "
                f"snakemake --cores all -R {data_paths[twin]} {data_paths[name]}"
            )


def run_experiment(
    kind: Kind,
    config: Training,
    seed: int,
    data: dict[str, dict[str, torch.Tensor]],
    device: torch.device,
    on_epoch: Callable[[dict], None] | None = None,
    diverge_at: int | None = None,
) -> RunResult:
    """Train `config` (an entry of `kind`) with the kind's training code on `data`, by the names its data
    set's files are read under (train and test, polynomial, linear)."""
    # Initial weights and dropout masks come from the global generator; batch order has its own.
    torch.manual_seed(derive_seed(seed, "init"))
    model = {"net": resolve(kind.model)(config)} if kind.model else {}
    fit = resolve(kind.fit)
    return fit(config, data, seed=fit_seed(seed), device=device, on_epoch=on_epoch,
               diverge_at=diverge_at, **model)  # fmt: skip


def fit_seed(seed: int) -> int:
    """The seed a run's fit function is given (its batch order, a classifier's validation set)."""
    return derive_seed(seed, "batch_order")


def model_bytes(result: RunResult) -> bytes:
    """model.pt's bytes: what a run trained (its tensors by name, as they stood after its last completed
    epoch), on the CPU, loadable with `torch.load(path, weights_only=True)`. Serialised in memory, so that
    the bytes hashed are the bytes written, and equal parameters give equal files (torch names the
    archive's inner folder after the file it writes to)."""
    tensors = {name: tensor.detach().to("cpu", copy=True) for name, tensor in result.parameters.items()}
    buffer = io.BytesIO()
    torch.save(tensors, buffer)
    return buffer.getvalue()


def run_record(
    result: RunResult,
    *,
    name: str,
    entry: dict,
    seed: int,
    threads: int,
    device: torch.device,
    wall_time_s: float,
    metrics_sha256: str,
    model_sha256: str | None,
    data: dict[str, dict] | None = None,
) -> RunRecord:
    """What the run was, how it ended and what made it, for run.json beside the finished metrics.csv."""
    return RunRecord(
        experiment=name,
        config=entry,
        seed=seed,
        status=result.status,
        epochs_completed=len(result.rows),
        diverged_at_epoch=result.diverged_at_epoch,
        divergence=result.divergence,
        initial_loss=result.initial_loss,
        final=result.rows[-1] if result.rows else None,
        wall_time_s=round(wall_time_s, 3),
        seconds_per_epoch=round(sum(result.seconds_per_epoch) / max(len(result.seconds_per_epoch), 1), 4),
        threads=threads,
        device=str(device),
        gpu=provenance.accelerator(device),
        versions=provenance.versions(),
        git=provenance.git_commit(),
        machine=provenance.machine(),
        metrics_sha256=metrics_sha256,
        data=data,
        examples=result.examples,
        model_sha256=model_sha256,
        model_epoch=result.parameters_epoch if model_sha256 else None,
        extra=result.extra,
    )  # fmt: skip


def train_run(
    folder: Path,
    entry: dict,
    *,
    name: str,
    seed: int,
    data_paths: dict[str, str],
    device: torch.device,
    threads: int,
    save_weights: bool,
    log: logging.Logger,
    diverge_at: int | None = None,
) -> RunRecord:
    """One run trained and written into its folder, as the training job does it: the data checked against
    their fingerprints before anything trains, metrics.csv a row per epoch, then model.pt and run.json
    (`run_record.RunWriter`), its progress told as it goes (`Progress`). `name` is run.json's
    `experiment`; `threads` what torch was set to; `diverge_at` a test-only fault (`loop.run_epochs`)."""
    kind, config = KINDS[entry["kind"]], parse_entry(entry)
    log.info("%s seed %d on %s, %d thread(s): %s", name, seed, device, threads, config)
    with RunWriter(folder, save_weights) as writer:
        # A data file that is not the data the workflow made is refused here, before anything trains.
        data, fingerprints = block_inputs(tuple(data_paths.items()))
        metrics = writer.start()
        progress = Progress(kind, name, seed, config.epochs, log)

        def on_epoch(row: dict) -> None:
            metrics.write_row(row)
            progress.epoch(row)

        start = time.perf_counter()
        result = run_experiment(kind, config, seed, data, device, on_epoch, diverge_at)
        wall = time.perf_counter() - start
        record = writer.finish(
            ["epoch", *kind.metrics_of(config)],
            model_bytes(result),
            lambda metrics_sha256, model_sha256: run_record(
                result, name=name, entry=entry, seed=seed, threads=threads, device=device, wall_time_s=wall,
                metrics_sha256=metrics_sha256, model_sha256=model_sha256, data=fingerprints,
            ),
        )  # fmt: skip
    # A diverged run is recorded, not raised: one diverging run must not abort the rest of the workflow.
    progress.ended(result, wall)
    return record


PROGRESS_S = 5.0  # the console gets a run's progress at most this often


def duration(seconds: float) -> str:
    """'14 s', '3 min', '2.5 h'."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def row_text(row: dict) -> str:
    """'train loss 0.512, train acc 0.812, test acc 0.795': accuracies to three decimals, the rest to four
    significant digits."""
    return ", ".join(
        f"{name.replace('_', ' ')} {value:.3f}"
        if name.endswith("_acc")
        else f"{name.replace('_', ' ')} {value:.4g}"
        for name, value in row.items()
        if name != "epoch" and isinstance(value, float) and math.isfinite(value)
    )


class Progress:
    """A run's progress, told as it trains: each epoch as a line of its log, and on the console (stderr,
    which Snakemake shows for a local run) at most every PROGRESS_S seconds, with an estimate of what is
    left; every line names the run, since jobs run side by side. `ended` gives the result in one line."""

    def __init__(
        self, kind: Kind, name: str, seed: int, epochs: int, log: logging.Logger, clock=time.monotonic
    ):
        self.kind, self.run, self.epochs, self.log, self.clock = (
            kind,
            f"{name} seed {seed}",
            epochs,
            log,
            clock,
        )
        self.started = self.shown = clock()

    def say(self, text: str) -> None:
        print(f"{self.run}: {text}", file=sys.stderr, flush=True)

    def epoch(self, row: dict) -> None:
        text = f"epoch {row['epoch']}/{self.epochs}: {row_text(row)}"
        self.log.info(text)
        now = self.clock()
        if now - self.shown >= PROGRESS_S and row["epoch"] < self.epochs:
            left = (now - self.started) / row["epoch"] * (self.epochs - row["epoch"])
            self.say(f"{text}, ~{duration(left)} left")
            self.shown = now

    def ended(self, result: RunResult, wall_s: float) -> None:
        headline = HEADLINE[self.kind.family]
        final = result.rows[-1] if result.rows else {}
        if result.status != "ok":
            text = f"diverged at epoch {result.diverged_at_epoch}: {result.divergence}"
        elif headline in final:
            text = f"{len(result.rows)} epochs, {row_text({headline: final[headline]})}"
        else:
            text = f"{len(result.rows)} epochs"
        self.log.info(text)
        self.say(f"{text}, {duration(wall_s)}")
