"""Sweeps: a catalogue entry trained again at each point of a declared grid, for the book's exercises.

A sweep in config.yaml names a `base` entry of the catalogue and either a `grid` (hyperparameter → list
of values; several keys → every combination) or `points` (hyperparameter → list of values, zipped: the
i-th point takes the i-th value of each key), and optionally its own `seeds`. Each point is the base
entry with those values set: an ordinary catalogue entry, trained by the same script as the catalogue.

A point's folder has one level per swept key, `<key>~<value>`, with the value written canonically (a
float as Python's shortest repr without a trailing ".0", so 1 and 1.0 are one point; a list as its
values joined by "-"): `mlp_lr/lr~0.3`, `dropout_rates/dropout~0.2-0.5`.

Classifier sweeps hold out a validation set (the sweep's `validation`, else VALIDATION examples) and
select on it; their base setting is trained again on the same split, as the sweep's baseline point.
A point equal to a catalogue entry (only regressions can be: classifier points hold out a validation
set) or to a point of another sweep reads that entry's or point's runs instead of training again: the
three sweeps from mlp_concise share their baseline, trained by the one whose name sorts first (init).

Torch-free: the Snakefile expands sweeps on every `snakemake -n`.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_type_hints

from mlplab.workflow.catalogue import KINDS, Family, canonical
from mlplab.workflow.run_record import RESULTS, catalogue_run, sweep_run

SEP = "~"  # between a key and its value in a point's folder name
VALIDATION = 10_000  # examples a classifier sweep holds out unless it says otherwise (a sixth of 60 000)


@dataclass(frozen=True)
class Point:
    values: dict[str, Any]  # swept key → canonical value, in the sweep's key order
    path: str  # folder below the sweep's: "lr~0.3", or "num_hiddens~64/lr~0.1" for two keys
    entry: dict  # the catalogue entry it trains: the base entry with `values` (and a validation set) set
    run: str  # whose runs it reads: its own ("<sweep>/<path>"), an equal catalogue entry's or earlier point's
    own: bool  # trained for this point (else it reads the equal entry's or point's runs)

    @property
    def label(self) -> str:
        """'lr = 0.3', 'dropout = 0.2-0.5, lr = 0.1': the point as a person reads it."""
        return ", ".join(f"{key} = {format_value(value)}" for key, value in self.values.items())


@dataclass(frozen=True)
class Sweep:
    name: str
    base: str  # the catalogue entry it starts from
    kind: str
    keys: tuple[str, ...]
    points: tuple[Point, ...]
    seeds: tuple[int, ...]
    grid: bool  # a grid (product of keys) or zipped points
    validation: int  # examples held out (classifier sweeps), else 0
    base_entry: dict  # the base entry as a point of this sweep would train it (with its validation set)
    about: str = ""  # what the sweep asks, for its page

    @property
    def family(self) -> Family:
        return KINDS[self.kind].family

    @property
    def selects(self) -> bool:
        """Classifier sweeps pick their best point on validation accuracy; regressions select nothing
        (their held-out set is the test set)."""
        return self.family == Family.CLASSIFIER

    def to_params(self) -> dict:
        """The sweep as plain values for a job's params (Snakemake compares params by their repr, so no
        run folders are in it: the jobs read their runs from `input`), rebuilt there by `from_params`."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return canonical({**fields, "points": [dataclasses.asdict(p) for p in self.points]})

    @classmethod
    def from_params(cls, params: dict) -> Sweep:
        fields = {**params, "points": tuple(Point(**p) for p in params["points"])}
        fields.update(keys=tuple(params["keys"]), seeds=tuple(params["seeds"]))
        return cls(**fields)

    def run_folders(self, point: Point) -> list[str]:
        """The run folders a point reads, one per seed of the sweep: its own, or those of the catalogue
        entry or other sweep's point it reuses."""
        if "/" in point.run:
            sweep, path = point.run.split("/", 1)
            return [f"{RESULTS}/{sweep_run(sweep, path, seed)}" for seed in self.seeds]
        return [f"{RESULTS}/{catalogue_run(point.run, seed)}" for seed in self.seeds]

    def point(self, path: str) -> Point:
        return next(p for p in self.points if p.path == path)

    @property
    def baseline(self) -> Point | None:
        """The point that is the base entry's own setting (trained on the sweep's split), if the sweep
        has it: what the other points are compared with."""
        base = setting(self.base_entry)
        return next((p for p in self.points if setting(p.entry) == base), None)


