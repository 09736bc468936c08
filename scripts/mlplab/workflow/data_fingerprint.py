"""What a data file holds, as a fingerprint written beside it by the rule that makes it and recorded in
every run that trains on it (run.json's `data`), so that a run names the data it saw and a training job
refuses a file that is not the data the workflow made (test.pt copied over train.pt, a hand-edited file).

The fingerprint hashes the tensors' contents (names, dtypes, shapes, bytes), not the file's bytes, which
depend on torch.save's container format. Decoded Fashion-MNIST adds the SHA-256 of the verified raw
files it came from; generated data adds the generator's parameters and the SHA-256 of its code.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from mlplab.workflow.provenance import write_json

if TYPE_CHECKING:  # torch-free at import: the Snakefile reads where fingerprints lie on every start
    import torch

SUFFIX = ".fingerprint.json"


def fingerprint_file(data_file: Path | str) -> str:
    """Where a data file's fingerprint lies: beside it (`train.pt` → `train.pt.fingerprint.json`)."""
    return f"{data_file}{SUFFIX}"


def tensors_sha256(data: dict[str, torch.Tensor]) -> str:
    digest = hashlib.sha256()
    for name in sorted(data):
        tensor = data[name].detach().cpu().contiguous()
        header = json.dumps([name, str(tensor.dtype), list(tensor.shape)])
        digest.update(header.encode())
        digest.update(tensor.numpy().tobytes())
    return digest.hexdigest()


def write_fingerprint(data: dict[str, torch.Tensor], data_file: Path | str, **about) -> dict:
    """The fingerprint of `data`, just saved as `data_file`, written beside it; `about` adds where it came
    from (`sources`: raw file → SHA-256; `generator`: parameters and code)."""
    fingerprint = {"file": str(data_file), "sha256": tensors_sha256(data), **about}
    write_json(fingerprint, fingerprint_file(data_file))
    return fingerprint


def code_sha256(module_file: Path | str) -> str:
    return hashlib.sha256(Path(module_file).read_bytes()).hexdigest()


class DataMismatchError(ValueError):
    """A data file whose contents are not those its fingerprint records."""


def verified(data: dict[str, torch.Tensor], data_file: Path | str) -> dict:
    """The recorded fingerprint of `data_file`, checked against `data` as loaded from it."""
    rebuild = f"rebuild it with: snakemake --cores all -R {data_file}"
    recorded_file = Path(fingerprint_file(data_file))
    try:
        recorded = json.loads(recorded_file.read_text())
    except (OSError, ValueError):
        missing = f"{data_file}: its fingerprint {recorded_file} is missing or corrupt"
        raise DataMismatchError(f"{missing}; {rebuild}") from None
    found = tensors_sha256(data)
    if found != recorded.get("sha256"):
        raise DataMismatchError(
            f"{data_file}: holds other data than the workflow made (its contents hash to {found[:12]}…, "
            f"{recorded_file.name} records {str(recorded.get('sha256'))[:12]}…): it was replaced or edited "
            f"after it was made; {rebuild}"
        )
    return recorded
