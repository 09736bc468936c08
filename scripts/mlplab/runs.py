"""Run one catalogue entry with one seed, and record what it produced and with what."""

from __future__ import annotations

import csv
import time

import torch

from mlplab import provenance
from mlplab.kinds import CLASSIFIER_KINDS
from mlplab.loop import RunResult
from mlplab.seeding import derive_seed


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("config asks for device: cuda, but torch sees no CUDA device")
    return torch.device(name)


def run_experiment(hp: dict, seed: int, inputs: dict[str, str], device: torch.device) -> RunResult:
    """Train the model `hp` describes. `inputs` maps data names (train, test, polynomial, linear) to paths."""
    # Initial weights and dropout masks come from the global generator; batch order has its own.
    torch.manual_seed(derive_seed(seed, "init"))
    kind = hp["kind"]
    common = {
        "lr": hp["lr"],
        "batch_size": hp["batch_size"],
        "epochs": hp["epochs"],
        "seed": derive_seed(seed, "batch_order"),
    }
    if kind in CLASSIFIER_KINDS:
        from mlplab.idx import load_split
        from mlplab.models import build_classifier
        from mlplab.training import train_classifier

        net = build_classifier(hp)
        train, test = load_split(inputs["train"]), load_split(inputs["test"])
        return train_classifier(net, train, test, device=device, **common)
    from mlplab import regression

    if kind == "polynomial":
        data = torch.load(inputs["polynomial"], weights_only=True)
        return regression.fit_polynomial(data, hp["num_features"], **common)
    data = torch.load(inputs["linear"], weights_only=True)
    if kind == "weight_decay_scratch":
        return regression.fit_weight_decay_scratch(data, hp["wd"], **common)
    if kind == "weight_decay_concise":
        return regression.fit_weight_decay_concise(data, hp["wd"], **common)
    raise ValueError(f"unknown experiment kind {kind!r}")


class MetricsFile:
    """metrics.csv written one row per epoch as training goes, so progress can be followed and a killed
    job leaves a visibly partial file, which Snakemake's incomplete-output marker then covers.
    The csv module, not pandas: importing pandas would add a quarter second to every training job."""

    def __init__(self, path: str):
        self.file = open(path, "w", newline="")  # noqa: SIM115 (closed in close())
        self.writer: csv.DictWriter | None = None

    def write_row(self, row: dict) -> None:
        if self.writer is None:
            self.writer = csv.DictWriter(self.file, fieldnames=list(row))
            self.writer.writeheader()
        self.writer.writerow(row)
        self.file.flush()

    def close(self, columns: list[str]) -> None:
        """Finish the file; a run that diverged in its first epoch still gets its header."""
        if self.writer is None:
            csv.DictWriter(self.file, fieldnames=columns).writeheader()
        self.file.close()


def write_run(
    result: RunResult,
    *,
    name: str,
    hp: dict,
    seed: int,
    threads: int,
    device: torch.device,
    wall_time_s: float,
    metrics_path: str,
    run_json_path: str,
) -> None:
    """run.json: what the run was, how it ended and what made it, beside the finished metrics.csv."""
    record = {
        "experiment": name,
        "config": hp,
        "seed": seed,
        "status": result.status,
        "epochs_completed": len(result.rows),
        "diverged_at_epoch": result.diverged_at_epoch,
        "final": result.rows[-1] if result.rows else None,
        "wall_time_s": round(wall_time_s, 3),
        "seconds_per_epoch": round(sum(result.seconds_per_epoch) / max(len(result.seconds_per_epoch), 1), 4),
        "threads": threads,
        "device": str(device),
        "versions": provenance.versions(),
        "git": provenance.git_commit(),
        "machine": provenance.machine(),
        "metrics_sha256": provenance.sha256_file(metrics_path),
        **result.extra,
    }
    provenance.write_json(record, run_json_path)


def timed_run(hp: dict, seed: int, inputs: dict[str, str], device: torch.device) -> tuple[RunResult, float]:
    start = time.perf_counter()
    result = run_experiment(hp, seed, inputs, device)
    return result, time.perf_counter() - start
