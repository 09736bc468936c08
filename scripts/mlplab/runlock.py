"""One writer per run folder: a training job refuses to start while another live job writes the same
run (after a lost Snakemake controller on a cluster, its jobs run on and a rerun would submit a second
one for the same output).

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
from pathlib import Path

log = logging.getLogger("mlplab")
LOCK_NAME = ".writer.lock"


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


@contextlib.contextmanager
def run_folder_lock(folder: Path | str):
    lock = Path(folder) / LOCK_NAME
    lock.parent.mkdir(parents=True, exist_ok=True)
    me = this_writer()
    for _ in range(3):  # a stale lock is removed and the claim retried; a live one refuses at once
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                holder = json.loads(lock.read_text())
            except (OSError, ValueError):
                holder = {}  # half-written by a holder that died between create and write
            if holder and alive(holder):
                raise RunFolderBusy(
                    f"{lock.parent}: another job is writing this run ({describe(holder)}); refusing to "
                    "start a second writer. Wait for it, or cancel it (scancel, kill) and run again; if that "
                    f"job is gone for good, remove {lock}."
                ) from None
            log.warning(
                "taking over a stale lock of %s: %s",
                lock.parent,
                describe(holder) if holder else "unreadable",
            )
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()
            continue
        with os.fdopen(fd, "w") as f:
            json.dump(me, f)
        break
    else:
        raise RunFolderBusy(f"{lock.parent}: could not claim {lock}")
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError, ValueError, OSError):
            if json.loads(lock.read_text()) == me:
                lock.unlink()
