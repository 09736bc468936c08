"""Reading the library's source for tests that guard one declaration per fact: the string constants a
module writes and the names it imports."""

import ast
from pathlib import Path

import tiny

LIBRARY = tiny.REPO / "scripts/mlplab"
RULE_SCRIPTS = tiny.REPO / "scripts"


def string_constants(path: Path) -> list[tuple[int, str]]:
    """(line, value) of every plain string constant in a module, docstrings and f-string parts excluded."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    in_fstrings = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings | in_fstrings
    ]


def imported_names(path: Path, module: str) -> list[tuple[int, str]]:
    """(line, name) of every name a module imports from `module`."""
    return [
        (node.lineno, alias.name)
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and node.module == module
        for alias in node.names
    ]


def python_files() -> list[Path]:
    """The library's modules and the rule scripts beside it."""
    return sorted([*LIBRARY.rglob("*.py"), *RULE_SCRIPTS.glob("*.py")])
