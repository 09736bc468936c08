"""Checks of the config before anything runs (every `snakemake -n` reads them), each problem named by its
place, all problems of a stage reported together. Torch-free.

1. The config files as written: `mlplab.workflow.config_files`.
2. The values Snakemake holds (`config_problems`): the schema file, with integers strict; each catalogue
   entry against its kind's hyperparameters (declared in `catalogue`); NaN and infinity anywhere;
   then the rules that span fields and sections, each checked only where the values it reads passed 1-2
   (sweeps: `mlplab.workflow.sweep_checks`; the memory sizes imply: `mlplab.workflow.config_memory`).
3. Against the data, where it is already there: validation sets no larger than the training set.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import json
import math
import struct
import sys
from functools import cache
from pathlib import Path

import yaml

from mlplab.workflow import parse_cache, sweep_checks, sweeps
from mlplab.workflow.catalogue import ANALYSES, Polynomial, experiment_schema, parse_entry
from mlplab.workflow.config_files import NUMBER, raise_problems, where
from mlplab.workflow.config_memory import memory_problems, model_problems
from mlplab.workflow.fetch import training_examples
from mlplab.workflow.library_inputs import library_inputs

# ---- 2. The values ----


def _strict_integer(checker, instance) -> bool:
    # JSON schema counts 10.0 as an integer; the code does not (range(10.0), torch.set_num_threads(1.0)).
    return isinstance(instance, int) and not isinstance(instance, bool)


@cache
def validator(schema_json: str):
    """A validator of the schema (given as JSON, to be a cache key), integers strict. jsonschema is
    imported here, not at the top: a start whose config passed before (`parse_cache`) never needs it."""
    import jsonschema

    strict = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer)
    return jsonschema.validators.extend(jsonschema.Draft202012Validator, type_checker=strict)(
        json.loads(schema_json)
    )


def entry_validator():
    return validator(json.dumps(experiment_schema()))


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
            message = error.message
            if "propertyNames" in error.schema_path:  # a bad name: only its own entry is unusable
                blocks = [(*path, error.instance)]
                message = f"the name {message}"
            if error.validator == "maxLength":
                message += f" (at most {error.validator_value} characters)"
            self.add(path, message, blocks)

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


def polynomial_data(config: dict, found: Problems) -> int | None:
    """The polynomial data against itself; its max_degree, for the fits that read it, where it is sound."""
    section = ("data", "polynomial")
    if not found.clean((*section, "max_degree"), (*section, "true_w")):
        return None
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
    return max_degree


def fashion_mnist_examples(config: dict, found: Problems) -> int | None:
    """The Fashion-MNIST training split's size, for the classifiers' memory, where its checksums are sound."""
    if not found.clean(("data", "fashion_mnist", "checksums")):
        return None
    return training_examples(config["data"]["fashion_mnist"].get("checksums"))


def entry_problems(entry: dict, max_degree: int | None) -> list[tuple[str, str]]:
    """(key, what) across an entry's fields (its kind's `problems`) and against the data it reads."""
    parsed = parse_entry(entry)
    problems = parsed.problems()
    if isinstance(parsed, Polynomial) and max_degree is not None and parsed.num_features > max_degree:
        problems.append(
            (
                "num_features",
                f"{parsed.num_features} exceeds data.polynomial.max_degree ({max_degree}): the polynomial "
                f"data has {max_degree} features x^i/i! (i < {max_degree})",
            )
        )
    return problems


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


def which(labels: list[str]) -> str:
    """The points a problem was found in: 'point lr = -1', or how many and the first."""
    return f"point {labels[0]}" if len(labels) == 1 else f"{len(labels):,} points, e.g. {labels[0]}"


def sweep_points(
    config: dict, entries: dict, found: Problems, max_degree: int | None, examples: int | None
) -> None:
    """Each sweep checked: its base, keys and lengths (`sweep_checks.sweep_problems`), its points as
    entries of the base's kind, and that no two points train identically. A problem is reported once per
    sweep under the swept key it concerns, naming one point and how many share it: a bad value in a
    grid of thousands of points is one line, not one per point it is in."""
    specs = config.get("sweeps")
    if not isinstance(specs, dict):
        return
    entries_validator = entry_validator()
    for name, spec in specs.items():
        where = ("sweeps", name)
        if not found.clean(where) or not found.clean(("experiments", spec["base"])):
            continue
        for path, message in sweep_checks.sweep_problems(name, spec, entries):
            found.add(path, message)
        if not found.clean(where):
            continue
        valid = {n: e for n, e in entries.items() if found.clean(("experiments", n))}
        sweep = sweeps.expand(name, spec, valid, config["seeds"])
        block = (*where, "grid" if sweep.grid else "points")
        # Types and ranges: each swept key's values once, set in the base entry (the schema checks one
        # field at a time, so a value fails in every point or in none).
        for key in sweep.keys:
            having: dict[str, list[sweeps.Point]] = {}
            for point in sweep.points:
                having.setdefault(repr(point.values[key]), []).append(point)
            for points in having.values():
                value = points[0].values[key]
                shown = f"{key} = {sweeps.format_value(value)}"
                if len(sweep.keys) == 1:
                    shown = f"point {shown}"
                else:
                    shown = f"every point with {shown} ({len(points):,} points)"
                for error in entries_validator.iter_errors({**sweep.base_entry, key: value}):
                    found.add((*block, key), f"{shown}: {error.message}")
        if not found.clean(block):
            continue
        # Across fields and against the data: every point, each problem once with the points it is in.
        shared: dict[tuple[tuple, str], list[str]] = {}
        for point in sweep.points:
            for key, message in entry_problems(point.entry, max_degree):
                path = (*block, key) if key in sweep.keys else block
                shared.setdefault((path, message), []).append(point.label)
        for (path, message), labels in shared.items():
            found.add(path, f"{which(labels)}: {message}")
        if examples is not None:
            for path, message in sweep_model_problems(sweep, block, examples):
                found.add(path, message)
        if found.clean(block):
            for path, message in sweep_checks.duplicate_points(sweep):
                found.add(path, message)


def sweep_model_problems(sweep: sweeps.Sweep, block: tuple, examples: int) -> list[tuple[tuple, str]]:
    """The points whose model would not fit in memory (`config_memory.model_problems`), one problem per
    key: the memory differs from point to point, so the first point's numbers and how many are over."""
    over: dict[tuple, list[tuple[str, str]]] = {}
    for point in sweep.points:
        for key, message in model_problems(point.entry, examples):
            path = (*block, key) if key in sweep.keys else block
            over.setdefault(path, []).append((point.label, message))
    return [(path, f"{which([label for label, _ in found])}: {found[0][1]}") for path, found in over.items()]


