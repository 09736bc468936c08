"""What a results folder becomes in MLflow, worked out without MLflow: which experiment and run each run
folder goes to, and the params, tags, metrics and artifacts it carries. `mlflow_export` only writes what
this module plans, so the plan is tested, and the rest of the library works, where MLflow is not
installed.

One experiment per report topic and one per sweep; one MLflow run per run folder (a seed's run), nested
under a parent run per catalogue entry and per sweep point that holds the mean and 95 % interval of its
seeds' final metrics (`parent_of`). Every catalogue entry is in several topics (`comparison` shows them
all), so each goes into the first topic of the report's order that shows it. A sweep's point that reads
another's runs (an equal catalogue entry's or a point of an earlier sweep) adds no second MLflow run nor
parent: the owner's runs carry a tag naming every point that reads them, so that a sweep's MLflow
experiment never disagrees with the folders on disk.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from mlplab.presentation.stats import mean_ci
from mlplab.presentation.tables import SUMMARY_STATISTICS
from mlplab.presentation.topics import TOPICS
from mlplab.workflow.catalogue import METRICS
from mlplab.workflow.provenance import sha256_file
from mlplab.workflow.run_reading import EPOCH, Run, RunFileError, read_run, unfinished
from mlplab.workflow.run_record import RESULTS, RunRecord, catalogue_run
from mlplab.workflow.sweeps import expand_all

TAG = "mlplab."  # every tag this export sets starts with it; MLflow's own start with "mlflow."
FOLDER_TAG = TAG + "run_folder"  # the run's key: its folder relative to the results folder
FINGERPRINT_TAG = TAG + "run_json_sha256"  # run.json, which holds metrics.csv's and model.pt's SHA-256s
REUSED_TAG = TAG + "reused_by"
PARENT_TAG = TAG + "seeds_folder"  # a parent run's key: the folder of its seeds' folders (`runs/mlp_concise`)
SUMMARY_TAG = TAG + "summary_sha256"  # a parent's metrics and params, set last (see mlflow_export)
RUN_NAME, PARENT_RUN, NOTE = "mlflow.runName", "mlflow.parentRunId", "mlflow.note.content"  # MLflow's own
TOPIC, SWEEP = "topic/", "sweep/"  # experiment names: "topic/mlp", "sweep/mlp_lr"
OTHER = TOPIC + "catalogue"  # an entry that no topic shows (none today: `comparison` shows every entry)


class ExportError(ValueError):
    """A run folder that cannot be exported: one line naming the file and what to do."""


@dataclass
class Planned:
    experiment: str  # the MLflow experiment's name
    folder: str  # relative to the results folder (`runs/mlp_concise/seed0`): the run's key in MLflow
    # The MLflow run's name, the seed first so that a table's cut never hides it: `seed0 · mlp_concise`,
    # `seed0 · lr~0.05` (unique in its experiment, for the views that list runs without their parents).
    name: str
    parent_name: str  # its parent run's: the entry (`mlp_concise`) or the sweep's point (`lr~0.05`)
    tags: dict[str, str]  # what the config says about the run (entry, or sweep and point; seed)
    reused_by: list[str] = field(default_factory=list)  # `<sweep>/<point>` of every point that reads it

    @property
    def parent(self) -> str:
        """The parent run's key: the folder of the seeds' folders (`runs/mlp_concise`)."""
        return self.folder.rpartition("/")[0]


@dataclass(frozen=True)
class Export:
    """One finished run as MLflow gets it."""

    planned: Planned
    record: RunRecord
    final: dict[str, float | None]  # the last completed epoch's metrics, from the verified metrics.csv
    params: dict[str, str]
    tags: dict[
        str, str
    ]  # the plan's and the record's, FINGERPRINT_TAG left out (set last, see mlflow_export)
    metrics: list[tuple[str, float, int]]  # (name, value, epoch) for every cell of metrics.csv
    artifacts: list[Path]
    fingerprint: str
    time_ms: int  # when the run ended (run.json's modification time), for MLflow's clock


def experiments(config: dict) -> dict[str, str]:
    """Every experiment the config can fill, in the report's order then the sweeps': name → description."""
    names = {TOPIC + t.name: t.title for t in TOPICS.values() if t.runs is not None}
    names[OTHER] = "Catalogue entries that no topic of the report shows"
    for sweep in expand_all(config).values():
        names[SWEEP + sweep.name] = sweep.about or f"The sweep {sweep.name} of {sweep.base}"
    return names


def plan(config: dict) -> dict[str, Planned]:
    """Run folder (relative to the results folder) → where it goes, for every run the config produces
    (`sweeps.produced_runs`): catalogue entries by topic, then each sweep's own points, then the points
    that read others' runs (a seed that their owner does not train itself goes to the owner's experiment)."""
    entries = config["experiments"]
    topic_of: dict[str, str] = {}
    for topic in TOPICS.values():
        for name in topic.runs.select(entries) if topic.runs is not None else ():
            topic_of.setdefault(name, TOPIC + topic.name)
    planned: dict[str, Planned] = {}

    def claim(folder: str, experiment: str, parent: str, tags: dict[str, str], seed: int) -> Planned:
        tags = {**tags, TAG + "seed": str(seed)}
        return planned.setdefault(folder, Planned(experiment, folder, f"seed{seed} · {parent}", parent, tags))

    for entry in entries:
        for seed in config["seeds"]:
            claim(catalogue_run(entry, seed), topic_of.get(entry, OTHER), entry, {TAG + "entry": entry}, seed)
    sweeps = expand_all(config)
    for own in (True, False):
        for sweep in sweeps.values():
            for point in (p for p in sweep.points if p.own == own):
                owner, _, owner_point = point.run.partition("/")
                if owner_point:
                    experiment, tags = SWEEP + owner, {TAG + "sweep": owner, TAG + "point": owner_point}
                else:
                    experiment, tags = topic_of.get(owner, OTHER), {TAG + "entry": owner}
                for seed, path in zip(sweep.seeds, sweep.run_folders(point), strict=True):
                    run = claim(
                        path.removeprefix(f"{RESULTS}/"), experiment, owner_point or owner, tags, seed
                    )
                    if not own:
                        run.reused_by.append(f"{sweep.name}/{point.path}")
    return planned


def read_export(results: Path, planned: Planned) -> Export | None:
    """The run in `planned.folder` as MLflow gets it, read and checked by `run_reading.read_run` (its
    files against run.json's SHA-256s); None while it is not finished (`run_reading.unfinished`: not run
    yet, still training, or failed)."""
    folder = results / planned.folder
    if unfinished(folder) is not None:
        return None
    try:
        run = read_run(folder)
    except RunFileError as error:
        raise ExportError(str(error)) from None
    metrics = [
        (name, value, int(epoch))
        for row in run.rows
        if (epoch := row[EPOCH]) is not None
        for name in run.columns
        if (value := row[name]) is not None
    ]
    model = [run.model_file] if run.model_file is not None else []
    return Export(
        planned=planned,
        record=run.record,
        final=run.final_metrics,
        params={key: param_value(value) for key, value in run.record.config.items()},
        tags={**planned.tags, **record_tags(run), **reuse_tags(planned)},
        metrics=metrics,
        artifacts=[run.metrics_file, run.record_file, *model],
        fingerprint=sha256_file(run.record_file),
        time_ms=int(run.record_file.stat().st_mtime * 1000),
    )


def param_value(value) -> str:
    """A hyperparameter as MLflow stores it (text): strings as they are, the rest as JSON (0.1, [32, 32])."""
    return value if isinstance(value, str) else json.dumps(value)


def record_tags(run: Run) -> dict[str, str]:
    record, why_chance = run.record, run.chance
    tags = {
        TAG + "kind": record.kind,
        TAG + "status": record.status,
        TAG + "diverged": flag(not record.ok),
        TAG + "chance": flag(why_chance is not None),
        TAG + "epochs_completed": str(record.epochs_completed),
        TAG + "device": str(record.device),
        TAG + "threads": str(record.threads),
        TAG + "metrics_sha256": record.metrics_sha256,
        TAG + "versions": json.dumps(record.versions, sort_keys=True),
    }
    optional = {
        TAG + "divergence": record.divergence,
        TAG + "diverged_at_epoch": record.diverged_at_epoch,
        TAG + "chance_reason": why_chance,
        TAG + "model_sha256": record.model_sha256,
        TAG + "wall_time_s": record.wall_time_s,
        TAG + "seconds_per_epoch": record.seconds_per_epoch,
    }
    tags |= {key: str(value) for key, value in optional.items() if value is not None}
    if record.git:
        commit = str(record.git.get("commit"))
        # MLflow's own tag, which its UI shows as the run's source version.
        tags |= {TAG + "git_commit": commit, TAG + "git_dirty": flag(bool(record.git.get("dirty")))}
        tags["mlflow.source.git.commit"] = commit
    return tags


def reuse_tags(planned: Planned) -> dict[str, str]:
    return {REUSED_TAG: ", ".join(planned.reused_by)} if planned.reused_by else {}


def flag(value: bool) -> str:
    return "true" if value else "false"


# ---- A parent run per catalogue entry and sweep point ----


@dataclass(frozen=True)
class Parent:
    """The exported seeds of one catalogue entry or sweep point as one MLflow run, with the seeds' runs
    nested under it (their PARENT_RUN tag)."""

    experiment: str
    folder: str  # its key (PARENT_TAG): the folder of the seeds' folders
    tags: dict[str, str]
    params: dict[str, str]  # the hyperparameters its seeds share
    metrics: dict[str, float]  # <metric>_mean, _sd, _ci_low, _ci_high; n_seeds, n_completed, …
    fingerprint: str  # of its metrics and params, which MLflow cannot change in place (SUMMARY_TAG)
    start_ms: int
    end_ms: int


def started_ms(run: Export) -> int:
    """When a run started, for MLflow's clock: its end less its wall time."""
    return run.time_ms - int((run.record.wall_time_s or 0) * 1000)


