"""One writer per run folder: a training job does not start while another live job writes the same run
(after a lost Snakemake controller on a cluster, its jobs run on and a rerun would submit a second one
for the same output). It waits for that job instead of failing: Snakemake removes the outputs of a
failed job when it learns of the failure, which on a cluster can be after the first job has written its
result.

The lock is a file created exclusively in the run folder, naming its holder: the SLURM job id where
there is one, else host and PID. A lock whose holder is gone (the SLURM job has left the queue, or the
process no longer exists on this host) is stale and taken over.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mlplab.workflow.run_record import LOCK, refuse_links

log = logging.getLogger("mlplab")


# A lock that names no holder yet: created, not yet written (the holder writes it at once). Younger than
# this it counts as a job starting; older, as one that died between the two steps.
UNWRITTEN_LOCK_S = 10.0


class RunFolderBusy(RuntimeError):
    """Another live job is writing this run folder."""


def this_writer() -> dict:
    return {"slurm_job_id": os.environ.get("SLURM_JOB_ID"), "host": platform.node(), "pid": os.getpid()}


def describe(holder: dict) -> str:
    where = f"PID {holder.get('pid')} on {holder.get('host')}"
    return f"SLURM job {holder['slurm_job_id']} ({where})" if holder.get("slurm_job_id") else where


def slurm_job_alive(job_id: str) -> bool | None:
    """Whether SLURM still lists the job (None: no squeue here to ask)."""
    if shutil.which("squeue") is None:
        return None
    proc = subprocess.run(["squeue", "-h", "-j", str(job_id), "-o", "%T"], capture_output=True, text=True)
    return proc.returncode == 0 and bool(proc.stdout.strip())


def alive(holder: dict) -> bool:
    """Whether the holder may still be writing; unknowable cases count as alive (refuse, don't risk)."""
    if holder.get("slurm_job_id"):
        listed = slurm_job_alive(holder["slurm_job_id"])
        if listed is not None:
            return listed
    if holder.get("host") == platform.node():
        try:
            os.kill(int(holder["pid"]), 0)
        except ProcessLookupError:
            return False
        except (PermissionError, TypeError, ValueError, KeyError):
            return True
        return True
    return True


def checkable(holder: dict) -> bool:
    """Whether this job can tell when the holder is gone (its SLURM job, or a process on this host)."""
    if holder.get("slurm_job_id") and shutil.which("squeue"):
        return True
    return holder.get("host") == platform.node()


@contextlib.contextmanager
def run_folder_lock(folder: Path | str, finished: Callable[[], bool] = lambda: False, poll_s: float = 5.0):
    """Claim the run folder for this job; yields whether this job must train.

    While another live job holds the folder, this job does not start a second writer: it waits, and
    once the holder is gone yields False if `finished()` says the holder completed the run (its result
    stands), else claims the folder and yields True. A holder that cannot be checked from here (another
    host, no SLURM) is refused at once: there is no telling when it ends."""
    lock = Path(folder) / LOCK
    refuse_links(lock.parent)  # a lock planted as a link (or a FIFO behind one) is no job's claim
    lock.parent.mkdir(parents=True, exist_ok=True)
    me, waited_for = this_writer(), None
    while True:
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW)
        except FileExistsError:
            try:
                holder = json.loads(lock.read_text())
            except (OSError, ValueError):
                holder = {}  # half-written by a holder that died between create and write
            if holder and alive(holder):
                if not checkable(holder):
                    raise RunFolderBusy(
                        f"{lock.parent}: another job is writing this run ({describe(holder)}), which cannot "
                        f"be checked from here; refusing to start a second writer. If that job is gone for "
                        f"good, remove {lock} and run again."
                    ) from None
                if holder != waited_for:
                    print(
                        f"{lock.parent}: another job is writing this run ({describe(holder)}); this job does "
                        "not start a second writer and waits for it to end.",
                        file=sys.stderr,
                        flush=True,
                    )
                    waited_for = holder
                time.sleep(poll_s)
                continue
            log.warning(
                "taking over the stale lock of %s: %s", lock.parent, describe(holder) if holder else "?"
            )
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()
            continue
        with os.fdopen(fd, "w") as f:
            json.dump(me, f)
        break
    try:
        if waited_for is not None and finished():
            print(
                f"{lock.parent}: {describe(waited_for)} completed this run and its result is verified; "
                "not training it again.",
                file=sys.stderr,
                flush=True,
            )
            yield False
        else:
            yield True
    finally:
        with contextlib.suppress(FileNotFoundError, ValueError, OSError):
            if json.loads(lock.read_text()) == me:
                lock.unlink()


# ---- The lock as a reader sees it (mlplab-status, mlplab-compare) ----


@dataclass(frozen=True)
class Writer:
    """The job a run folder's lock names."""

    holder: dict  # as run_lock writes it; empty when the file names no one
    since: float  # the lock's modification time: written once, when the job claimed the folder
    live: bool

    def named(self) -> str:
        return describe(self.holder) if self.holder else "a job that left its lock unwritten"


def writer(folder: Path | str, now: float) -> Writer | None:
    """The lock's holder and whether it may still be writing (`run_lock.alive`: a holder that cannot be
    checked from here counts as alive, as it does for the training job)."""
    lock = Path(folder) / LOCK
    try:
        since = lock.lstat().st_mtime
        holder = json.loads(lock.read_text()) if lock.is_file() and not lock.is_symlink() else None
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        holder = None
    if not isinstance(holder, dict) or not holder:
        return Writer({}, since, now - since < UNWRITTEN_LOCK_S)
    return Writer(holder, since, alive(holder))