def format_value(value) -> str:
    """A hyperparameter value as written in a folder name and a label (see the module docstring)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    if isinstance(value, list | tuple):
        return "-".join(format_value(v) for v in value)
    return str(value)


def normalise(kind: str, entry: dict) -> dict:
    """`entry` with every float-typed hyperparameter a float (YAML reads `1` as an int), keys sorted: two
    entries that train the same runs compare equal."""
    types = get_type_hints(KINDS[kind].config)

    def value(key, v):
        if types.get(key) is float and isinstance(v, int) and not isinstance(v, bool):
            return float(v)
        if types.get(key) == list[float] and isinstance(v, list):
            return [float(x) if isinstance(x, int) and not isinstance(x, bool) else x for x in v]
        return v

    return canonical({key: value(key, v) for key, v in entry.items()})


def setting(entry: dict) -> dict:
    """What an entry trains, for comparing two entries: normalised, with every optional hyperparameter it
    leaves out at its default (an entry without `init` is one with `init: normal`)."""
    defaults = {
        f.name: f.default
        for f in dataclasses.fields(KINDS[entry["kind"]].config)
        if f.default is not dataclasses.MISSING
    }
    return normalise(entry["kind"], {**defaults, **entry})


def point_values(spec: dict) -> tuple[tuple[str, ...], list[dict], bool]:
    """(keys, one dict of values per point, whether a grid) of a sweep's `grid` or `points`."""
    if "grid" in spec:
        keys = tuple(spec["grid"])
        combos = itertools.product(*(spec["grid"][key] for key in keys))
        return keys, [dict(zip(keys, combo, strict=True)) for combo in combos], True
    keys = tuple(spec["points"])
    columns = [spec["points"][key] for key in keys]
    return keys, [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)], False


def expand(name: str, spec: dict, experiments: dict[str, dict], seeds: list[int], known=None) -> Sweep:
    """A sweep of the config (already checked: `sweep_problems` returns nothing) as its points. `known`
    maps the settings trained so far (`repr(setting(entry))`) to their runs' names; this sweep's own
    points are added to it."""
    base_name = spec["base"]
    base = experiments[base_name]
    kind = base["kind"]
    keys, rows, grid = point_values(spec)
    validation = spec.get("validation", VALIDATION) if KINDS[kind].family == Family.CLASSIFIER else 0
    fixed = {**base, "validation": validation} if validation else dict(base)
    known = known_settings(experiments) if known is None else known
    points = []
    for row in rows:
        entry = normalise(kind, {**fixed, **row})
        values = {key: entry[key] for key in keys}
        path = "/".join(f"{key}{SEP}{format_value(values[key])}" for key in keys)
        run = known.setdefault(repr(setting(entry)), f"{name}/{path}")
        points.append(Point(values, path, entry, run, run == f"{name}/{path}"))
    return Sweep(
        name,
        base_name,
        kind,
        keys,
        tuple(points),
        tuple(spec.get("seeds", seeds)),
        grid,
        validation,
        normalise(kind, fixed),
        spec.get("about", ""),
    )


def known_settings(experiments: dict[str, dict]) -> dict[str, str]:
    """`repr(setting(entry))` → the catalogue entry that trains it (the first by name, if two are equal)."""
    known: dict[str, str] = {}
    for name in sorted(experiments):
        known.setdefault(repr(setting(experiments[name])), name)
    return known