def parent_of(runs: list[Export]) -> Parent:
    """The parent of some seeds' runs of one entry or point (one `Planned.parent`). Its metrics are those
    of summary.csv: each final metric's mean, sample sd and 95 % interval over the seeds that completed,
    the interval clipped to what the metric can be (`Estimate.within`); a diverged seed is counted in
    n_diverged, not averaged. Each is one value (step 0), not a series: a parent whose seeds change is
    replaced (see mlflow_export)."""
    planned = runs[0].planned
    completed = [run for run in runs if run.record.ok]
    metrics: dict[str, float] = {
        "n_seeds": len(runs),
        "n_completed": len(completed),
        "n_diverged": len(runs) - len(completed),
        "n_chance": sum(run.tags.get(TAG + "chance") == "true" for run in completed),
    }
    clipped = []
    for metric in METRICS:
        values = [value for run in completed if (value := run.final.get(metric)) is not None]
        if not values:
            continue
        estimate = mean_ci(values).within(metric)
        statistics = (estimate.mean, estimate.sd, estimate.low, estimate.high)
        metrics |= {
            f"{metric}_{name}": value
            for name, value in zip(SUMMARY_STATISTICS, statistics, strict=True)
            if value is not None
        }
        clipped += [metric] if estimate.clipped else []
    first, *others = (run.params for run in runs)
    params = {key: value for key, value in first.items() if all(other.get(key) == value for other in others)}
    seeds = [run.planned.tags[TAG + "seed"] for run in runs]
    reused = dict.fromkeys(point for run in runs for point in run.planned.reused_by)
    about = (
        f"Seeds {', '.join(seeds)}, nested below. Metrics: each final metric's mean, sd and 95 % interval "
        f"(ci_low, ci_high) over the {len(completed)} seeds that completed, as in summary.csv."
    )
    tags = {key: value for key, value in planned.tags.items() if key != TAG + "seed"}
    tags |= {TAG + "seeds": ", ".join(seeds), RUN_NAME: planned.parent_name, NOTE: about}
    tags |= {REUSED_TAG: ", ".join(reused)} if reused else {}
    tags |= {TAG + "interval_clipped": ", ".join(clipped)} if clipped else {}
    content = json.dumps({"metrics": metrics, "params": params}, sort_keys=True)
    return Parent(
        experiment=planned.experiment,
        folder=planned.parent,
        tags=tags,
        params=params,
        metrics=metrics,
        fingerprint=hashlib.sha256(content.encode()).hexdigest(),
        start_ms=min(started_ms(run) for run in runs),
        end_ms=max(run.time_ms for run in runs),
    )


def exported_experiment(name: str) -> bool:
    """Whether an experiment of a store is one this export fills (the store may hold others)."""
    return name.startswith((TOPIC, SWEEP))
