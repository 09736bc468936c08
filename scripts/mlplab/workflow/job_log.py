"""Logging for rule scripts: everything to the job's `log:` file, errors also to the terminal.

Every rule script also turns Python's cyclic garbage collector off before its imports, and
`job_logging` freezes what is left when the job ends. Importing torch creates hundreds of thousands of
objects that the collector tracks, and torch._dynamo (which torch.optim imports on its first step) as
many again; with the collector on, each full collection during those imports walks all of them, and the
interpreter walks them once more on exit, a noticeable share of a small job's time (benchmarks/README.md).
A job is a short-lived process that makes almost no reference cycles (a training step makes none) and
reference counting still frees everything else, so nothing is lost by not collecting.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import sys
from pathlib import Path

import mlplab

log = logging.getLogger("mlplab")
# How a failed job's log says why, in one line before the traceback (mlplab-status reads it).
FAILED = "job failed: "


def failure_reason(error: BaseException) -> str:
    """Why a job failed, in one line: 'no space left on device', 'DataFileError: data/...: corrupt'."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror[:1].lower() + error.strerror[1:]
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


def logged_failure(log: Path | None) -> str | None:
    """Why the job's log says it failed (its last failure line), or None."""
    try:
        lines = log.read_text(errors="replace").splitlines() if log is not None else []
    except OSError:
        return None
    reasons = [line.split(FAILED, 1)[1] for line in lines if FAILED in line]
    return reasons[-1].strip() if reasons else None


@contextlib.contextmanager
def job_logging(log_path: str):
    """Log to `log_path`; an exception is logged there with its traceback, then re-raised."""
    handler = logging.FileHandler(log_path, mode="w")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    # Which copy of the library the job runs: the workflow folder's own, never an installed one.
    log.info("mlp-lab library: %s", Path(mlplab.__file__).parent)
    try:
        yield log
    except BaseException as error:
        log.exception("%s%s", FAILED, failure_reason(error))
        raise
    finally:
        log.removeHandler(handler)
        handler.close()
        sys.stderr.flush()
        gc.freeze()  # the interpreter's last collection at exit then skips every object made so far
