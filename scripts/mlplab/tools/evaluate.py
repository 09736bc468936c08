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
import io
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
from mlplab.workflow.run_execution import DataFileError, fit_seed, load_data
from mlplab.workflow.run_reading import Run, RunFileError, read_run, rebuild_hint, seed_of
from mlplab.workflow.run_record import RESULTS, RunRecord

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


def read_checked(folder: Path) -> tuple[Run, Kind]:
    try:
        run = read_run(folder)
    except RunFileError as e:
        raise BadInput(str(e)) from None
    kind = KINDS.get(run.record.kind)
    if kind is None:
        raise BadInput(f"{run.record_file}: kind {run.record.kind!r} is not one this library knows")
    if run.model_file is None:
        why = (
            "the run saved no weights (trained with save_weights: false, or before runs saved them); "
            f"set save_weights: true (its default) and {rebuild_hint(folder)}"
        )
        raise BadInput(f"{run.record_file}: model_sha256 is null: {why}")
    return run, kind


def load_parameters(run: Run) -> dict[str, torch.Tensor]:
    """model.pt, checked against the SHA-256 run.json records, loaded as tensors only."""
    try:
        content = run.model()
        parameters = torch.load(io.BytesIO(content), map_location=CPU, weights_only=True)
    except RunFileError as e:
        raise BadInput(str(e)) from None
    except Exception as e:  # torch raises RuntimeError, pickle and zip errors, ...
        why = f"cannot be loaded ({type(e).__name__}); {rebuild_hint(run.folder)}"
        raise BadInput(f"{run.model_file}: {why}") from None
    if not isinstance(parameters, dict) or not all(isinstance(t, torch.Tensor) for t in parameters.values()):
        raise BadInput(f"{run.model_file}: not a state dict of tensors; {rebuild_hint(run.folder)}")
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


def load_run_data(run: Run, root: Path) -> dict[str, dict[str, torch.Tensor]]:
    """The data files run.json names, each checked against the fingerprint it recorded."""
    if not run.record.data:
        raise BadInput(
            f"{run.record_file}: names no data files (written before runs recorded them); "
            + rebuild_hint(run.folder)
        )
    data = {}
    for name, fingerprint in run.record.data.items():
        if not isinstance(fingerprint, dict) or not isinstance(fingerprint.get("file"), str):
            raise BadInput(f"{run.record_file}: data {name!r} is not a fingerprint (it names no file)")
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


def model_row(run: Run) -> dict[str, float | None]:
    """The row of metrics.csv that model.pt's parameters scored: the last completed epoch's."""
    epoch = run.record.model_epoch if run.record.model_epoch is not None else len(run.rows)
    if epoch == 0 or not run.rows:
        why = (
            "model.pt holds the initial parameters (the run diverged in its first epoch)"
            if epoch == 0
            else ""
        )
        raise BadInput(f"{run.metrics_file}: no completed epoch to compare with; {why or 'nothing to do'}")
    return run.rows[epoch - 1]


# ---- The command ----


def evaluate(folder: Path, data_root: Path | None) -> tuple[dict[str, float], dict, RunRecord]:
    """(recomputed metrics, the row of metrics.csv they recompute, record) of a run folder; BadInput for
    bad input."""
    if not folder.is_dir():
        raise BadInput(f"{folder}: not a folder")
    if seed_of(folder) is None and (seeds := sorted(p for p in folder.iterdir() if seed_of(p) is not None)):
        raise BadInput(
            f"{folder}: the folder of an entry, not of one run; give one of its seeds, e.g. {seeds[0]}"
        )
    run, kind = read_checked(folder)
    record = run.record
    rescore = RESCORE.get(resolve(kind.fit))
    if rescore is None:
        raise BadInput(f"{run.record_file}: kind {kind.name!r} has no re-evaluation (mlplab.tools.evaluate)")
    parameters = load_parameters(run)
    row = model_row(run)
    data = load_run_data(run, data_root if data_root is not None else workflow_folder(folder))
    torch.set_num_threads(record.threads or 1)
    config = parse_entry(record.config)
    try:
        metrics = rescore(kind, config, data, parameters, record.seed)
    except (RuntimeError, KeyError) as e:  # load_state_dict's missing, unexpected or misshapen tensors
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise BadInput(f"{run.model_file}: does not fit a {kind.name} of this entry ({first})") from None
    return metrics, row, record


def report(folder: Path, metrics: dict[str, float], row: dict, record: RunRecord) -> tuple[str, bool]:
    """The comparison as text, and whether every recomputed metric equals the row's."""
    lines = [
        f"{folder}: {record.experiment}, seed {record.seed}, epoch {row.get('epoch')}, trained on "
        f"{record.device} with {record.threads} thread(s); recomputed on the CPU with "
        f"{torch.get_num_threads()} thread(s)"
    ]
    table = [("metric", "written", "recomputed", "")]
    equal = True
    for name, value in metrics.items():
        written = row.get(name)
        same = written is not None and float(written) == value
        equal &= same
        table.append(
            (
                name,
                repr(written) if written is not None else "(none)",
                repr(value),
                "equal" if same else "DIFFERS",
            )
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
