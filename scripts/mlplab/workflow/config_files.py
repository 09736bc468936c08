"""The config files as written, read strictly before Snakemake reads them (every `snakemake -n` does):
YAML syntax with file, line and column; duplicate keys, which YAML would resolve silently to the last
value; numbers that YAML 1.1 (PyYAML, Snakemake's reader) reads as strings, such as `1e-3`, with the
spelling it reads as a number. The values are checked next, by `mlplab.workflow.config_checks`.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import yaml

from mlplab.workflow import parse_cache


class ConfigError(ValueError):
    """The config asks for something that cannot run; the message names the place of each problem."""


def where(path) -> str:
    return ".".join(str(p) for p in path) or "config"


def raise_problems(problems: list[str], what: str) -> None:
    if problems:
        raise ConfigError(f"{what}:\n  " + "\n  ".join(problems))


# ---- 1. The files as written ----

# A number to YAML 1.2, JSON and Python that YAML 1.1 reads as a string: YAML 1.1 wants a dot in the
# mantissa and a sign in the exponent (1.0e-3, 1.0e+3), else `1e-3` is the string '1e-3'.
NUMBER = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"


def yaml11_spellings(text: str) -> str:
    """How to write the number `text` (e.g. '1e-3') so that YAML 1.1 reads a number: '1.0e-3 or 0.001'."""
    mantissa, _, exponent = text.lower().partition("e")
    mantissa = mantissa if "." in mantissa else f"{mantissa}.0"
    exponent = exponent if exponent[:1] in ("+", "-") else f"+{exponent}"
    value = float(text)
    spellings = [f"{mantissa}e{exponent}"]
    if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
        spellings.append(str(int(value)))
    elif math.isfinite(value) and "e" not in repr(value):
        spellings.append(repr(value))
    return " or ".join(spellings)


def at(file: str, mark) -> str:
    """A place in a file, counted from 1 as editors do (yaml's marks count from 0)."""
    return f"{file}, line {mark.line + 1}, column {mark.column + 1}"


def _node_problems(node: yaml.Node, path: tuple, file: str, problems: list[str], seen: set[int]) -> None:
    if id(node) in seen:  # an alias repeats a node already checked
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first: dict[str, yaml.Mark] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
                continue
            key = key_node.value
            if key in first:
                problems.append(
                    f"{where((*path, key))}: duplicate key ({at(file, first[key])} and line "
                    f"{key_node.start_mark.line + 1}, column {key_node.start_mark.column + 1}); "
                    "YAML readers silently keep the last value"
                )
            first.setdefault(key, key_node.start_mark)
            _node_problems(value_node, (*path, key), file, problems, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _node_problems(item, (*path, i), file, problems, seen)
    elif isinstance(node, yaml.ScalarNode) and node.tag == STR_TAG and plain_number(node):
        problems.append(
            f"{where(path)}: {node.value} is read as the string '{node.value}' by YAML 1.1, the YAML that "
            f"Snakemake reads; write {yaml11_spellings(node.value)} ({at(file, node.start_mark)})"
        )


def plain_number(node: yaml.ScalarNode) -> bool:
    """An unquoted scalar that looks like a number."""
    return node.style is None and bool(NUMBER.fullmatch(node.value))


def _json_problems(text: str, file: str) -> list[str] | None:
    """Problems of a file Snakemake reads as JSON (it tries JSON first), or None if it is not JSON."""
    problems: list[str] = []

    def refuse_duplicates(pairs):
        keys = [key for key, _ in pairs]
        problems.extend(
            f"{file}: duplicate key '{key}' in one object; JSON readers silently keep the last value"
            for key in dict.fromkeys(k for k in keys if keys.count(k) > 1)
        )
        return dict(pairs)

    try:
        data = json.loads(text, object_pairs_hook=refuse_duplicates)
    except ValueError:
        return None
    if not isinstance(data, dict):
        problems.append(f"{file}: the config must be a mapping of keys at top level")
    return problems


def config_file_problems(path: Path | str) -> list[str]:
    """What is wrong with one config file as written, each problem with its file, line and column: YAML
    syntax, duplicate keys, numbers YAML 1.1 reads as strings. Read as JSON first, as Snakemake does."""
    file = str(path)
    text = Path(path).read_text(encoding="utf-8")
    json_problems = _json_problems(text, file)
    if json_problems is not None:
        return json_problems
    loader = yaml.SafeLoader(text)
    problems: list[str] = []
    try:
        node = loader.get_single_node()  # None for an empty file
        if node is not None:
            _node_problems(node, (), file, problems, set())
        if node is None or not problems and not isinstance(loader.construct_document(node), dict):
            problems.append(f"{file}: the config must be a mapping of keys at top level")
    except yaml.MarkedYAMLError as error:
        context = ""
        if error.context:
            context = f" ({error.context}"
            if error.context_mark is not None:
                context += f" at line {error.context_mark.line + 1}, column {error.context_mark.column + 1}"
            context += ")"
        mark = error.problem_mark or error.context_mark
        place = at(file, mark) if mark is not None else file
        problems.append(f"{place}: YAML syntax error: {error.problem or error}{context}")
    finally:
        loader.dispose()
    return problems


def check_config_files(paths) -> None:
    """Every config file that exists (each once) read strictly; raises one ConfigError naming them all.
    Files that passed, as they are, with this very module, pass again without a look (`parse_cache`,
    where the Snakefile turned it on)."""
    files = dict.fromkeys(Path(p).resolve() for p in paths if Path(p).exists())
    key = parse_cache.digest(yaml.__version__, parse_cache.files_digest([__file__, *files]))
    if parse_cache.entry(PASSED, key):
        return
    problems = [problem for file in files for problem in config_file_problems(shorter(file))]
    raise_problems(problems, "the config files are not valid")
    parse_cache.keep(PASSED, key, True)


PASSED = "config_files_passed"  # the parse cache's name for the config files last read and sound


def shorter(path: Path) -> str:
    """`path` relative to the working directory where it lies below it (config.yaml), else absolute."""
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
