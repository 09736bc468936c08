"""Sweeps: a catalogue entry trained again at each point of a declared grid, for the book's exercises.

A sweep in config.yaml names a `base` entry of the catalogue and either a `grid` (hyperparameter → list
of values; several keys → every combination) or `points` (hyperparameter → list of values, zipped: the
i-th point takes the i-th value of each key), and optionally its own `seeds`. Each point is the base
entry with those values set: an ordinary catalogue entry, trained by the same script as the catalogue.

A point's folder has one level per swept key, `<key>~<value>`, with the value written canonically (a
float as Python's shortest repr without a trailing ".0", so 1 and 1.0 are one point; a list as its
values joined by "-"): `mlp_lr/lr~0.3`, `dropout_rates/dropout~0.2-0.5`.

Classifier sweeps hold out one validation set for every point (the sweep's `validation`, else the base
entry's own, else VALIDATION examples) and select on it; their base setting is trained again on the same
split, as the sweep's baseline point. `validation` is never swept: points selected on different
validation sets would be compared as if measured alike. A point equal to a catalogue entry (a regression,
or a classifier whose entry holds out the same validation set) or to a point of another sweep reads that
entry's or point's runs instead of training again: the three sweeps from mlp_concise share their
baseline, trained by the one whose name sorts first (init). Two points of one sweep that train
identically (equal values, or values that differ only in a hyperparameter the others leave unused,
`unused_when` in `mlplab.chapter.hyperparameters`) are refused.

Torch-free: the Snakefile expands sweeps on every `snakemake -n`.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any, get_type_hints

from mlplab.chapter.hyperparameters import unused
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
        run folders are in it: the jobs read their runs from `input`), rebuilt there by `from_params`.
        Made once per sweep: three rules' params and the page's hold it."""
        return self._params

    @cached_property
    def _params(self) -> dict:
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        names = [f.name for f in dataclasses.fields(Point)]  # (asdict's deep copy is 4 times slower)
        return canonical({**fields, "points": [{n: getattr(p, n) for n in names} for p in self.points]})

    @classmethod
    def from_params(cls, params: dict) -> Sweep:
        fields = {**params, "points": tuple(Point(**p) for p in params["points"])}
        fields.update(keys=tuple(params["keys"]), seeds=tuple(params["seeds"]))
        return cls(**fields)

    def run_folders(self, point: Point, seeds: tuple[int, ...] | None = None) -> list[str]:
        """The run folders a point reads, one per seed (the sweep's, unless `seeds` says otherwise): its
        own, or those of the catalogue entry or other sweep's point it reuses."""
        if "/" in point.run:
            sweep, path = point.run.split("/", 1)
            return [f"{RESULTS}/{sweep_run(sweep, path, seed)}" for seed in seeds or self.seeds]
        return [f"{RESULTS}/{catalogue_run(point.run, seed)}" for seed in seeds or self.seeds]

    @cached_property
    def _by_path(self) -> dict[str, Point]:
        # A job's input functions look their point up by path: a scan of a 4,000-point grid per job
        # would cost the dry run seconds.
        return {p.path: p for p in reversed(self.points)}  # the first of two equal paths

    def point(self, path: str) -> Point:
        try:
            return self._by_path[path]
        except KeyError:
            where = f"config.yaml sweeps.{self.name}"
            raise KeyError(f"{path!r} is not a point of sweep {self.name} ({where})") from None

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


@cache
def _types(kind: str) -> dict[str, Any]:
    return get_type_hints(KINDS[kind].config)


@cache
def _defaults(kind: str) -> dict[str, Any]:
    return {
        f.name: f.default
        for f in dataclasses.fields(KINDS[kind].config)
        if f.default is not dataclasses.MISSING
    }


def normalise(kind: str, entry: dict) -> dict:
    """`entry` with every float-typed hyperparameter a float (YAML reads `1` as an int), keys sorted: two
    entries that train the same runs compare equal."""
    types = _types(kind)

    def value(key, v):
        if types.get(key) is float and isinstance(v, int) and not isinstance(v, bool):
            return float(v)
        if types.get(key) == list[float] and isinstance(v, list):
            return [float(x) if isinstance(x, int) and not isinstance(x, bool) else x for x in v]
        return v

    return canonical({key: value(key, v) for key, v in entry.items()})


def setting(entry: dict) -> dict:
    """What an entry trains, for comparing two entries: normalised, with every optional hyperparameter it
    leaves out at its default (an entry without `init` is one with `init: normal`) and without those its
    other values leave unused (`init_std` with `init: xavier_uniform`)."""
    values = filled(entry)
    ignored = unused(KINDS[entry["kind"]].config, values)
    return {key: value for key, value in values.items() if key not in ignored} if ignored else values


def filled(entry: dict) -> dict:
    """`entry` normalised, with every optional hyperparameter it leaves out at its default."""
    return normalise(entry["kind"], {**_defaults(entry["kind"]), **entry})


