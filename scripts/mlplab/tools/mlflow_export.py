"""mlplab-export-mlflow [RESULTS]: a results folder's runs into an MLflow tracking store, to browse them
with `mlflow ui`. Where each run goes and what it carries is `mlflow_plan`'s; this module writes it.

The only module that imports MLflow, and only inside its functions: MLflow is an optional tool
(requirements-mlflow.txt), never needed by the workflow, its jobs or the rest of the library. Its file
store is deprecated, so the default store is a SQLite database in the results folder, with every
experiment's artifacts under <RESULTS>/mlflow-artifacts/ (set explicitly: MLflow would otherwise put them
in ./mlruns of whatever folder it runs in).

Exporting again updates and never duplicates. A run is found by its folder (FOLDER_TAG). One whose
run.json is unchanged (FINGERPRINT_TAG, set last, so that an export cut short is finished next time)
keeps its MLflow run, with its tags brought up to date (the chance rule is applied where read; the points
that reuse it change with the config). One with a new run.json (retrained), or that moved to another
experiment, is replaced: MLflow can neither delete a metric's history nor change a param, so its old run
is deleted (MLflow keeps deleted runs, hidden, until `mlflow gc`) and a new one, tagged with the old one's
id, takes its place. The key is the folder relative to the results folder: one store per results folder
(the default); the artifact locations are absolute, so a moved results folder is exported afresh (delete
its mlflow.db and mlflow-artifacts/ first).

Exit status: 0; 1 when some run folders could not be read (the others are exported); 2 for bad input.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from mlplab.tools.mlflow_plan import (
    FINGERPRINT_TAG,
    FOLDER_TAG,
    TAG,
    Export,
    ExportError,
    experiments,
    plan,
    read_export,
)
from mlplab.tools.status_plan import ConfigError, load_config
from mlplab.workflow.run_record import RESULTS, RUN_JSON
from mlplab.workflow.sweeps import expand_all, orphaned_runs, produced_runs

PROG = "mlplab-export-mlflow"
DATABASE = "mlflow.db"
ARTIFACTS = "mlflow-artifacts"
REPLACES_TAG = TAG + "replaces"  # the id of the MLflow run this one replaced
REQUIREMENTS = "requirements-mlflow.txt"
# Tags an unchanged run keeps although its export does not set them again.
KEPT_TAGS = {FOLDER_TAG, FINGERPRINT_TAG, REPLACES_TAG}


class BadInput(Exception):
    """A results folder, config or tracking store this command cannot use."""


def default_uri(results: Path) -> str:
    """`sqlite:///results/mlflow.db` (relative to the working folder) or `sqlite:////abs/results/mlflow.db`."""
    return f"sqlite:///{(results / DATABASE).as_posix()}"


def started(run: Any) -> int:
    return run.info.start_time or 0


class Store:
    """The MLflow tracking store, with this export's runs found by their folder."""

    def __init__(self, client: Any, artifacts: Path, descriptions: dict[str, str]):
        from mlflow.entities import ViewType

        self.client, self.artifacts, self.descriptions = client, artifacts, descriptions
        self.experiment_ids: dict[str, str] = {}
        ids = [e.experiment_id for e in client.search_experiments(view_type=ViewType.ALL)]
        self.runs: dict[str, Any] = {}  # run folder → its active MLflow run
        token = None
        while ids:
            page = client.search_runs(ids, f"tags.`{FOLDER_TAG}` != ''", max_results=1000, page_token=token)
            for run in page:
                # Two exports at once may both have added a folder's run: the later one stays.
                folder = run.data.tags[FOLDER_TAG]
                twin = self.runs.setdefault(folder, run)
                if twin is not run:
                    older, self.runs[folder] = sorted((twin, run), key=started)
                    client.delete_run(older.info.run_id)
            if not (token := page.token):
                break

    def experiment_id(self, name: str) -> str:
        if name not in self.experiment_ids:
            experiment = self.client.get_experiment_by_name(name)
            if experiment is None:
                location = (self.artifacts / name).resolve().as_uri()
                note = {"mlflow.note.content": self.descriptions.get(name, "")}
                self.experiment_ids[name] = self.client.create_experiment(name, location, tags=note)
            else:
                if experiment.lifecycle_stage == "deleted":  # deleted in the UI: its name is still taken
                    self.client.restore_experiment(experiment.experiment_id)
                self.experiment_ids[name] = experiment.experiment_id
        return self.experiment_ids[name]

    def export(self, run: Export) -> str:
        """Write one run; what happened to it: added, replaced, retagged or unchanged."""
        old = self.runs.get(run.planned.folder)
        experiment = self.experiment_id(run.planned.experiment)
        if old is not None and self.is_current(old, run, experiment):
            return self.retag(old, run)
        tags = {**run.tags, FOLDER_TAG: run.planned.folder}
        if old is not None:
            self.client.delete_run(old.info.run_id)
            tags[REPLACES_TAG] = old.info.run_id
        self.runs[run.planned.folder] = self.write(run, experiment, tags)
        return "added" if old is None else "replaced"

    @staticmethod
    def is_current(old: Any, run: Export, experiment: str) -> bool:
        return (
            old.info.experiment_id == experiment
            and old.info.status == "FINISHED"
            and old.data.tags.get(FINGERPRINT_TAG) == run.fingerprint
        )

    def retag(self, old: Any, run: Export) -> str:
        """Bring an unchanged run's tags up to date; `retagged` where any changed."""
        run_id, tags = old.info.run_id, old.data.tags
        stale = [key for key in tags if key.startswith(TAG) and key not in run.tags and key not in KEPT_TAGS]
        changed = {key: value for key, value in run.tags.items() if tags.get(key) != value}
        for key in stale:
            self.client.delete_tag(run_id, key)
        for key, value in changed.items():
            self.client.set_tag(run_id, key, value)
        return "retagged" if stale or changed else "unchanged"

    def write(self, run: Export, experiment: str, tags: dict[str, str]) -> Any:
        from mlflow.entities import Metric, Param

        start = run.time_ms - int((run.record.wall_time_s or 0) * 1000)
        created = self.client.create_run(experiment, start_time=start, tags=tags, run_name=run.planned.name)
        run_id = created.info.run_id
        metrics = [Metric(name, value, run.time_ms, step) for name, value, step in run.metrics]
        params = [Param(key, value) for key, value in run.params.items()]
        self.client.log_batch(run_id, metrics=metrics, params=params)
        for path in run.artifacts:
            self.client.log_artifact(run_id, str(path))
        self.client.set_tag(run_id, FINGERPRINT_TAG, run.fingerprint)
        self.client.set_terminated(run_id, "FINISHED", end_time=run.time_ms)
        return self.client.get_run(run_id)