def command_line_hints(errors, command_line: dict) -> list[tuple[tuple, str]]:
    """Why a number arrived as a string, once per key given with `--config`: Snakemake reads the items
    of a list (or mapping) given there with YAML's BaseLoader, which makes every item a string whatever
    the quoting (`--config 'seeds=[0,1,2]'` gives ['0', '1', '2'] in Snakemake 9.27; a lone value,
    `threads_per_job=2`, is read as a number)."""
    keys = {
        error.absolute_path[0]
        for error in errors
        if error.validator == "type"
        and isinstance(error.instance, str)
        and NUMBER.fullmatch(error.instance)
        and error.absolute_path
        and error.absolute_path[0] in command_line
    }
    return [
        (
            (key,),
            f"given with --config, which reads every item of a list as a string however it is quoted "
            f"(Snakemake reads {key}={flow(command_line[key])} as {command_line[key]!r}); write "
            f"`{key}: {flow(command_line[key])}` in a YAML file and pass it with --configfile FILE instead "
            "(a lone number, such as threads_per_job=2, is read as a number)",
        )
        for key in sorted(keys)
    ]


def flow(value) -> str:
    """A value read by --config as its text was written: [0, 1, 2] for ['0', '1', '2']."""
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    return str(value)


def config_problems(config: dict, schema: dict, command_line: dict | None = None) -> list[str]:
    """Everything wrong with the config's values, each naming its entry and key. `command_line`: the
    values given with `--config`, whose number-like strings get a hint."""
    found = Problems()
    errors = list(validator(json.dumps(schema)).iter_errors(config))
    found.add_errors(errors)
    for path, message in command_line_hints(errors, command_line or {}):
        found.add(path, message)
    if not isinstance(config, dict):
        return found.messages()
    entries = config.get("experiments")
    entries = entries if isinstance(entries, dict) else {}
    for name, entry in entries.items():
        found.add_errors(entry_validator().iter_errors(entry), ("experiments", name))
    # The rules that span fields and sections, each only where what it reads passed the checks above.
    max_degree = polynomial_data(config, found)
    examples = fashion_mnist_examples(config, found)
    for name, entry in entries.items():
        if found.clean(("experiments", name)):
            for key, message in entry_problems(entry, max_degree):
                found.add(("experiments", name, key), message)
            for key, message in model_problems(entry, examples) if examples is not None else ():
                found.add(("experiments", name, key), message)
    sweep_points(config, entries, found, max_degree, examples)
    looks = (config.get("decide") or {}).get("looks") if isinstance(config.get("decide"), dict) else None
    if found.clean(("decide",)) and isinstance(looks, list) and looks != sorted(set(looks)):
        found.add(("decide", "looks"), f"{looks} must increase: the seeds per comparison at each look")
    if isinstance(config.get("analyses"), dict):
        grid_problems(config["analyses"], found)
    for path, message in memory_problems(config, found.clean):
        found.add(path, message)
    # Last: a NaN leaves lengths and the other fields of its entry or section fine to compare.
    for path, value in non_finite(config):
        found.add(path, f"{value} is not a finite number")
    return found.messages()


