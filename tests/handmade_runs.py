"""Run folders written by hand through the training job's own writer (`run_record.RunWriter`), as rule
`train` leaves them, for tests of the steps that read runs."""

from pathlib import Path

from mlplab.workflow import sweeps
from mlplab.workflow.run_record import RunRecord, RunWriter


def write_run(root: Path, experiment: str, config: dict, seed: int, rows: list[dict], **record) -> Path:
    """A run folder `root/<experiment>/seed<seed>` as rule `train` leaves it: metrics.csv (one row per
    epoch) and run.json. `experiment` may be a path under a results folder (`runs/mlp`,
    `sweeps/mlp_lr/lr~0.1`): run.json records the run's name as the workflow does (`mlp`, `mlp_lr/lr~0.1`).
    `columns` gives metrics.csv's header where no row does (a run diverged in its first epoch)."""
    folder = root / experiment / f"seed{seed}"
    columns = record.pop("columns", None) or (list(rows[0]) if rows else ["epoch"])
    status = record.pop("status", "ok")
    name = experiment.removeprefix("runs/").removeprefix("sweeps/")
    fields = {
        "experiment": name,
        "config": config,
        "seed": seed,
        "status": status,
        "epochs_completed": len(rows),
        "diverged_at_epoch": len(rows) + 1 if status == "diverged" else None,
        "final": rows[-1] if rows else None,
        "wall_time_s": 2.0 + seed,
        "seconds_per_epoch": 1.0,
        "threads": 1,
        "device": "cpu",
        "versions": {"torch": "2.14.1"},
        "git": {"commit": "abc123", "dirty": False},
        **record,
    }
    with RunWriter(folder, save_weights=False) as writer:
        metrics = writer.start()
        for row in rows:
            metrics.write_row(row)
        writer.finish(
            columns, None, lambda digest, _: RunRecord.from_dict({**fields, "metrics_sha256": digest})
        )
    return folder


# Complete catalogue entries, as the schema requires them.
MLP = {
    "kind": "mlp_scratch",
    "num_hiddens": 256,
    "init_std": 0.01,
    "relu_output": False,
    "lr": 0.1,
    "batch_size": 256,
    "epochs": 2,
}
POLY = {"kind": "polynomial", "num_features": 2, "lr": 0.01, "batch_size": 10, "epochs": 2}
WEIGHT_DECAY = {"kind": "weight_decay_scratch", "wd": 0.0, "lr": 0.003, "batch_size": 5, "epochs": 1}


def classifier_rows(final_acc: float, final_loss: float) -> list[dict]:
    return [
        {"epoch": 1, "train_loss": 1.5, "train_acc": 0.5, "test_loss": 1.6, "test_acc": 0.45},
        {"epoch": 2, "train_loss": final_loss, "train_acc": 0.9, "test_loss": 0.6, "test_acc": final_acc},
    ]


# ---- A classifier sweep's points, written by hand, for its summary's tests ----

BASE = {
    "kind": "mlp_concise",
    "num_hiddens": 8,
    "init_std": 0.01,
    "lr": 0.1,
    "batch_size": 4,
    "epochs": 1,
    "validation": 10,
}


def classifier_point(
    root: Path, path: str, lr: float, val: list[float], test: list[float], diverged=()
) -> tuple[sweeps.Point, list[str]]:
    folders = []
    for seed, (v, t) in enumerate(zip(val, test, strict=True)):
        rows = [
            {
                "epoch": 1,
                "train_loss": 1.0,
                "train_acc": 0.5,
                "val_loss": 1.0,
                "val_acc": v,
                "test_loss": 1.0,
                "test_acc": t,
            }
        ]
        status = "diverged" if seed in diverged else "ok"
        folders.append(str(write_run(root / path, "p", {**BASE, "lr": lr}, seed, rows, status=status)))
    entry = sweeps.normalise("mlp_concise", {**BASE, "lr": lr, "validation": 10})
    point = sweeps.Point(values={"lr": lr}, path=f"lr~{lr:g}", entry=entry, run=f"s/lr~{lr:g}", own=True)
    return point, folders


def describe(points, baseline=0.1) -> tuple[sweeps.Sweep, dict[str, list[str]]]:
    """A sweep of `points` (from `classifier_point`) whose base entry trains at lr `baseline`, and each
    point's run folders."""
    sweep = sweeps.Sweep(
        name="s",
        base="mlp_concise",
        kind="mlp_concise",
        keys=("lr",),
        points=tuple(point for point, _ in points),
        seeds=(0, 1, 2),
        grid=True,
        validation=10,
        base_entry=sweeps.normalise("mlp_concise", {**BASE, "lr": baseline, "validation": 10}),
    )
    return sweep, {point.path: folders for point, folders in points}
