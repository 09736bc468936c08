"""What `mlplab-export-mlflow` checks before MLflow touches the tracking store: that it is the only export
writing there (a lock file beside the store, held for the whole export), that the results folder can be
written, that a server answers, and that a SQLite store is an MLflow database made for this results
folder. Each problem is one line naming the file or URI and what to do.

No MLflow here (`mlflow_export` is the only module that imports it): a SQLite store is read with the
standard library's sqlite3, so that a damaged or moved store is named before MLflow would set up its
schema on it, and a server is probed with urllib, so that an unreachable one fails at once rather than
after MLflow's retries.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

DATABASE = "mlflow.db"
ARTIFACTS = "mlflow-artifacts"
LOCK = ".mlflow-export.lock"
SQLITE = "sqlite:///"
# MLflow retries a failed HTTP request for minutes by default (7 tries, doubling waits, 120 s each): a
# server that goes away mid-export stops it within about a minute instead. A user's own values win.
HTTP_BOUNDS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2", "MLFLOW_HTTP_REQUEST_TIMEOUT": "20"}
PROBE_TIMEOUT_S = 5
HEALTH = "/health"  # an MLflow server's liveness endpoint; any HTTP answer means it is there


class BadInput(Exception):
    """A results folder, config or tracking store this command cannot use: one line, exit 2."""


def bound_http_requests() -> None:
    """Set HTTP_BOUNDS in this process's environment where the user has not: MLflow reads them per request."""
    for name, value in HTTP_BOUNDS.items():
        os.environ.setdefault(name, value)


def sqlite_file(uri: str) -> Path | None:
    """The database file of a `sqlite:///…` URI (relative, or absolute with a fourth slash); None for any
    other store and for an in-memory one."""
    if not uri.startswith(SQLITE):
        return None
    path = uri.removeprefix(SQLITE).partition("?")[0]
    return Path(path) if path and path != ":memory:" else None


def lock_file(results: Path, database: Path | None) -> Path:
    """Beside the store: the SQLite file's folder, else the results folder (where its artifacts go)."""
    return (database.parent if database is not None else results) / LOCK


def check_writable(results: Path, database: Path | None) -> None:
    """The export writes its lock, the store and the artifacts: a read-only place stops it before anything
    is written. (os.access also answers for a read-only mount; for root, only there.)"""
    places = [results, results / ARTIFACTS]
    if database is not None:
        places += [database.parent, database]
    for place in places:
        if place.exists() and not os.access(place, os.W_OK | (os.X_OK if place.is_dir() else 0)):
            raise BadInput(
                f"{place}: read-only, and the export writes its store, lock and artifacts there; make it "
                f"writable (chmod -R u+w {place}) or export a writable copy of the results folder"
            )


def probe(uri: str) -> None:
    """An http(s) store answers within seconds, or BadInput naming it."""
    if urlsplit(uri).scheme not in ("http", "https"):
        return
    try:
        urllib.request.urlopen(uri.rstrip("/") + HEALTH, timeout=PROBE_TIMEOUT_S).close()
    except urllib.error.HTTPError:
        return  # it answered (an error status is still a server there)
    except (urllib.error.URLError, OSError, ValueError) as error:
        why = getattr(error, "reason", error)
        raise BadInput(
            f"{uri}: no MLflow server answers there ({why}); start it (mlflow server --port …) or give "
            "the right --tracking-uri"
        ) from None


# ---- One export at a time ----


def holder_text(text: str) -> str:
    """'pid 1234 on host, since 2025-01-01 12:00:00' from the lock file's record."""
    try:
        holder = json.loads(text)
        return f"pid {holder['pid']} on {holder['host']}, since {holder['since']}"
    except (ValueError, TypeError, KeyError):
        return "holder not recorded yet"


