"""Checks of the config before anything runs (every `snakemake -n` reads them), each problem named by its
place, all problems of a stage reported together. Torch-free.

1. The config files as written (`config_file_problems`): YAML syntax with file, line and column; duplicate
   keys, which YAML would resolve silently to the last value; numbers that YAML 1.1 (PyYAML, Snakemake's
   reader) reads as strings, such as `1e-3`, with the spelling it reads as a number.
2. The values Snakemake holds (`config_problems`): the schema file, with integers strict; each catalogue
   entry against its kind's hyperparameters (declared in `catalogue`); NaN and infinity anywhere;
   then the rules that span fields and sections, each checked only where the values it reads passed 1-2.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import struct
from pathlib import Path

import jsonschema
import yaml

from mlplab.workflow import sweeps
from mlplab.workflow.catalogue import ANALYSES, Polynomial, experiment_schema, parse_entry


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
    """Every config file that exists (each once) read strictly; raises one ConfigError naming them all."""
    files = dict.fromkeys(Path(p).resolve() for p in paths if Path(p).exists())
    problems = [problem for file in files for problem in config_file_problems(shorter(file))]
    raise_problems(problems, "the config files are not valid")


def shorter(path: Path) -> str:
    """`path` relative to the working directory where it lies below it (config.yaml), else absolute."""
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# ---- 2. The values ----


def _strict_integer(checker, instance) -> bool:
    # JSON schema counts 10.0 as an integer; the code does not (range(10.0), torch.set_num_threads(1.0)).
    return isinstance(instance, int) and not isinstance(instance, bool)


Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer),
)


def non_finite(value, path: tuple = ()):
    """(path, value) of every NaN or infinite number in a config value; YAML reads `.nan` and `.inf` as
    floats, which pass any numeric bound of a JSON schema."""
    if isinstance(value, float) and not math.isfinite(value):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from non_finite(item, (*path, key))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from non_finite(item, (*path, i))


class Problems:
    """Problems in the order found, each once, with the config paths it leaves unusable: a value's own
    path, or under an object the keys it lacks or (for unknown keys) none of its known ones."""

    def __init__(self):
        self.found: dict[str, list[tuple]] = {}

    def add(self, path, message: str, blocks: list[tuple] | None = None) -> None:
        path = tuple(path)
        self.found.setdefault(f"{where(path)}: {message}", [path] if blocks is None else blocks)

    def add_errors(self, errors, prefix: tuple = ()) -> None:
        for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
            path = (*prefix, *error.absolute_path)
            blocks = None
            if error.validator == "required" and isinstance(error.instance, dict):
                blocks = [(*path, key) for key in error.validator_value if key not in error.instance]
            elif error.validator == "additionalProperties":
                blocks = [(*path, None)]  # an unknown key: the known ones are still fine to read
            self.add(path, error.message, blocks)

    def clean(self, *paths: tuple) -> bool:
        """No problem found so far at, inside or above any of `paths`."""
        return not any(
            p[: len(q)] == q or q[: len(p)] == p
            for found in self.found.values()
            for p in found
            for q in paths
        )

    def messages(self) -> list[str]:
        return list(self.found)


# The polynomial features are x^i / i! for i < max_degree, and 171! overflows a float64.
MAX_DEGREE = 171


def polynomial_problems(config: dict, entries: dict[tuple, dict], found: Problems) -> None:
    """The polynomial data against itself, and each polynomial fit (entries by their config path)
    against the data it reads."""
    section = ("data", "polynomial")
    if not found.clean((*section, "max_degree"), (*section, "true_w")):
        return
    data = config["data"]["polynomial"]
    max_degree, true_w = data["max_degree"], data["true_w"]
    if max_degree > MAX_DEGREE:
        found.add(
            (*section, "max_degree"),
            f"{max_degree} exceeds {MAX_DEGREE}: the features are x^i/i! for i < max_degree, "
            f"and {MAX_DEGREE}! overflows a float64",
        )
    if len(true_w) > max_degree:
        found.add(
            (*section, "true_w"),
            f"{len(true_w)} weights, but max_degree ({max_degree}) gives only {max_degree} features "
            f"x^i/i! (i < {max_degree}) to weigh",
        )
    for path, entry in entries.items():
        if not found.clean(path):
            continue
        parsed = parse_entry(entry)
        if isinstance(parsed, Polynomial) and parsed.num_features > max_degree:
            found.add(
                (*path, "num_features"),
                f"{parsed.num_features} exceeds data.polynomial.max_degree ({max_degree}): the polynomial "
                f"data has {max_degree} features x^i/i! (i < {max_degree})",
            )


def grid_problems(analyses: dict, found: Problems) -> None:
    """Each analysis drawn on a grid [x_min, x_max) needs x_max above x_min."""
    for name, args in analyses.items():
        ends = (("analyses", name, "x_min"), ("analyses", name, "x_max"))
        if name in ANALYSES and isinstance(args, dict) and {"x_min", "x_max"} <= args.keys():
            if found.clean(*ends) and args["x_max"] <= args["x_min"]:
                found.add(
                    ends[1],
                    f"{args['x_max']} must exceed x_min ({args['x_min']}): the grid is [x_min, x_max)",
                )


def sweep_points(config: dict, entries: dict, found: Problems) -> dict[tuple, dict]:
    """Each sweep checked (its base, keys and lengths, then every point as an entry of the base's kind,
    then that no two points share a folder), and the entries of its points that passed, by the config
    path a problem of theirs is reported under: `sweeps.<name>.grid.<key>`, saying which point."""
    specs = config.get("sweeps")
    points: dict[tuple, dict] = {}
    if not isinstance(specs, dict):
        return points
    entry_validator = Validator(experiment_schema())
    for name, spec in specs.items():
        where = ("sweeps", name)
        if not found.clean(where) or not found.clean(("experiments", spec["base"])):
            continue
        for path, message in sweeps.sweep_problems(name, spec, entries):
            found.add(path, message)
        if not found.clean(where):
            continue
        valid = {n: e for n, e in entries.items() if found.clean(("experiments", n))}
        sweep = sweeps.expand(name, spec, valid, config["seeds"])
        block = (*where, "grid" if sweep.grid else "points")
        for i, point in enumerate(sweep.points):
            for error in entry_validator.iter_errors(point.entry):
                key = error.absolute_path[0] if error.absolute_path else None
                found.add(
                    (*block, key) if key in sweep.keys else block, f"point {point.label}: {error.message}"
                )
            if found.clean(block):
                for key, message in parse_entry(point.entry).problems():
                    found.add(
                        (*block, key) if key in sweep.keys else block, f"point {point.label}: {message}"
                    )
            points[(*block, f"point {i + 1} ({point.label})")] = point.entry
        if found.clean(block):
            for path, message in sweeps.duplicate_paths(sweep):
                found.add(path, message)
    return {path: entry for path, entry in points.items() if found.clean(path[:3])}


def config_problems(config: dict, schema: dict) -> list[str]:
    """Everything wrong with the config's values, each naming its entry and key."""
    found = Problems()
    found.add_errors(Validator(schema).iter_errors(config))
    if not isinstance(config, dict):
        return found.messages()
    entries = config.get("experiments")
    entries = entries if isinstance(entries, dict) else {}
    entry_validator = Validator(experiment_schema())
    for name, entry in entries.items():
        found.add_errors(entry_validator.iter_errors(entry), ("experiments", name))
    # The rules that span fields and sections, each only where what it reads passed the checks above.
    for name, entry in entries.items():
        if found.clean(("experiments", name)):
            for key, message in parse_entry(entry).problems():
                found.add(("experiments", name, key), message)
    points = sweep_points(config, entries, found)
    polynomial_problems(config, {**{("experiments", n): e for n, e in entries.items()}, **points}, found)
    if isinstance(config.get("analyses"), dict):
        grid_problems(config["analyses"], found)
    # Last: a NaN leaves lengths and the other fields of its entry or section fine to compare.
    for path, value in non_finite(config):
        found.add(path, f"{value} is not a finite number")
    return found.messages()


