"""mlplab-export-mlflow [RESULTS]: a results folder's runs into an MLflow tracking store, to browse them
with `mlflow ui`. Where each run goes and what it carries is `mlflow_plan`'s; `mlflow_store` writes it.

It and `mlflow_store` are the only modules that import MLflow, only inside functions: an optional tool
(requirements-mlflow.txt), never needed by the workflow, its jobs or the rest of the library. Its file
store is deprecated, so the default store is a SQLite database in the results folder, with every
experiment's artifacts under <RESULTS>/mlflow-artifacts/ (set explicitly: MLflow would otherwise put them
in ./mlruns of whatever folder it runs in).

One export at a time: it holds a lock beside the store from before MLflow opens it (two fresh exports
would both set up MLflow's schema) to its last line (`mlflow_checks`); a second one waits, or with
--no-wait exits 2 naming the holder. A damaged store, a read-only results folder and a server that does
not answer are each one line and exit 2 before anything is written. The artifact locations are absolute,
and MLflow cannot re-point an experiment's: the results folder's own store, made for the folder at
another place (moved or copied), is moved aside and exported afresh, saying so; another store is refused.

Exporting again updates and never duplicates. A run is found by its folder (FOLDER_TAG). One whose
run.json is unchanged (FINGERPRINT_TAG, set last, so that an export cut short is finished next time)
keeps its MLflow run, with its tags brought up to date (the chance rule is applied where read; the points
that reuse it change with the config). One with a new run.json (retrained), or that moved to another
experiment, is replaced: MLflow can neither delete a metric's history nor change a param, so its old run
is deleted (MLflow keeps deleted runs, hidden, until `mlflow gc`) and a new one, tagged with the old one's
id, takes its place. The key is the folder relative to the results folder: one store per results folder
(the default).

Each entry's and sweep point's seeds nest under a parent run (PARENT_TAG) holding their statistics,
written the same way: kept while its metrics and params are unchanged (SUMMARY_TAG), else replaced, its
seeds' runs pointed at the new one. Replaced rather than logged again at a new step, because MLflow would
draw a parent's successive means as a training curve, and its table and charts would mix statistics of
seeds that no longer exist with the current ones.

Exit status: 0; 1 when some run folders could not be read (the others are exported); 2 for bad input.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from mlplab.tools.mlflow_checks import (
    ARTIFACTS,
    DATABASE,
    BadInput,
    bound_http_requests,
    check_sqlite_store,
    check_writable,
    export_lock,
    lock_file,
    probe,
    sqlite_file,
)
from mlplab.tools.mlflow_plan import (
    ExportError,
    Planned,
    experiments,
    exported_experiment,
    parent_of,
    plan,
    read_export,
)
from mlplab.tools.mlflow_store import Store
from mlplab.tools.status_plan import ConfigError, load_config
from mlplab.workflow.run_record import RESULTS
from mlplab.workflow.sweeps import expand_all, orphaned_runs, produced_runs

PROG = "mlplab-export-mlflow"
REQUIREMENTS = "requirements-mlflow.txt"
# MLflow 3.17's UI shows a store in its GenAI mode (traces, no runs) unless the URL (or the browser's
# storage) says otherwise; it ignores the experiment kind (`mlflow_store.EXPERIMENT_KIND`).
RUNS_VIEW = "?workflowType=machine_learning"
UI_ADDRESS = "http://127.0.0.1:5000"  # where `mlflow ui` serves by default


def default_uri(results: Path) -> str:
    """`sqlite:///results/mlflow.db` (relative to the working folder) or `sqlite:////abs/results/mlflow.db`."""
    return f"sqlite:///{(results / DATABASE).as_posix()}"


@dataclass
class Exported:
    """What an export did, counted from what it wrote."""

    runs: Counter = field(default_factory=Counter)  # added, replaced, retagged, unchanged
    parents: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)  # run folders that could not be read
    # Run folders not finished yet, by the target that makes them: the default one's (runs/), the
    # exercises' (sweeps/); and how many of the exercises' are finished.
    waiting: Counter = field(default_factory=Counter)
    exercised: int = 0
    left_out: list[str] = field(default_factory=list)  # run folders the config no longer produces
    duplicates: int = 0  # duplicate runs from earlier exports, deleted
    first_experiment: str | None = None  # the id of the first experiment (report's order) with runs


def export(results: Path, config: dict, tracking_uri: str, shown_uri: str) -> Exported:
    """Export every finished run the config produces, an entry's or sweep point's seeds at a time under
    their parent run."""
    from mlflow.tracking import MlflowClient

    descriptions = experiments(config)
    store = Store(MlflowClient(tracking_uri=tracking_uri), results / ARTIFACTS, descriptions, shown_uri)
    done = Exported()
    groups: dict[str, list[Planned]] = {}
    for planned in plan(config).values():
        groups.setdefault(planned.parent, []).append(planned)
    for members in groups.values():
        runs = []
        for planned in members:
            try:
                run = read_export(results, planned)
            except ExportError as error:
                done.problems.append(str(error))
                continue
            exercises = planned.folder.startswith("sweeps/")
            if run is None:
                done.waiting["exercises" if exercises else "default"] += 1
            else:
                done.exercised += exercises
                runs.append(run)
        if runs:
            parent_id, outcome = store.export_parent(parent_of(runs))
            done.parents[outcome] += 1
            for run in runs:
                done.runs[store.export(run, parent_id)] += 1
    produced = produced_runs(config, expand_all(config))
    done.left_out = [
        folder for under in ("runs", "sweeps") for folder in orphaned_runs(results, produced, under)
    ]
    done.duplicates = store.duplicates
    done.first_experiment = next(
        (store.experiment_ids[n] for n in descriptions if n in store.experiment_ids), None
    )
    return done


def ui_command(tracking_uri: str) -> str:
    """How to open the store: with the `mlflow` beside this Python (a virtual environment's), if there.
    One worker: the UI's default of several would each open (and on a fresh store set up) the database."""
    mlflow = Path(sys.executable).with_name("mlflow")
    try:
        program = mlflow.relative_to(Path.cwd()).as_posix() if mlflow.exists() else "mlflow"
    except ValueError:
        program = mlflow.as_posix()
    return f"{program} ui --backend-store-uri {tracking_uri} --workers 1"


def runs_url(tracking_uri: str, experiment_id: str | None) -> str | None:
    """The UI's address that opens the runs table (of the report's first experiment): the server's own
    for an http(s) store, `mlflow ui`'s for the others; None for a store no UI serves this way."""
    if tracking_uri.startswith(("http://", "https://")):
        address = tracking_uri.rstrip("/")
    elif sqlite_file(tracking_uri) is not None:
        address = UI_ADDRESS
    else:
        return None
    page = f"experiments/{experiment_id}/runs" if experiment_id is not None else "experiments"
    return f"{address}/#/{page}{RUNS_VIEW}"


def store_errors() -> tuple[type[BaseException], ...]:
    """What a tracking store raises (MLflow's errors, its database's, the file system's); BadInput where
    MLflow is not installed."""
    try:
        from mlflow.exceptions import MlflowException
    except ImportError:
        raise BadInput(f"MLflow is not installed; install it with: pip install -r {REQUIREMENTS}") from None
    try:
        from sqlalchemy.exc import SQLAlchemyError
    except ImportError:  # mlflow-skinny: no database stores
        return MlflowException, OSError
    return MlflowException, OSError, SQLAlchemyError


def store_problem(tracking_uri: str, error: BaseException) -> str:
    """One line for an error the store raised mid-export."""
    if isinstance(error, OSError) and error.filename:
        return (
            f"{error.filename}: {error.strerror}; fix that and export again (the run folders are untouched)"
        )
    why = getattr(error, "message", None) or getattr(error, "orig", None) or error
    return f"{tracking_uri}: the tracking store refused ({str(why).splitlines()[0]})"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Export a results folder's runs into MLflow: one experiment per report topic and per "
        "sweep, one MLflow run per seed's run under a parent run per entry and sweep point. Exporting "
        "again adds only what changed; one export at a time writes a store.",
        epilog="Exit status: 0; 1 when some run folders could not be read (the others are exported); "
        "2 for bad input (a damaged, unreachable or locked store with --no-wait, a read-only folder).",
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
    parser.add_argument(
        "--no-wait",
        action="store_true",
        help="exit (status 2) instead of waiting while another export writes the store",
    )
    return parser


def warn(line: str) -> None:
    print(f"{PROG}: {line}", file=sys.stderr, flush=True)


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
    database = sqlite_file(tracking_uri)
    bound_http_requests()  # before MLflow is imported
    try:
        if not results.is_dir():
            raise BadInput(f"{results}: not a folder; give the workflow's results folder (e.g. results)")
        config = load_config(config_path)
        errors = store_errors()
        for name in ("alembic", "mlflow.store.db.utils"):  # the store's set-up, at every start
            logging.getLogger(name).setLevel(logging.WARNING)
        check_writable(results, database)
        probe(tracking_uri)
        with export_lock(lock_file(results, database), wait=not args.no_wait, say=warn):
            if database is not None:
                own = database.resolve() == (results / DATABASE).resolve()
                moved = check_sqlite_store(database, results / ARTIFACTS, exported_experiment, rebuild=own)
                if moved:
                    print(moved)
            try:
                done = export(results, config, store_uri, tracking_uri)
            except errors as error:
                raise BadInput(store_problem(tracking_uri, error)) from None
    except (BadInput, ConfigError) as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    for problem in done.problems:
        print(f"{PROG}: {problem}", file=sys.stderr)
    report(done, results, tracking_uri)
    return 1 if done.problems else 0


def counts(outcomes: Counter) -> str:
    return ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items())) or "none"


