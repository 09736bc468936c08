"""Who holds this workflow folder. Each Snakemake run that gets going records itself (the Snakefile's
onstart), so that a second one, which Snakemake refuses for its lock, is told who holds the folder and
whether `snakemake --unlock` is safe: only for a lock whose run no longer exists. Torch-free: read on
every `snakemake` start."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

HOLDERS = Path(".snakemake", "mlplab-holders")
LOCKS = Path(".snakemake", "locks")


def holder_file() -> Path:
    return HOLDERS / f"{platform.node()}-{os.getpid()}.json"


def record() -> None:
    HOLDERS.mkdir(parents=True, exist_ok=True)
    holder = {"pid": os.getpid(), "host": platform.node(), "started": time.ctime()}
    holder_file().write_text(json.dumps(holder))


def forget() -> None:
    holder_file().unlink(missing_ok=True)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def explain_lock() -> None:
    """Before Snakemake's own lock check: name the run that holds this folder, and whether it lives."""
    if not (LOCKS.is_dir() and any(LOCKS.iterdir()) and HOLDERS.is_dir()):
        return
    for path in sorted(HOLDERS.glob("*.json")):
        holder = json.loads(path.read_text())
        if holder["host"] != platform.node():
            state = f"on {holder['host']} (cannot be checked from here)"
        elif pid_alive(holder["pid"]):
            state = "and is still running"
        else:
            state = "and is gone (it crashed or was killed): `snakemake --unlock` is safe now"
        print(
            f"mlp-lab: another Snakemake (PID {holder['pid']}, started {holder['started']}) holds this "
            f"folder {state}. If this run is refused because the directory is locked, wait for that one; "
            "`snakemake --unlock` is only for a lock left by a run that no longer exists, and while it "
            "runs it would let two runs write the same files.",
            file=sys.stderr,
        )
