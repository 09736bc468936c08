"""mlplab-evaluate RUN_FOLDER: reload a run's saved parameters (model.pt) and recompute its final metrics,
to show that the weights kept are the weights that scored what metrics.csv says.

Everything is checked before anything is computed, each against what run.json records: metrics.csv and
model.pt by their SHA-256, the data files by their fingerprints (`mlplab.workflow.data_fingerprint`). The
metrics are recomputed by the code the run's epochs computed them with: a classifier's model is built from
the run's entry and scored by `mlplab.chapter.training.final_metrics`, a regression's saved tensors by its
fit's `*_metrics` function in `mlplab.chapter.regression`. Run on the CPU at run.json's thread count, a
CPU run's numbers come back bit for bit; a GPU run's may differ in the last digits.

Exit status: 0 when every recomputed metric equals metrics.csv's last row, 1 when one differs, 2 for bad
input (one line on stderr naming the file and what to do).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Callable
from pathlib import Path

import torch

from mlplab.chapter import regression, training
from mlplab.chapter.hyperparameters import Classifier, Training
from mlplab.workflow.catalogue import KINDS, Kind, parse_entry
from mlplab.workflow.data_fingerprint import tensors_sha256
from mlplab.workflow.named_objects import resolve
from mlplab.workflow.run_execution import MODEL_PT, DataFileError, fit_seed, load_data
from mlplab.workflow.run_reading import RunFileError, read_record, rebuild_hint, verify_file
from mlplab.workflow.run_record import DIVERGED, METRICS_CSV, RESULTS, RUN_JSON, RunRecord

PROG = "mlplab-evaluate"
CPU = torch.device("cpu")


class BadInput(ValueError):
    """A run folder, model.pt or data file that cannot be evaluated; the message names it."""


# ---- Recomputing: each fit's final metrics from its saved parameters ----

# (kind, config, data, parameters, seed) → the metrics recomputed.
Rescore = Callable[[Kind, Training, dict, dict[str, torch.Tensor], int], dict[str, float]]


def classifier_metrics(
    kind: Kind, config: Training, data: dict, parameters: dict[str, torch.Tensor], seed: int
) -> dict[str, float]:
    """The kind's model built from the entry, its weights loaded, scored on the validation examples (where
    the run held some out, drawn from the run's seed) and the test set."""
    if kind.model is None or not isinstance(config, Classifier):
        raise BadInput(f"kind {kind.name!r} trains with the classifier loop but names no classifier model")
    net = resolve(kind.model)(config)
    net.load_state_dict(parameters)
    return training.final_metrics(config, data, net=net, seed=fit_seed(seed), device=CPU)


def regression_metrics(metrics_of) -> Rescore:
    return lambda kind, config, data, parameters, seed: metrics_of(config, data, parameters)


# By the fit function a kind trains with (the catalogue's `fit`): what rescores its saved parameters.
RESCORE: dict[Callable, Rescore] = {
    training.train_classifier: classifier_metrics,
    regression.fit_polynomial: regression_metrics(regression.polynomial_metrics),
    regression.fit_weight_decay_scratch: regression_metrics(regression.weight_decay_scratch_metrics),
    regression.fit_weight_decay_concise: regression_metrics(regression.weight_decay_concise_metrics),
}


# ---- Reading and checking a run's files ----


def read_run(folder: Path) -> tuple[RunRecord, Kind]:
    try:
        record = read_record(folder)
    except RunFileError as e:
        raise BadInput(str(e)) from None
    kind = KINDS.get(record.kind)
    if kind is None:
        raise BadInput(f"{folder / RUN_JSON}: kind {record.kind!r} is not one this library knows")
    if record.model_sha256 is None:
        if record.status == DIVERGED:
            why = f"the run diverged at epoch {record.diverged_at_epoch}, and a diverged run saves no weights"
        else:
            why = (
                "the run saved no weights (trained with save_weights: false, or before runs saved them); "
                f"set save_weights: true (its default) and {rebuild_hint(folder)}"
            )
        raise BadInput(f"{folder / RUN_JSON}: model_sha256 is null: {why}")
    return record, kind


def load_parameters(folder: Path, record: RunRecord) -> dict[str, torch.Tensor]:
    """model.pt, checked against the SHA-256 run.json records, loaded as tensors only."""
    model_pt = folder / MODEL_PT
    try:
        verify_file(model_pt, record.model_sha256)
    except RunFileError as e:
        raise BadInput(str(e)) from None
    try:
        parameters = torch.load(model_pt, map_location=CPU, weights_only=True)
    except Exception as e:  # torch raises RuntimeError, pickle and zip errors, ...
        raise BadInput(f"{model_pt}: cannot be loaded ({type(e).__name__}); {rebuild_hint(folder)}") from None
    if not isinstance(parameters, dict) or not all(isinstance(t, torch.Tensor) for t in parameters.values()):
        raise BadInput(f"{model_pt}: not a state dict of tensors; {rebuild_hint(folder)}")
    return parameters


def workflow_folder(folder: Path) -> Path:
    """The folder the run's data paths are relative to: the one holding the results/ folder it lies in (as
    named, symbolic links not followed: a results/ linked to scratch space has its workflow folder here)."""
    for parent in Path(os.path.abspath(folder)).parents:
        if parent.name == RESULTS:
            return parent.parent
    raise BadInput(
        f"{folder}: not inside a {RESULTS}/ folder, so its workflow folder is unknown; give --data-root"
    )


