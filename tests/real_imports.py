"""The library modules a rule's script really imports, found by running the script up to its first use
of `snakemake` in a fresh interpreter (not by reading its source): the ground truth that the workflow's
computed library inputs are checked against."""

from __future__ import annotations

import subprocess
import sys
from functools import cache
from pathlib import Path

PROBE = r"""
import importlib, runpy, sys

class Stop(Exception):
    pass

class Injected:  # stands in for the object Snakemake injects; the imports come before any use of it
    def __getattr__(self, name):
        raise Stop

script, extra = sys.argv[1], sys.argv[2:]
try:
    runpy.run_path(script, init_globals={"snakemake": Injected()}, run_name="__main__")
except Stop:
    pass
for module in extra:
    importlib.import_module(module)
print("\n".join(sorted(name for name in sys.modules if name == "mlplab" or name.startswith("mlplab."))))
"""


@cache
def real_imports(script: Path, extra_modules: tuple[str, ...] = ()) -> frozenset[str]:
    """Module and package names (`mlplab`, `mlplab.chapter`, `mlplab.chapter.models`) that running
    `script` (then importing `extra_modules`) loads."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(script), *extra_modules],
        capture_output=True,
        text=True,
        check=True,
        cwd=script.parent,
    ).stdout
    return frozenset(out.split())


def kind_modules(kind) -> tuple[str, ...]:
    """The modules rule `train` reaches by name for a kind: its training code and model."""
    return tuple(target.split(":")[0] for target in (kind.fit, kind.model) if target)
