"""Logging for rule scripts: everything to the job's `log:` file, errors also to the terminal."""

from __future__ import annotations

import contextlib
import logging
import sys

log = logging.getLogger("mlplab")


@contextlib.contextmanager
def job_logging(log_path: str):
    """Log to `log_path`; an exception is logged there with its traceback, then re-raised."""
    handler = logging.FileHandler(log_path, mode="w")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield log
    except BaseException:
        log.exception("job failed")
        raise
    finally:
        log.removeHandler(handler)
        handler.close()
        sys.stderr.flush()
