"""The chapter's printed demonstrations that run the project's own model code, for a reader to check by
eye in the report. Apart from `mlplab.chapter.analyses`, so that editing models.py reruns these and not the
activation curves (each analysis job depends on the module its catalogue entry names)."""

from __future__ import annotations

import pandas as pd
import torch

from mlplab.chapter.analyses import matrix_table
from mlplab.chapter.models import dropout
from mlplab.chapter.seeding import derive_seed


def dropout_masks(probabilities: list[float], seed: int, shape: list[int]) -> list[tuple[str, torch.Tensor]]:
    """The notes' X = arange(16).reshape(2, 8) (float32, of the given shape) and the from-scratch
    `dropout` applied to it at each probability in turn, labelled as the notes print them
    ("dropout_p = 0.5"). `dropout` draws its mask from torch's global generator: it is seeded here from
    the config seed, inside a forked RNG state so that the caller's stream is left as it was."""
    rows, cols = shape
    X = torch.arange(rows * cols, dtype=torch.float32).reshape(rows, cols)
    matrices = [("X", X)]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(seed, "dropout_demo"))
        matrices += [(f"dropout_p = {p:g}", dropout(X, p)) for p in probabilities]
    return matrices


# ---- What rule `analysis` calls (catalogue.ANALYSES): a table, and a line for the job's log ----


def dropout_demo(probabilities: list[float], seed: int, shape: list[int]) -> tuple[pd.DataFrame, str]:
    matrices = dropout_masks(probabilities, seed, shape)
    zeroed = ", ".join(f"{label}: {int((M == 0).sum())}" for label, M in matrices)
    return matrix_table(matrices), f"zero entries of {shape[0]}×{shape[1]}: {zeroed}"
