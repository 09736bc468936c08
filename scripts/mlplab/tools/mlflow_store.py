"""The MLflow tracking store as `mlplab-export-mlflow` writes it: its runs found by their keys, each written
once and then kept, retagged or replaced (see `mlflow_export` for the rules). Imports MLflow only inside
its methods, like `mlflow_export`, the only other module that does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlplab.tools.mlflow_checks import foreign_location, made_elsewhere
from mlplab.tools.mlflow_plan import (
    FINGERPRINT_TAG,
    FOLDER_TAG,
    NOTE,
    PARENT_RUN,
    PARENT_TAG,
    RUN_NAME,
    SUMMARY_TAG,
    TAG,
    Export,
    Parent,
    exported_experiment,
    started_ms,
)

REPLACES_TAG = TAG + "replaces"  # the id of the MLflow run this one replaced
# Tags a kept run keeps although its export does not set them again.
KEPT_TAGS = {FOLDER_TAG, FINGERPRINT_TAG, REPLACES_TAG, PARENT_TAG, SUMMARY_TAG}
# For MLflow versions whose UI picks its mode from the experiment (3.17's ignores it: `mlflow_export`).
EXPERIMENT_KIND = {"mlflow.experimentKind": "custom_model_development"}


def started(run: Any) -> int:
    return run.info.start_time or 0


class Store:
    """The MLflow tracking store, with this export's runs found by their keys: a seed's run by its folder,
    a parent run by the folder of its seeds' folders."""

    def __init__(self, client: Any, artifacts: Path, descriptions: dict[str, str], uri: str):
        from mlflow.entities import ViewType

        self.client, self.artifacts, self.descriptions = client, artifacts, descriptions
        found = client.search_experiments(view_type=ViewType.ALL)
        locations = {e.name: e.artifact_location for e in found}
        if (elsewhere := foreign_location(locations, artifacts, exported_experiment)) is not None:
            raise made_elsewhere(uri, elsewhere, artifacts)
        ids = [e.experiment_id for e in found]
        self.experiment_ids: dict[str, str] = {}
        self.duplicates = 0
        self.runs = self.active(ids, FOLDER_TAG)  # run folder → its active MLflow run
        self.parents = self.active(ids, PARENT_TAG)  # folder of seeds' folders → its parent run

    def active(self, ids: list[str], key: str) -> dict[str, Any]:
        """The active runs tagged `key`, by its value. An export from before the store was locked may have
        added a run twice: the later one stays, the other is deleted and counted."""
        runs: dict[str, Any] = {}
        token = None
        while ids:
            page = self.client.search_runs(ids, f"tags.`{key}` != ''", max_results=1000, page_token=token)
            for run in page:
                value = run.data.tags[key]
                twin = runs.setdefault(value, run)
                if twin is not run:
                    older, runs[value] = sorted((twin, run), key=started)
                    self.client.delete_run(older.info.run_id)
                    self.duplicates += 1
            if not (token := page.token):
                break
        return runs

    def experiment_id(self, name: str) -> str:
        if name not in self.experiment_ids:
            experiment = self.client.get_experiment_by_name(name)
            if experiment is None:
                location = (self.artifacts / name).resolve().as_uri()
                tags = {NOTE: self.descriptions.get(name, ""), **EXPERIMENT_KIND}
                self.experiment_ids[name] = self.client.create_experiment(name, location, tags=tags)
            else:
                if experiment.lifecycle_stage == "deleted":  # deleted in the UI: its name is still taken
                    self.client.restore_experiment(experiment.experiment_id)
                for key, value in EXPERIMENT_KIND.items():
                    if experiment.tags.get(key) != value:
                        self.client.set_experiment_tag(experiment.experiment_id, key, value)
                self.experiment_ids[name] = experiment.experiment_id
        return self.experiment_ids[name]

    def export_parent(self, parent: Parent) -> tuple[str, str]:
        """Write a parent run: its id, and what happened to it (added, replaced, retagged or unchanged)."""
        old = self.parents.get(parent.folder)
        experiment = self.experiment_id(parent.experiment)
        if old is not None and is_current(old, experiment, SUMMARY_TAG, parent.fingerprint):
            return old.info.run_id, self.retag(old, parent.tags)
        from mlflow.entities import Metric, Param

        new = self.write(
            experiment,
            old,
            {**parent.tags, PARENT_TAG: parent.folder},
            (parent.start_ms, parent.end_ms),
            [Metric(name, value, parent.end_ms, 0) for name, value in parent.metrics.items()],
            [Param(key, value) for key, value in parent.params.items()],
            [],
            (SUMMARY_TAG, parent.fingerprint),
        )
        self.parents[parent.folder] = new
        return new.info.run_id, "added" if old is None else "replaced"

    def export(self, run: Export, parent_id: str) -> str:
        """Write one seed's run under its parent; what happened to it (as `export_parent`)."""
        folder = run.planned.folder
        old = self.runs.get(folder)
        experiment = self.experiment_id(run.planned.experiment)
        tags = {**run.tags, RUN_NAME: run.planned.name, PARENT_RUN: parent_id}
        if old is not None and is_current(old, experiment, FINGERPRINT_TAG, run.fingerprint):
            return self.retag(old, tags)
        from mlflow.entities import Metric, Param

        self.runs[folder] = self.write(
            experiment,
            old,
            {**tags, FOLDER_TAG: folder},
            (started_ms(run), run.time_ms),
            [Metric(name, value, run.time_ms, step) for name, value, step in run.metrics],
            [Param(key, value) for key, value in run.params.items()],
            run.artifacts,
            (FINGERPRINT_TAG, run.fingerprint),
        )
        return "added" if old is None else "replaced"

    def retag(self, old: Any, wanted: dict[str, str]) -> str:
        """Bring a kept run's tags up to date (its name and parent too); `retagged` where any changed."""
        run_id, tags = old.info.run_id, old.data.tags
        stale = [key for key in tags if key.startswith(TAG) and key not in wanted and key not in KEPT_TAGS]
        changed = {key: value for key, value in wanted.items() if tags.get(key) != value}
        for key in stale:
            self.client.delete_tag(run_id, key)
        for key, value in changed.items():
            self.client.set_tag(run_id, key, value)
        return "retagged" if stale or changed else "unchanged"

    def write(self, experiment, old, tags, times, metrics, params, artifacts, fingerprint) -> Any:
        """A new finished run (in place of `old`, deleted, where there is one); its fingerprint tag last."""
        if old is not None:
            self.client.delete_run(old.info.run_id)
            tags = {**tags, REPLACES_TAG: old.info.run_id}
        start_ms, end_ms = times
        run_id = self.client.create_run(experiment, start_time=start_ms, tags=tags).info.run_id
        self.client.log_batch(run_id, metrics=metrics, params=params)
        for path in artifacts:
            self.client.log_artifact(run_id, str(path))
        self.client.set_tag(run_id, *fingerprint)
        self.client.set_terminated(run_id, "FINISHED", end_time=end_ms)
        return self.client.get_run(run_id)


def is_current(old: Any, experiment: str, fingerprint_tag: str, fingerprint: str) -> bool:
    return (
        old.info.experiment_id == experiment
        and old.info.status == "FINISHED"
        and old.data.tags.get(fingerprint_tag) == fingerprint
    )
