"""Which library modules a rule's script imports, read from the source (no import runs).

Snakemake's code trigger sees only the rule's script. The workflow declares the library modules a job
imports as its inputs, computed here from the import graph, so that editing one reruns exactly the jobs
that use it and no list is kept by hand. Importing `mlplab.chapter.models` runs the `__init__.py` of
`mlplab` and of `mlplab.chapter` first, so those count as imported too (they hold only a docstring, so
that editing a module does not rerun the jobs of its neighbours). Torch-free and fast: the Snakefile
calls it on every `snakemake -n`, for every job, so each file's imports are read once per content (and
kept between starts by `mlplab.workflow.parse_cache`, where the Snakefile turns it on).
"""

from __future__ import annotations

import ast
import hashlib
from functools import cache
from pathlib import Path

from mlplab.workflow import parse_cache

PACKAGE = "mlplab"
GRAPH = "import_graph"  # the parse cache's name for each file's imports, by its place and content


def imported_modules(source: Path, library: Path | None = None) -> set[str]:
    """The `mlplab.*` modules and packages a file imports anywhere in it (function-level imports too).
    Relative imports are resolved against the file's own package, found under `library`."""
    text = source.read_bytes()
    place = f"{source.resolve()} {library.resolve() if library else ''}"
    key = f"{place} {hashlib.sha256(text).hexdigest()}"
    known = parse_cache.entry(GRAPH, key)
    if known is None:
        known = sorted(_parsed_imports(source, text, library))
        parse_cache.keep(GRAPH, key, known)
    return set(known)


def _parsed_imports(source: Path, text: bytes, library: Path | None) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(text, str(source))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            module = absolute_module(source, node, library)
            if module:
                found.add(module)
                # `from mlplab.presentation import tables` may import the module mlplab.presentation.tables
                found |= {f"{module}.{alias.name}" for alias in node.names}
    inside = {name for name in found if name == PACKAGE or name.startswith(f"{PACKAGE}.")}
    # A submodule's import runs each enclosing package's __init__.py first.
    return inside | {".".join(name.split(".")[:i]) for name in inside for i in range(1, name.count(".") + 1)}


def absolute_module(source: Path, node: ast.ImportFrom, library: Path | None) -> str | None:
    if node.level == 0:
        return node.module
    if library is None:
        return None
    package = source.resolve().relative_to(library.resolve()).with_suffix("").parts[: -node.level]
    return ".".join([*package, *([node.module] if node.module else [])]) or None


def module_file(library: Path, module: str) -> Path:
    """The file of `mlplab.x.y` under `library` (the folder that holds the mlplab package): its .py file,
    or the package's __init__.py."""
    path = library.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


@cache
def _closure(library: Path, roots: frozenset[str]) -> frozenset[str]:
    seen: set[str] = set()
    todo = [m for m in roots if _library_file(library, m)]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += [m for m in _module_imports(library, name) if _library_file(library, m)]
    return frozenset(seen)


# Within one process (one Snakemake start) a library file is looked for, and its imports read, once.
@cache
def _library_file(library: Path, module: str) -> Path | None:
    path = module_file(library, module)
    return path if path.exists() else None


@cache
def _module_imports(library: Path, module: str) -> set[str]:
    return imported_modules(module_file(library, module), library)


def library_inputs(library: Path | str, script: Path | str, extra_modules=()) -> list[str]:
    """The library files `script` imports, directly or through other library modules, plus those of
    `extra_modules` (modules the script reaches by name, e.g. a kind's training code), sorted."""
    library = Path(library)
    roots = frozenset(imported_modules(Path(script), library) | set(extra_modules))
    return list(_files(library, roots))


@cache
def _files(library: Path, roots: frozenset[str]) -> tuple[str, ...]:
    # Every training job asks for the same few sets: a 4,000-point sweep's dry run would otherwise
    # look for each module's file 30 times per job.
    roots |= {".".join(m.split(".")[:i]) for m in roots for i in range(1, m.count(".") + 1)}
    return tuple(sorted(str(_library_file(library, m)) for m in _closure(library, frozenset(roots))))