def load_run_data(folder: Path, record: RunRecord, root: Path) -> dict[str, dict[str, torch.Tensor]]:
    """The data files run.json names, each checked against the fingerprint it recorded."""
    if not record.data:
        raise BadInput(
            f"{folder / RUN_JSON}: names no data files (written before runs recorded them); "
            + rebuild_hint(folder)
        )
    data = {}
    for name, fingerprint in record.data.items():
        if not isinstance(fingerprint, dict) or not isinstance(fingerprint.get("file"), str):
            raise BadInput(f"{folder / RUN_JSON}: data {name!r} is not a fingerprint (it names no file)")
        path = root / fingerprint["file"]
        if not path.is_file():
            raise BadInput(
                f"{path}: missing (run.json's data file {name!r}); rebuild it with snakemake, or give the "
                "workflow folder that holds it with --data-root"
            )
        try:
            data[name] = load_data(str(path))
        except DataFileError as e:
            raise BadInput(str(e)) from None
        if tensors_sha256(data[name]) != fingerprint.get("sha256"):
            raise BadInput(
                f"{path}: holds other data than the run trained on (its contents do not hash to the "
                f"fingerprint run.json records); rebuild it, or give the right folder with --data-root"
            )
    return data


def last_row(folder: Path) -> dict[str, str]:
    """metrics.csv's last row as written (the numbers as text, exactly as the run wrote them)."""
    with open(folder / METRICS_CSV, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise BadInput(f"{folder / METRICS_CSV}: no completed epoch to compare with")
    return rows[-1]


# ---- The command ----


def evaluate(folder: Path, data_root: Path | None) -> tuple[dict[str, float], dict[str, str], RunRecord]:
    """(recomputed metrics, metrics.csv's last row, record) of a run folder; BadInput for bad input."""
    if not folder.is_dir():
        raise BadInput(f"{folder}: not a folder")
    record, kind = read_run(folder)
    rescore = RESCORE.get(resolve(kind.fit))
    if rescore is None:
        raise BadInput(
            f"{folder / RUN_JSON}: kind {kind.name!r} has no re-evaluation (mlplab.tools.evaluate)"
        )
    parameters = load_parameters(folder, record)
    row = last_row(folder)
    data = load_run_data(folder, record, data_root if data_root is not None else workflow_folder(folder))
    torch.set_num_threads(record.threads or 1)
    config = parse_entry(record.config)
    try:
        metrics = rescore(kind, config, data, parameters, record.seed)
    except (RuntimeError, KeyError) as e:  # load_state_dict's missing, unexpected or misshapen tensors
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise BadInput(f"{folder / MODEL_PT}: does not fit a {kind.name} of this entry ({first})") from None
    return metrics, row, record


def report(
    folder: Path, metrics: dict[str, float], row: dict[str, str], record: RunRecord
) -> tuple[str, bool]:
    """The comparison as text, and whether every recomputed metric equals the row's."""
    lines = [
        f"{folder}: {record.experiment}, seed {record.seed}, epoch {row.get('epoch')}, trained on "
        f"{record.device} with {record.threads} thread(s); recomputed on the CPU with "
        f"{torch.get_num_threads()} thread(s)"
    ]
    table = [("metric", METRICS_CSV, "recomputed", "")]
    equal = True
    for name, value in metrics.items():
        written = row.get(name)
        same = written is not None and float(written) == value
        equal &= same
        table.append(
            (name, written if written is not None else "(none)", repr(value), "equal" if same else "DIFFERS")
        )
    widths = [max(len(r[i]) for r in table) for i in range(3)]
    lines += [
        "  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=False)) + f"  {r[3]}"
        for r in table
    ]
    if equal:
        lines.append(f"all {len(metrics)} recomputed metrics equal metrics.csv's last row")
    elif record.device != str(CPU):
        lines.append(
            f"the run trained on {record.device}: equality is promised only for runs trained on the CPU, "
            "recomputed at their thread count"
        )
    return "\n".join(line.rstrip() for line in lines), equal


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Reload a run's saved weights (model.pt) and recompute its final metrics: test loss and "
        "accuracy (and validation, where held out) for a classifier; train and test loss, and the norm "
        "of w where the kind records it, for a regression. Prints them beside metrics.csv's last row.",
        epilog="Equality is promised for runs trained on the CPU: the metrics are recomputed on the CPU with "
        "torch set to run.json's thread count. Checked first: metrics.csv and model.pt against the SHA-256 "
        "in run.json, the data files against their fingerprints. Exit status: 0 when every metric equals "
        "metrics.csv's last row, 1 when one differs, 2 for bad input (no model.pt, a changed one, a diverged "
        "run, which saves no weights, missing or changed data).",
    )
    parser.add_argument(
        "run_folder", type=Path, metavar="RUN_FOLDER", help="e.g. results/runs/mlp_concise/seed0"
    )
    parser.add_argument(
        "--data-root",
        type=Path,
        metavar="DIR",
        help="the workflow folder that run.json's data paths are relative to (default: the folder holding "
        "the results/ folder the run lies in)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        metrics, row, record = evaluate(args.run_folder, args.data_root)
    except BadInput as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 2
    text, equal = report(args.run_folder, metrics, row, record)
    print(text)
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