def expand_all(config: dict) -> dict[str, Sweep]:
    """Every sweep of the config, in its order. A setting that several sweeps share is trained by the one
    whose name sorts first, so that reordering config.yaml moves no run (only a new sweep with an earlier
    name that shares a setting takes it over)."""
    specs, experiments = config.get("sweeps") or {}, config["experiments"]
    known = known_settings(experiments)
    expanded = {
        name: expand(name, specs[name], experiments, config["seeds"], known) for name in sorted(specs)
    }
    return {name: expanded[name] for name in specs}


def produced_runs(config: dict, expanded: dict[str, Sweep] | None = None) -> set[str]:
    """The run folders, relative to results/, that the catalogue and the sweeps make ('runs/<entry>/seed0',
    'sweeps/<sweep>/<point>/seed0'): a reused catalogue entry at a sweep's own seeds among them.
    `expanded`: the config's sweeps, if expanded already."""
    runs = {catalogue_run(name, seed) for name in config["experiments"] for seed in config["seeds"]}
    for sweep in (expand_all(config) if expanded is None else expanded).values():
        for point in sweep.points:
            runs |= {folder.removeprefix(f"{RESULTS}/") for folder in sweep.run_folders(point)}
    return runs


def orphaned_runs(results: Path, produced: set[str], under: str) -> list[str]:
    """Run folders under results/<under> (runs or sweeps) that are not among the `produced` ones
    (`produced_runs`): a removed entry, seed or point, or a shared setting that another sweep now trains.
    Listed, never deleted."""
    found = (f for f in (results / under).rglob("seed*") if f.is_dir())
    return sorted(
        f.relative_to(results.parent).as_posix()
        for f in found
        if f.relative_to(results).as_posix() not in produced
    )


def sweep_problems(name: str, spec: dict, experiments: dict[str, dict]) -> list[tuple[tuple, str]]:
    """What is wrong with one sweep that its schema cannot see, as (config path, message): both or
    neither of grid and points, a base not in the catalogue, a key its kind does not have, a validation
    set on a regression, zipped lists of different lengths. Each point's values are then checked as an
    entry of the base's kind (`configcheck.sweep_points`), and two points with one folder
    (`duplicate_paths`)."""
    where = ("sweeps", name)
    if ("grid" in spec) == ("points" in spec):
        return [(where, "give either `grid` (every combination) or `points` (zipped), not both or neither")]
    base = spec["base"]
    if base not in experiments:
        known = ", ".join(experiments)
        return [((*where, "base"), f"'{base}' is not an entry of the catalogue (experiments: {known})")]
    kind = experiments[base]["kind"]
    fields = {f.name for f in dataclasses.fields(KINDS[kind].config)}
    block = "grid" if "grid" in spec else "points"
    problems: list[tuple[tuple, str]] = [
        (
            (*where, block, key),
            f"the base entry '{base}' is of kind {kind}, which has no hyperparameter "
            f"'{key}' (it has: {', '.join(sorted(fields))})",
        )
        for key in spec[block]
        if key not in fields
    ]
    if "validation" in spec and KINDS[kind].family != Family.CLASSIFIER:
        problems.append(
            (
                (*where, "validation"),
                f"'{base}' is a regression: its held-out set is the "
                "test set, and a regression sweep selects nothing, so it takes no validation set",
            )
        )
    lengths = {key: len(values) for key, values in spec[block].items()}
    if block == "points" and len(set(lengths.values())) > 1:
        problems.append(
            (
                (*where, "points"),
                f"zipped points need one value per point in every key, got "
                f"{', '.join(f'{k}: {n}' for k, n in lengths.items())}",
            )
        )
    return problems


def duplicate_paths(sweep: Sweep) -> list[tuple[tuple, str]]:
    seen: dict[str, int] = {}
    problems = []
    for i, point in enumerate(sweep.points):
        if point.path in seen:
            problems.append(
                (
                    (("sweeps", sweep.name, "grid" if sweep.grid else "points")),
                    f"points {seen[point.path] + 1} and {i + 1} are the same point, {point.path} "
                    "(values are compared as numbers: 1 and 1.0 are one value)",
                )
            )
        seen.setdefault(point.path, i)
    return problems
