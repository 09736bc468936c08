"""Logging for rule scripts: everything to the job's `log:` file, errors also to the terminal.

Every rule script also turns Python's cyclic garbage collector off before its imports, and
`job_logging` freezes what is left when the job ends. Importing torch creates about 270,000 objects
that the collector tracks, and torch._dynamo (which torch.optim imports on its first step) as many
again; with the collector on, each full collection during those imports walks all of them, and the
interpreter walks them once more on exit. That costs 0.35 s of every job that imports torch and about
0.75 s of every job that uses torch.optim, a quarter of a small job's time. A job is a short-lived
process that makes almost no reference cycles (a training step makes none) and reference counting
still frees everything else, so nothing is lost by not collecting.
"""

from __future__ import annotations

import contextlib
import gc
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
        gc.freeze()  # the interpreter's last collection at exit then skips every object made so far
