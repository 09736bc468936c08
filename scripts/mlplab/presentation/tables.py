"""The runs as tables: every epoch of every run (long format), one row per run, one row per experiment.

A run is a folder `results/runs/<experiment>/seed<k>/` holding metrics.csv (one row per epoch) and
run.json (provenance). Experiments, kinds and metrics are read from the runs, so a new catalogue entry
appears in every table with no code change. Each hyperparameter is a column of its own (a list as its
values joined by "-"), so that later steps read ordinary columns rather than parse text.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from mlplab.presentation import stats
from mlplab.presentation.at_chance import EXPECTED
from mlplab.workflow.catalogue import KINDS, METRICS, optional, parse_entry
from mlplab.workflow.run_reading import Run, read_run
from mlplab.workflow.run_record import RunRecord

RUN_KEYS = [
    "experiment",
    "kind",
    "seed",
    "status",
    "epochs_completed",
    "diverged_at_epoch",
    "divergence",
    "initial_loss",
]
# Why a completed run is no better than chance (`run_reading.Run.chance`), empty otherwise: its status stays
# ok (it trained and finished) but no table may pass it off as a result of learning.
CHANCE = "chance"
# Every kind's hyperparameters, in the order the catalogue declares them, optional ones last; a run has
# those its entry names.
_FIELDS = {f.name: f for k in KINDS.values() for f in dataclasses.fields(k.config)}
HYPERPARAMETERS = sorted(_FIELDS, key=lambda name: optional(_FIELDS[name]))
TIMING_KEYS = ["wall_time_s", "seconds_per_epoch", "threads", "device"]
PROVENANCE_KEYS = ["git_commit", "git_dirty", "host", "gpu"]
VERSION_PREFIX = "version_"


@dataclass
class RunTables:
    epochs: pd.DataFrame  # experiment, kind, seed, epoch, metrics...
    runs: pd.DataFrame  # one row per run: status, timings, provenance and final metrics
    weights: pd.DataFrame  # polynomial fits: experiment, seed, status, coefficient, learned, true


def epochs_frame(run: Run) -> pd.DataFrame:
    """A verified run's epochs (`run_reading.read_run`) as numbers, also where it has none (a run that
    diverged in its first epoch)."""
    frame = pd.DataFrame(list(run.rows), columns=["epoch", *run.columns])
    return frame.astype({c: "float64" for c in run.columns}).astype({"epoch": "int64"})


def cell(value):
    """A hyperparameter as one CSV cell: a list as its values joined by "-" ([256, 256] → "256-256")."""
    return "-".join(map(str, value)) if isinstance(value, list) else value


def gpu_text(gpu: dict | None) -> str | None:
    """run.json's `gpu` in one cell: 'NVIDIA H200, 139.8 GiB, CUDA 13.0, driver 580.1'."""
    if not gpu:
        return None
    driver = gpu.get("driver") or "unknown"
    return f"{gpu['name']}, {gpu['memory_gb']} GiB, CUDA {gpu['cuda']}, driver {driver}"


def ordered_metrics(columns) -> list[str]:
    """The metrics among `columns`, in reading order; one the catalogue does not declare comes last."""
    present = [c for c in columns if c not in ("epoch", *RUN_KEYS)]
    return [m for m in METRICS if m in present] + [m for m in present if m not in METRICS]


def run_row(run: Run) -> dict:
    """One run as a flat row; final metrics are metrics.csv's last completed epoch's (none if none
    completed)."""
    record = run.record
    row = {key: getattr(record, key) for key in RUN_KEYS}
    row[CHANCE] = run.chance or ""
    config = parse_entry(record.config)
    row[EXPECTED] = config.expects_chance
    row["departures"] = "; ".join(config.departures())
    row.update({key: cell(value) for key, value in record.config.items() if key != "kind"})
    row.update({key: getattr(record, key) for key in TIMING_KEYS})
    git = record.git or {}
    row["git_commit"] = git.get("commit")
    row["git_dirty"] = git.get("dirty")
    # Where the run trained: on a cluster, not the machine that writes the report.
    row["host"] = (record.machine or {}).get("hostname")
    row["gpu"] = gpu_text(record.gpu)
    row.update({VERSION_PREFIX + name: v for name, v in sorted((record.versions or {}).items())})
    return {**row, **run.final_metrics}