def report(done: Exported, results: Path, tracking_uri: str) -> None:
    artifacts = results / ARTIFACTS
    print(f"{sum(done.runs.values())} runs in {tracking_uri} ({counts(done.runs)}); artifacts in {artifacts}")
    parents = f"{sum(done.parents.values())} parent runs ({counts(done.parents)})"
    print(f"{parents}, one per entry and sweep point, with its seeds' runs nested under it")
    if done.duplicates:
        print(f"{done.duplicates} duplicate MLflow runs from earlier exports deleted")
    later = "not finished yet: exported once they are"
    if done.waiting["default"]:
        print(f"{done.waiting['default']} run folders of the default target {later}")
    if done.waiting["exercises"] and not done.exercised:
        started = "not started (`make exercises` trains them)"
        print(f"the exercises' {done.waiting['exercises']} runs are {started}")
    elif done.waiting["exercises"]:
        print(f"{done.waiting['exercises']} run folders of the exercises {later}")
    if done.left_out:
        left_out = f"{len(done.left_out)} run folders the config no longer produces"
        print(f"{left_out}, not exported (e.g. {done.left_out[0]})")
    if done.problems:
        print(f"{len(done.problems)} run folders could not be read (above); the others are exported")
    if sqlite_file(tracking_uri) is not None:
        print(f"Open it with: {ui_command(tracking_uri)}")
    if (url := runs_url(tracking_uri, done.first_experiment)) is not None:
        print(f"The runs table: {url}")


if __name__ == "__main__":
    sys.exit(main())
