"""What a results folder becomes in MLflow, worked out without MLflow: which experiment and run each run
folder goes to, and the params, tags, metrics and artifacts it carries. `mlflow_export` only writes what
this module plans, so the plan is tested, and the rest of the library works, where MLflow is not
installed.

One experiment per report topic and one per sweep; one MLflow run per run folder (a seed's run). Every
catalogue entry is in several topics (`comparison` shows them all), so each goes into the first topic of
the report's order that shows it. A sweep's point that reads another's runs (an equal catalogue entry's
or a point of an earlier sweep) adds no second MLflow run: the owner's run carries a tag naming every
point that reads it, so that a sweep's MLflow experiment never disagrees with the folders on disk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from mlplab.compare.reading import EPOCH, BadInput, read_metrics
from mlplab.presentation.topics import TOPICS
from mlplab.workflow.provenance import sha256_file
from mlplab.workflow.run_reading import RunFileError, chance, read_record, rebuild_hint
from mlplab.workflow.run_record import METRICS_CSV, MODEL_PT, RESULTS, RUN_JSON, RunRecord, catalogue_run
from mlplab.workflow.sweeps import expand_all

TAG = "mlplab."  # every tag this export sets starts with it; MLflow's own start with "mlflow."
FOLDER_TAG = TAG + "run_folder"  # the run's key: its folder relative to the results folder
FINGERPRINT_TAG = TAG + "run_json_sha256"  # run.json, which holds metrics.csv's and model.pt's SHA-256s
REUSED_TAG = TAG + "reused_by"
TOPIC, SWEEP = "topic/", "sweep/"  # experiment names: "topic/mlp", "sweep/mlp_lr"
OTHER = TOPIC + "catalogue"  # an entry that no topic shows (none today: `comparison` shows every entry)


class ExportError(ValueError):
    """A run folder that cannot be exported: one line naming the file and what to do."""


@dataclass
class Planned:
    experiment: str  # the MLflow experiment's name
    folder: str  # relative to the results folder (`runs/mlp_concise/seed0`): the run's key in MLflow
    name: str  # the MLflow run's name: `mlp_concise/seed0`, `mlp_lr/lr~0.05/seed0`
    tags: dict[str, str]  # what the config says about the run (entry, or sweep and point; seed)
    reused_by: list[str] = field(default_factory=list)  # `<sweep>/<point>` of every point that reads it


@dataclass(frozen=True)
class Export:
    """One finished run as MLflow gets it."""

    planned: Planned
    record: RunRecord
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

    def claim(folder: str, experiment: str, name: str, tags: dict[str, str], seed: int) -> Planned:
        tags = {**tags, TAG + "seed": str(seed)}
        return planned.setdefault(folder, Planned(experiment, folder, f"{name}/seed{seed}", tags))

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
                    run = claim(path.removeprefix(f"{RESULTS}/"), experiment, point.run, tags, seed)
                    if not own:
                        run.reused_by.append(f"{sweep.name}/{point.path}")
    return planned


def read_export(results: Path, planned: Planned) -> Export | None:
    """The run in `planned.folder` as MLflow gets it, read through `read_record` (which checks metrics.csv
    against its SHA-256); None while it has no run.json (not run yet, or still training)."""
    folder = results / planned.folder
    if not (folder / RUN_JSON).exists():
        return None
    try:
        record = read_record(folder)
        columns, rows = read_metrics(folder / METRICS_CSV)
    except (RunFileError, BadInput) as error:
        raise ExportError(str(error)) from None
    model = folder / MODEL_PT
    if record.model_sha256 is not None and model.exists() and sha256_file(model) != record.model_sha256:
        why = "not the file its run saved (its SHA-256 is not the one in run.json)"
        raise ExportError(f"{model}: {why}; {rebuild_hint(folder)}")
    metrics = [
        (name, value, int(epoch))
        for row in rows
        if (epoch := row[EPOCH]) is not None
        for name in columns
        if (value := row[name]) is not None
    ]
    artifacts = [folder / METRICS_CSV, folder / RUN_JSON] + ([model] if model.exists() else [])
    return Export(
        planned=planned,
        record=record,
        params={key: param_value(value) for key, value in record.config.items()},
        tags={**planned.tags, **record_tags(record), **reuse_tags(planned)},
        metrics=metrics,
        artifacts=artifacts,
        fingerprint=sha256_file(folder / RUN_JSON),
        time_ms=int((folder / RUN_JSON).stat().st_mtime * 1000),
    )


def param_value(value) -> str:
    """A hyperparameter as MLflow stores it (text): strings as they are, the rest as JSON (0.1, [32, 32])."""
    return value if isinstance(value, str) else json.dumps(value)


def record_tags(record: RunRecord) -> dict[str, str]:
    why_chance = chance(record)
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