def validation_size(spec: dict, base: dict) -> int:
    """The examples a sweep's points hold out: the sweep's `validation`, else its base entry's own (a
    conflict is refused by `sweep_checks.sweep_problems`), else VALIDATION; none for a regression."""
    if KINDS[base["kind"]].family != Family.CLASSIFIER:
        return 0
    return spec.get("validation") or base.get("validation") or VALIDATION


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
    """A sweep of the config (already checked: `sweep_checks.sweep_problems` returns nothing) as its
    points. `known` maps the settings trained so far (`repr(setting(entry))`) to their runs' names and the
    seeds they train (None: any); this sweep's own points are added to it."""
    base_name = spec["base"]
    base = experiments[base_name]
    kind = base["kind"]
    keys, rows, grid = point_values(spec)
    validation = validation_size(spec, base)
    fixed = {**base, "validation": validation} if validation else dict(base)
    known = known_settings(experiments) if known is None else known
    own_seeds = tuple(spec.get("seeds", seeds))
    points = []
    for row in rows:
        entry = normalise(kind, {**fixed, **row})
        values = {key: entry[key] for key in keys}
        path = "/".join(f"{key}{SEP}{format_value(values[key])}" for key in keys)
        run, trained_with = known.setdefault(repr(setting(entry)), (f"{name}/{path}", own_seeds))
        # Another sweep's point is read only where it trains the same seeds (its seed blocks, `blocks`):
        # a catalogue entry's runs, one job per seed, serve any seed.
        if trained_with not in (own_seeds, None):
            run = f"{name}/{path}"
        points.append(Point(values, path, entry, run, run == f"{name}/{path}"))
    return Sweep(
        name,
        base_name,
        kind,
        keys,
        tuple(points),
        own_seeds,
        grid,
        validation,
        normalise(kind, fixed),
        spec.get("about", ""),
    )


def known_settings(experiments: dict[str, dict]) -> dict[str, tuple[str, tuple[int, ...] | None]]:
    """`repr(setting(entry))` → the catalogue entry that trains it (the first by name, if two are equal),
    with None for its seeds: a catalogue entry trains any seed asked of it."""
    known: dict[str, tuple[str, tuple[int, ...] | None]] = {}
    for name in sorted(experiments):
        known.setdefault(repr(setting(experiments[name])), (name, None))
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


# ---- Seeds beyond the configured ones, and the blocks a sweep's own points train them in ----

DEFAULT_LOOKS = (3, 5, 8, 12, 20)  # config.yaml's `decide: looks:` where it leaves them out


def looks_of(config: dict) -> tuple[int, ...]:
    """The seeds per comparison at each look of the `decide` target; the last is the budget."""
    return tuple((config.get("decide") or {}).get("looks", DEFAULT_LOOKS))


def seed_sequence(seeds: tuple[int, ...], size: int) -> tuple[int, ...]:
    """The seeds a sweep's points train, in order: its configured ones, then the next after the largest
    (max + 1, max + 2, …), `size` in all (at least the configured ones)."""
    top = max(seeds)
    return tuple(seeds) + tuple(range(top + 1, top + 1 + max(size - len(seeds), 0)))


def seed_blocks(seeds: tuple[int, ...], looks: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    """The seeds a sweep's own points train in one job each, in order: its configured seeds (what
    `exercises` trains, and `decide`'s first look at least), then the seeds each later look of `decide`
    adds. A look of fewer seeds than the configured ones counts as the configured ones."""
    sequence = seed_sequence(seeds, looks[-1])
    cuts = sorted({len(seeds), *(n for n in looks if n > len(seeds))})
    return tuple(sequence[start:end] for start, end in zip([0, *cuts[:-1]], cuts, strict=True))


@dataclass(frozen=True)
class Block:
    """A block of seeds, one job per sweep point: the rule `name` trains it for the points of `sweeps`."""

    name: str
    seeds: tuple[int, ...]
    sweeps: tuple[str, ...]


def block_rules(sweeps: dict[str, Sweep], looks: tuple[int, ...]) -> list[Block]:
    """One rule per block of seeds (`seed_blocks`), for the sweeps that train it: `train_block0` for the
    configured seeds, `train_block1` for what `decide`'s next look adds, …; blocks of another seed list
    (a sweep with its own `seeds:`) get a suffix (`train_block1_2`). No two rules make one run folder."""
    found: dict[tuple[int, tuple[int, ...]], list[str]] = {}
    for sweep in sweeps.values():
        for index, seeds in enumerate(seed_blocks(sweep.seeds, looks)):
            found.setdefault((index, seeds), []).append(sweep.name)
    rules, seen = [], Counter(index for index, _ in found)
    count: Counter[int] = Counter()
    for (index, seeds), names in found.items():
        count[index] += 1
        name = f"train_block{index}" + (f"_{count[index]}" if seen[index] > 1 else "")
        rules.append(Block(name, seeds, tuple(names)))
    return rules


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


# ---- The wildcard of a point's folder ----

# Every hyperparameter any kind has: the keys a point's folder may name.
_KEYS = sorted({f.name for kind in KINDS.values() for f in dataclasses.fields(kind.config)})


def point_pattern() -> str:
    """The regular expression of a point's folder, `<key>~<value>` per swept key: the hyperparameters'
    names, and values without a slash. Not the alternation of every point's path, which Snakemake would
    write into each output pattern and match on every file: that cost a 4,000-point grid's dry run a
    minute. A folder that is no point of its sweep fails in `Sweep.point`, naming the sweep."""
    key = "(?:" + "|".join(re.escape(k) for k in _KEYS) + ")"
    level = f"{key}{re.escape(SEP)}[^/]+"
    return f"{level}(?:/{level})*"