def check_config(config: dict, schema_path: Path | str) -> None:
    """What the workflow runs on the config Snakemake holds; raises one ConfigError listing every problem."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    raise_problems(config_problems(config, schema), "the config is not valid")


# ---- 3. Against the data, where it is already there ----


def idx_count(path: Path | str) -> int | None:
    """The number of items an IDX file (gzip'd) says it holds, from its header alone; None if the file
    is not there or not IDX (the fetch job reports that)."""
    try:
        with gzip.open(path, "rb") as f:
            header = f.read(8)
    except (OSError, EOFError):
        return None
    if len(header) < 8 or header[:2] != b"\0\0":
        return None
    return struct.unpack(">I", header[4:8])[0]


def validation_problems(config: dict, n_train: int, expanded=None) -> list[str]:
    """Every validation set (catalogue entries' `validation`, classifier sweeps') that would leave no
    training examples of the `n_train` Fashion-MNIST has; `expanded`: the config's sweeps, if expanded
    already (`sweeps.expand_all`)."""
    asked: dict[tuple, int] = {
        ("experiments", name, "validation"): e.get("validation", 0)
        for name, e in config["experiments"].items()
    }
    for name, sweep in (sweeps.expand_all(config) if expanded is None else expanded).items():
        for point in sweep.points:
            asked[("sweeps", name, f"point {point.label}", "validation")] = point.entry.get("validation", 0)
    return [
        f"{where(path)}: {size} held out of a training set of {n_train} examples leaves nothing to train "
        f"on; hold out at most {n_train - 1}"
        for path, size in asked.items()
        if size >= n_train
    ]


def check_validation_sizes(config: dict, labels_path: Path | str, expanded=None) -> None:
    """Before anything runs, where the training labels are already fetched; else the job checks."""
    n_train = idx_count(labels_path)
    if n_train is not None:
        raise_problems(validation_problems(config, n_train, expanded), "the config is not valid")