def export(results: Path, config: dict, tracking_uri: str) -> tuple[Counter, list[str], int, list[str]]:
    """Export every finished run the config produces. (what happened to how many runs, problems, run
    folders not finished yet, run folders the config no longer produces)."""
    from mlflow.tracking import MlflowClient

    store = Store(MlflowClient(tracking_uri=tracking_uri), results / ARTIFACTS, experiments(config))
    outcomes: Counter = Counter()
    problems: list[str] = []
    waiting = 0
    for planned in plan(config).values():
        try:
            run = read_export(results, planned)
        except ExportError as error:
            problems.append(str(error))
            continue
        if run is None:
            waiting += 1
        else:
            outcomes[store.export(run)] += 1
    produced = produced_runs(config, expand_all(config))
    left_out = [folder for under in ("runs", "sweeps") for folder in orphaned_runs(results, produced, under)]
    return outcomes, problems, waiting, left_out


def ui_command(tracking_uri: str) -> str:
    """How to open the store: with the `mlflow` beside this Python (a virtual environment's), if there."""
    mlflow = Path(sys.executable).with_name("mlflow")
    try:
        program = mlflow.relative_to(Path.cwd()).as_posix() if mlflow.exists() else "mlflow"
    except ValueError:
        program = mlflow.as_posix()
    return f"{program} ui --backend-store-uri {tracking_uri}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Export a results folder's runs into MLflow: one experiment per report topic and per "
        "sweep, one MLflow run per seed's run. Exporting again adds only what changed.",
        epilog="Exit status: 0; 1 when some run folders could not be read (the others are exported); "
        "2 for bad input.",
    )
    parser.add_argument(
        "results", metavar="RESULTS", type=Path, nargs="?", default=Path(RESULTS), help="the results folder"
    )
    parser.add_argument(
        "--tracking-uri",
        metavar="URI",
        help=f"the MLflow tracking store (default: sqlite:///RESULTS/{DATABASE}); artifacts go to "
        f"RESULTS/{ARTIFACTS}/ either way",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        type=Path,
        help="the workflow's config (default: config.yaml beside RESULTS)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse has printed its message (or the help)
        return int(exit_.code or 0)
    results: Path = args.results
    config_path: Path = args.config or results.parent / "config.yaml"
    tracking_uri = args.tracking_uri or default_uri(results)
    # MLflow keeps one store per URI for the process: a relative one would stay bound to the first folder.
    store_uri = args.tracking_uri or default_uri(results.resolve())
    try:
        if not results.is_dir():
            raise BadInput(f"{results}: not a folder; give the workflow's results folder (e.g. results)")
        config = load_config(config_path)
        try:
            from mlflow.exceptions import MlflowException
        except ImportError:
            raise BadInput(
                f"MLflow is not installed; install it with: pip install -r {REQUIREMENTS}"
            ) from None
        for name in ("alembic", "mlflow.store.db.utils"):  # the store's set-up, at every start
            logging.getLogger(name).setLevel(logging.WARNING)
        try:
            outcomes, problems, waiting, left_out = export(results, config, store_uri)
        except MlflowException as error:
            raise BadInput(f"{tracking_uri}: the tracking store refused ({error.message})") from None
    except (BadInput, ConfigError) as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"{PROG}: {problem}", file=sys.stderr)
    done = ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items())) or "none"
    print(f"{sum(outcomes.values())} runs in {tracking_uri} ({done}); artifacts in {results / ARTIFACTS}")
    if waiting:
        print(f"{waiting} run folders not finished yet (no {RUN_JSON}): exported once they are")
    if left_out:
        print(f"{len(left_out)} run folders the config no longer produces, not exported (e.g. {left_out[0]})")
    if problems:
        print(f"{len(problems)} run folders could not be read (above); the others are exported")
    print(f"Open it with: {ui_command(tracking_uri)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