def epoch_rows(run: Run) -> pd.DataFrame:
    labels = {"experiment": run.record.experiment, "kind": run.record.kind, "seed": run.seed}
    return epochs_frame(run).assign(**labels)


def weight_rows(record: RunRecord) -> pd.DataFrame:
    """Learned beside true polynomial weights, one row per coefficient; empty for other kinds."""
    weights = record.extra.get("weights")
    if not weights:
        return pd.DataFrame()
    learned = pd.Series(weights["learned"], dtype=float)
    true = pd.Series(weights["true"][: len(learned)], dtype=float)
    return pd.DataFrame(
        {
            "experiment": record.experiment,
            "seed": record.seed,
            "status": record.status,
            "coefficient": range(len(learned)),
            "learned": learned,
            "true": true,
        }
    )


def load_runs(folders) -> RunTables:
    epochs, runs, weights = [], [], []
    for folder in folders:
        run = read_run(folder)
        epochs.append(epoch_rows(run))
        runs.append(run_row(run))
        weights.append(weight_rows(run.record))
    return RunTables(
        epochs=tidy_epochs(pd.concat(epochs, ignore_index=True) if epochs else pd.DataFrame()),
        runs=tidy_runs(pd.DataFrame(runs)),
        weights=pd.concat(weights, ignore_index=True) if any(len(w) for w in weights) else empty_weights(),
    )


def empty_weights() -> pd.DataFrame:
    return pd.DataFrame(columns=["experiment", "seed", "status", "coefficient", "learned", "true"])


def tidy_epochs(epochs: pd.DataFrame) -> pd.DataFrame:
    if epochs.empty:
        return pd.DataFrame(columns=["experiment", "kind", "seed", "epoch", *METRICS])
    return epochs[["experiment", "kind", "seed", "epoch", *ordered_metrics(epochs.columns)]]


def tidy_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """Columns in reading order: what the run is, its hyperparameters, timings, provenance, metrics."""
    if runs.empty:
        return pd.DataFrame(
            columns=[*RUN_KEYS, CHANCE, EXPECTED, "departures", *TIMING_KEYS, *PROVENANCE_KEYS, *METRICS]
        )
    # Every metric of the kinds present, also where no run got to a final value (all diverged).
    kind_metrics = {m for kind in runs["kind"].unique() for m in KINDS[kind].metrics}
    runs = runs.assign(**{m: float("nan") for m in METRICS if m in kind_metrics and m not in runs})
    hyperparameters = [h for h in HYPERPARAMETERS if h in runs]
    versions = [c for c in runs if c.startswith(VERSION_PREFIX)]
    fixed = [
        *RUN_KEYS,
        CHANCE,
        EXPECTED,
        "departures",
        *hyperparameters,
        *TIMING_KEYS,
        *PROVENANCE_KEYS,
        *versions,
    ]
    return runs[fixed + ordered_metrics([c for c in runs.columns if c not in fixed])]


def described_columns(runs: pd.DataFrame) -> list[str]:
    """The columns that say what an experiment is: its departures from the book and hyperparameters."""
    return ["departures", *(h for h in HYPERPARAMETERS if h in runs)]


def at_chance(runs: pd.DataFrame) -> pd.Series:
    """Which runs ended no better than chance, from the `chance` column (empty, or NaN as read back from
    runs.csv, where not; a table written before the column existed has none at chance)."""
    if CHANCE not in runs:
        return pd.Series(False, index=runs.index)
    return runs[CHANCE].map(lambda why: isinstance(why, str) and why != "").astype(bool)


