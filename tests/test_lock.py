"""The lock (requirements-lock.txt, which `make setup` installs with hash checking) agrees with the pins it
is made from (requirements.txt, requirements-mlflow.txt; envs/mlplab.yaml names requirements.txt's, see
test_envs.py), every package in it has hashes, and every third-party module that the project's code
imports is pinned directly, not only reached through another package's dependencies."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from collections import defaultdict
from pathlib import Path

import yaml

from tiny import REPO

LOCK = REPO / "requirements-lock.txt"
PINNED = (REPO / "requirements.txt", REPO / "requirements-mlflow.txt")
CODE = ("scripts", "tests", "benchmarks")  # the folders whose modules import each other by their names
PROJECT = "mlp-lab"  # the editable install of this working copy, outside the lock (pyproject.toml)
LOCK_LINE = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


def normalise(name: str) -> str:
    """A distribution's name as the registry compares names (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """name → version of a requirements file's `name==version` lines."""
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return {normalise(n): v for n, _, v in (line.partition("==") for line in lines if "==" in line)}


def lock_entries() -> dict[str, list[tuple[str, int]]]:
    """name → (version, number of hashes) of each of its entries (one per marker, e.g. per Python)."""
    entries: dict[str, list[tuple[str, int]]] = defaultdict(list)
    current = None
    for line in LOCK.read_text().splitlines():
        if line.startswith((" ", "#")) or not line.strip():
            if current is not None:
                current[1] += len(HASH.findall(line))
            continue
        match = LOCK_LINE.match(line)
        assert match, f"{LOCK.name}: {line!r} is not pinned with =="
        current = [match.group(2), len(HASH.findall(line))]
        entries[normalise(match.group(1))].append(current)  # type: ignore[arg-type]
    return {name: [(v, n) for v, n in versions] for name, versions in entries.items()}


def test_every_pin_has_its_version_in_the_lock():
    locked = lock_entries()
    for path in PINNED:
        for name, version in pins(path).items():
            assert name in locked, f"{path.name} pins {name}, the lock lacks it: run `make lock`"
            versions = {v for v, _ in locked[name]}
            assert versions == {version}, f"{path.name} pins {name}=={version}, the lock has {versions}"


def test_every_package_in_the_lock_has_hashes():
    entries = lock_entries()
    assert len(entries) > 100  # the whole environment, not only the direct pins
    unhashed = [f"{name}=={v}" for name, versions in entries.items() for v, n in versions if n == 0]
    assert not unhashed


def test_the_lock_says_what_it_was_made_for_and_how():
    header = "".join(line for line in LOCK.read_text().splitlines(keepends=True) if line.startswith("#"))
    assert "CPython 3.11" in header and "make lock" in header
    env = yaml.safe_load((REPO / "envs/mlplab.yaml").read_text())
    assert "python=3.11" in env["dependencies"]


def test_mlflow_is_pinned_apart_from_the_workflows_environment():
    requirements, mlflow = pins(PINNED[0]), pins(PINNED[1])
    assert "mlflow" in mlflow and "mlflow" not in requirements
    env = yaml.safe_load((REPO / "envs/mlplab.yaml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert not any(normalise(pin.partition("==")[0]) == "mlflow" for pin in pip_section)


def test_the_environment_holds_the_locked_versions():
    """What `make setup` installed is what the lock says (a package installed by hand is not in it)."""
    locked = {name: {v for v, _ in versions} for name, versions in lock_entries().items()}
    installed = {normalise(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()}
    installed.pop(PROJECT, None)
    differ = {n: v for n, v in installed.items() if v not in locked.get(n, set())}
    assert not differ, f"installed but not in the lock at that version: {differ}; run `make setup`"


def imported_modules(path: Path) -> set[str]:
    """The top-level modules a Python file or Snakemake rule file imports (absolute imports only)."""
    if path.suffix == ".py":
        modules = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
        return modules
    found = re.findall(
        r"^(?:from ([A-Za-z_]\w*)[\w.]* import|import ([A-Za-z_]\w*)[\w.]*$)", path.read_text(), re.M
    )
    return {from_ or import_ for from_, import_ in found}


def project_modules() -> set[str]:
    """Modules of this repository: what CODE's folders hold (a module or a package)."""
    return {p.stem if p.suffix == ".py" else p.name for folder in CODE for p in (REPO / folder).iterdir()}


def test_every_third_party_import_is_pinned_directly():
    files = [p for folder in CODE for p in (REPO / folder).rglob("*.py")]
    files += [REPO / "Snakefile", *(REPO / "rules").glob("*.smk")]
    ours = project_modules()
    importers: dict[str, list[str]] = defaultdict(list)
    for path in files:
        for module in imported_modules(path) - ours - set(sys.stdlib_module_names):
            importers[module].append(path.relative_to(REPO).as_posix())
    assert {"torch", "yaml", "jsonschema", "markupsafe", "mlflow", "snakemake"} <= set(importers)
    distributions = importlib.metadata.packages_distributions()
    pinned = {name for path in PINNED for name in pins(path)}
    unpinned = {
        module: (distributions.get(module), sorted(importers[module])[:2])
        for module in importers
        if not distributions.get(module) or not {normalise(d) for d in distributions[module]} & pinned
    }
    assert not unpinned, (
        "modules imported directly whose distribution is not pinned in requirements.txt (or "
        f"requirements-mlflow.txt): {unpinned}; pin it there, then `make lock`"
    )
