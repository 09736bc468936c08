"""Whether the device the config asks for is there, checked once by rule `check_device` where training
runs and before any classifier trains (they depend on it): `device: cuda` on a machine without a GPU then
fails once, naming the machine, instead of in every classifier job. Torch is imported here, in that job,
never by the Snakefile."""

from __future__ import annotations

import os
import platform

import torch

from mlplab.workflow import provenance
from mlplab.workflow.run_execution import resolve_device


class DeviceError(RuntimeError):
    """The config asks for a device this machine does not have."""


def check_device(requested: str) -> dict:
    """Torch's view of `requested` (auto, cpu or cuda) on this machine, as recorded in results/device.json;
    raises DeviceError if it asks for CUDA and torch sees none."""
    host = platform.node()
    try:
        device = resolve_device(requested)
    except RuntimeError as error:
        visible = os.environ.get("CUDA_VISIBLE_DEVICES")
        details = [f"torch {torch.__version__}", f"built for CUDA {torch.version.cuda or 'none'}"]
        if visible is not None:
            details.append(f"CUDA_VISIBLE_DEVICES={visible!r}")
        raise DeviceError(
            f"{error} on {host} ({', '.join(details)}); set device: cpu or auto in the config, "
            "or run where a GPU is (on SLURM: a partition with GPUs)"
        ) from None
    return {
        "requested": requested,
        "device": device.type,
        "cuda_available": torch.cuda.is_available(),
        "gpu": provenance.accelerator(device),
        "host": host,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
    }