@contextmanager
def export_lock(path: Path, wait: bool, say: Callable[[str], None]) -> Iterator[None]:
    """Hold an exclusive lock (flock) on `path` for the block, recording this process as its holder.

    A second export waits, saying so once and naming the holder; with `wait` false it is BadInput. The
    kernel releases the lock when its holder exits, however it exits, so a lock is never stale; the file
    stays (removing a locked file would let a third export lock a new file beside the held one), emptied
    when released."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as error:
        why = f"cannot open the export's lock ({error.strerror}); make its folder writable"
        raise BadInput(f"{path}: {why}") from None
    with os.fdopen(fd, "r+") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = f"{path}: another export holds the store ({holder_text(file.read())})"
            if not wait:
                raise BadInput(
                    f"{holder}; run again when it has finished (without --no-wait to wait)"
                ) from None
            say(f"{holder}; waiting for it to finish")
            fcntl.flock(file, fcntl.LOCK_EX)
        except OSError as error:  # a file system without locks (some network mounts)
            why = f"cannot be locked ({error.strerror}); export where files can be locked"
            raise BadInput(f"{path}: {why}") from None
        record = {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "since": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        file.seek(0)
        file.truncate()
        file.write(json.dumps(record) + "\n")
        file.flush()
        try:
            yield
        finally:
            file.seek(0)
            file.truncate()


# ---- A SQLite store: readable, and made for this results folder ----


def read_experiments(database: Path) -> dict[str, str]:
    """Experiment name → artifact location in a SQLite MLflow store (none yet: {}), read-only. Its whole
    file is checked first (PRAGMA quick_check): a truncated store can still answer one query."""
    if not database.exists():
        return {}
    try:
        with closing(sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)) as db:
            problems = [row[0] for row in db.execute("PRAGMA quick_check")]
            if problems != ["ok"]:
                raise sqlite3.DatabaseError(problems[0])
            return dict(db.execute("SELECT name, artifact_location FROM experiments"))
    except sqlite3.Error as error:
        raise BadInput(
            f"{database}: not a readable MLflow database ({error}); move it aside (mv {database} "
            f"{database}.broken) and export again: the store is rebuilt from the run folders"
        ) from None


def foreign_location(
    experiments: Mapping[str, str], artifacts: Path, ours: Callable[[str], bool]
) -> str | None:
    """The artifact location of an export's experiment that is not under `artifacts` (the store was made
    for a results folder at another place), or None."""
    root = artifacts.resolve().as_uri() + "/"
    return next((at for name, at in experiments.items() if ours(name) and not at.startswith(root)), None)


def made_elsewhere(store: str, elsewhere: str, artifacts: Path, also: str = "") -> BadInput:
    return BadInput(
        f"{store}: its experiments keep their artifacts in {elsewhere}, not under {artifacts} (made for the "
        f"results folder at another place; MLflow cannot re-point them); export into another store with "
        f"--tracking-uri{also}"
    )


def move_aside(database: Path, artifacts: Path) -> str:
    """Rename the store and its artifacts folder to `<name>.moved-<time>`; what was moved, for the user."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    moved = []
    for path in (database, artifacts):
        if path.exists():
            path.rename(path.with_name(f"{path.name}.moved-{stamp}"))
            moved.append(f"{path.name}.moved-{stamp}")
    return " and ".join(moved)


def check_sqlite_store(
    database: Path, artifacts: Path, ours: Callable[[str], bool], rebuild: bool
) -> str | None:
    """Refuse a damaged store; one made for a results folder elsewhere (moved or copied: MLflow cannot
    re-point an experiment's artifacts) is moved aside to be exported afresh where `rebuild` (the results
    folder's own store), else refused. The line that says what was moved, or None."""
    elsewhere = foreign_location(read_experiments(database), artifacts, ours)
    if elsewhere is None:
        return None
    if not rebuild:
        raise made_elsewhere(str(database), elsewhere, artifacts, f" or move {database} aside")
    moved = move_aside(database, artifacts)
    return (
        f"{database}: made where the results folder was before ({elsewhere}); moved aside ({moved}; delete "
        "when no longer wanted) and exported afresh here"
    )
