"""What a result was made with: versions, code commit, machine; written beside every run."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

PACKAGES = ("torch", "torchvision", "snakemake", "numpy", "pandas")


def versions() -> dict[str, str | None]:
    # Package metadata, not imports: importing torchvision only for its version costs seconds per job.
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def git_commit(cwd: Path | str = ".") -> dict[str, object] | None:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return {"commit": commit, "dirty": bool(dirty)}


def machine() -> dict[str, object]:
    return {
        "hostname": platform.node(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python_executable": sys.executable,
    }


def sha256_file(path: Path | str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_json(data: dict, path: Path | str) -> None:
    """Write atomically, so a killed job never leaves a half-written file behind."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


def accelerator(device) -> dict[str, object] | None:
    """The GPU a run used, for run.json's `gpu`: name, memory (GiB, 2^30 bytes, as nvidia-smi counts), CUDA
    version and driver; None off CUDA. Torch is imported here so that the rest of this module stays light."""
    if getattr(device, "type", None) != "cuda":
        return None
    import torch

    index = device.index if device.index is not None else torch.cuda.current_device()
    return {
        "name": torch.cuda.get_device_name(index),
        "memory_gb": round(torch.cuda.get_device_properties(index).total_memory / 2**30, 1),
        "cuda": torch.version.cuda,
        "driver": nvidia_driver(),
    }


def nvidia_driver() -> str | None:
    """The NVIDIA driver version (e.g. 550.54.15). torch.cuda has no public call for it (its private
    driver-version helper gives the CUDA driver API version, e.g. 12040, not the driver's), so ask
    nvidia-smi; None where it is missing or fails."""
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    lines = out.strip().splitlines()
    return lines[0].strip() if lines else None
