"""Which library modules a rule's script imports, read from the source (no import runs).

Snakemake's code trigger sees only the rule's script. The workflow declares the library modules a job
imports as its inputs, computed here from the import graph, so that editing one reruns exactly the jobs
that use it and no list is kept by hand. Torch-free and fast: the Snakefile calls it on every
`snakemake -n`.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PACKAGE = "mlplab"


def imported_modules(source: Path) -> set[str]:
    """The `mlplab.*` modules a file imports anywhere in it (function-level imports too)."""
    found = set()
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            # `from mlplab import tables` imports the module mlplab.tables
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.startswith(f"{PACKAGE}.")}


@cache
def _closure(library: Path, roots: frozenset[str]) -> frozenset[str]:
    seen: set[str] = set()
    todo = [m for m in roots if module_file(library, m).exists()]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += [m for m in imported_modules(module_file(library, name)) if module_file(library, m).exists()]
    return frozenset(seen)


def module_file(library: Path, module: str) -> Path:
    """The file of `mlplab.x` under `library` (the folder that holds the mlplab package)."""
    return library.joinpath(*module.split(".")).with_suffix(".py")


def library_inputs(library: Path | str, script: Path | str, extra_modules=()) -> list[str]:
    """The library files `script` imports, directly or through other library modules, plus those of
    `extra_modules` (modules the script reaches by name, e.g. a kind's training code), sorted."""
    library = Path(library)
    roots = imported_modules(Path(script)) | set(extra_modules)
    return sorted(str(module_file(library, m)) for m in _closure(library, frozenset(roots)))