def check_config(config: dict, schema_path: Path | str, command_line: dict | None = None) -> None:
    """What the workflow runs on the config Snakemake holds; raises one ConfigError listing every problem.
    `command_line`: the values given with `--config` (Snakemake's `config_settings.overwrite_config`).
    A config that passed with the same schema and the same checking code passes again without a look
    (`parse_cache`, where the Snakefile turned it on)."""
    schema_text = Path(schema_path).read_text()
    versions = f"{sys.version} {yaml.__version__} {importlib.metadata.version('jsonschema')}"
    key = parse_cache.digest(repr(config), repr(command_line), schema_text, versions, code_digest(__file__))
    if parse_cache.entry(PASSED, key):
        return
    schema = yaml.safe_load(schema_text)
    raise_problems(config_problems(config, schema, command_line), "the config is not valid")
    parse_cache.keep(PASSED, key, True)


PASSED = "config_passed"  # the parse cache's name for the config last checked and sound


def code_digest(module_file: str) -> str:
    """One key for a check's own code: the library files its module imports (the import graph)."""
    library = Path(module_file).resolve().parents[2]
    return parse_cache.files_digest(library_inputs(library, module_file))


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
    training examples of the `n_train` Fashion-MNIST has, a sweep's once (all its points hold out one);
    `expanded`: the config's sweeps, if expanded already (`sweeps.expand_all`)."""
    asked: dict[tuple, tuple[int, str]] = {
        ("experiments", name, "validation"): (e.get("validation", 0), "")
        for name, e in config["experiments"].items()
    }
    for name, sweep in (sweeps.expand_all(config) if expanded is None else expanded).items():
        spec = config["sweeps"][name]
        if "validation" in spec:
            asked[("sweeps", name, "validation")] = (sweep.validation, "")
        elif not config["experiments"][sweep.base].get("validation"):  # else reported with its base
            asked[("sweeps", name)] = (sweep.validation, " (the sweeps' default; set its `validation`)")
    return [
        f"{where(path)}: {size} held out{default} of a training set of {n_train} examples leaves nothing "
        f"to train on; hold out at most {n_train - 1}"
        for path, (size, default) in asked.items()
        if size >= n_train
    ]


def check_validation_sizes(config: dict, labels_path: Path | str, expanded=None) -> None:
    """Before anything runs, where the training labels are already fetched; else the job checks."""
    n_train = idx_count(labels_path)
    if n_train is not None:
        raise_problems(validation_problems(config, n_train, expanded), "the config is not valid")
