"""Run one catalogue entry with one seed, and record what it produced and with what."""

from __future__ import annotations

import csv
import os
import time
from pathlib import Path

import torch

from mlplab import provenance
from mlplab.loop import RunResult
from mlplab.seeding import derive_seed

CLASSIFIER_KINDS = ("mlp_scratch", "mlp_concise", "dropout_scratch", "dropout_concise")
REGRESSION_KINDS = ("polynomial", "weight_decay_scratch", "weight_decay_concise")


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
    """metrics.csv (no timings, so reruns are byte-identical) and run.json (provenance, timings)."""
    tmp = Path(metrics_path).with_name(".metrics.csv.tmp")
    # The csv module, not pandas: importing pandas would add a quarter second to every training job.
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=result.columns)
        writer.writeheader()
        writer.writerows(result.rows)
    os.replace(tmp, metrics_path)
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
        "metrics_sha256": provenance.sha256_file(metrics_path),
        **result.extra,
    }
    provenance.write_json(record, run_json_path)


def timed_run(hp: dict, seed: int, inputs: dict[str, str], device: torch.device) -> tuple[RunResult, float]:
    start = time.perf_counter()
    result = run_experiment(hp, seed, inputs, device)
    return result, time.perf_counter() - start