def summary_table(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per experiment (in the runs' order): final metrics as mean, sample standard deviation and
    95 % confidence interval of the mean (Student t, `stats.mean_ci`; NaN for fewer than two) over the
    seeds that completed, clipped to what the metric can be (`<metric>_ci_clipped` says where), the number
    of seeds, of completed, of diverged ones and of those at chance, and timings.

    A diverged run's last finite epoch is not a result of the experiment, so it is counted in
    `n_diverged` but left out of the means: mixing it in would hide the divergence in a plausible number.
    A run at chance completed, so it is in the means (they show what the setting gives) and counted in
    `n_chance`, which every page shows beside them.
    """
    metrics = [m for m in ordered_metrics(runs.columns) if m in METRICS]
    described = described_columns(runs)
    rows = [
        experiment_summary(group, metrics, described) for _, group in runs.groupby("experiment", sort=False)
    ]
    columns = ["experiment", "kind", "status", "n_seeds", "n_completed", "n_diverged", "n_chance", EXPECTED]
    columns += described
    columns += [f"{m}_{stat}" for m in metrics for stat in (*SUMMARY_STATISTICS, CLIPPED)]
    columns += ["wall_time_s_mean", "wall_time_s_total", "seconds_per_epoch_mean"]
    return pd.DataFrame(rows, columns=columns)


def experiment_summary(group: pd.DataFrame, metrics: list[str], described: list[str]) -> dict:
    completed = group[group["status"] == "ok"]
    n_diverged = int((group["status"] != "ok").sum())
    row = {
        "experiment": group["experiment"].iloc[0],
        "kind": group["kind"].iloc[0],
        "status": "ok" if n_diverged == 0 else "diverged",
        "n_seeds": len(group),
        "n_completed": len(completed),
        "n_diverged": n_diverged,
        "n_chance": int(at_chance(completed).sum()),
        EXPECTED: bool(group[EXPECTED].iloc[0]) if EXPECTED in group else False,
        **group[described].iloc[0].to_dict(),
        "wall_time_s_mean": group["wall_time_s"].mean(),
        "wall_time_s_total": group["wall_time_s"].sum(),
        "seconds_per_epoch_mean": group["seconds_per_epoch"].mean(),
    }
    for metric in metrics:
        values = pd.to_numeric(completed[metric], errors="coerce").dropna()
        row.update({f"{metric}_{stat}": value for stat, value in estimate(values, metric).items()})
    return row


SUMMARY_STATISTICS = ("mean", "sd", "ci_low", "ci_high")
CLIPPED = "ci_clipped"  # <metric>_ci_clipped: True where the interval was cut to the metric's range


def estimate(values: pd.Series, metric: str | None = None) -> dict:
    """Mean, sample standard deviation (n − 1) and the 95 % interval of the mean of some seeds' values.
    NaN where undefined (sd and interval of a single seed, everything of none) rather than a misleading 0.
    With `metric`, the interval is clipped to what the metric can be (`stats.metric_range`) and
    `ci_clipped` says whether it was; without, it is left as it is (a learned weight has no range)."""
    clipped = {CLIPPED: False} if metric else {}
    if not len(values):
        return dict.fromkeys(SUMMARY_STATISTICS, float("nan")) | clipped
    e = stats.mean_ci(values.to_numpy())
    if metric:
        e = e.within(metric)
        clipped = {CLIPPED: e.clipped}
    undefined = float("nan")
    sd, low, high = (undefined if v is None else v for v in (e.sd, e.low, e.high))
    return {"mean": e.mean, "sd": sd, "ci_low": low, "ci_high": high} | clipped


def mean_weights(weights: pd.DataFrame) -> pd.DataFrame:
    """Learned polynomial weights per experiment and coefficient over completed seeds: n, mean, sd, the
    95 % interval of the mean (`ci_low`, `ci_high`; NaN for one seed), min and max."""
    completed = weights[weights["status"] == "ok"]
    rows = [
        {
            "experiment": experiment,
            "coefficient": coefficient,
            "n": len(fits),
            **estimate(fits["learned"]),
            "min": fits["learned"].min(),
            "max": fits["learned"].max(),
            "true": fits["true"].iloc[0],
        }
        for (experiment, coefficient), fits in completed.groupby(["experiment", "coefficient"], sort=False)
    ]
    columns = ["experiment", "coefficient", "n", *SUMMARY_STATISTICS, "min", "max", "true"]
    return pd.DataFrame(rows, columns=columns)


def write_tables(tables: RunTables, epochs_path, runs_path, summary_path, weights_path) -> pd.DataFrame:
    tables.epochs.to_csv(epochs_path, index=False)
    tables.runs.to_csv(runs_path, index=False)
    tables.weights.to_csv(weights_path, index=False)
    summary = summary_table(tables.runs)
    summary.to_csv(summary_path, index=False)
    return summary
