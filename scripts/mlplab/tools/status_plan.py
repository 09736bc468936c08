"""What the workflow has to run, from its config alone: each catalogue entry's runs, one per seed, and each
sweep's, one per point it trains and seed. A setting shared by a sweep and the catalogue, or by two
sweeps, is one run folder, counted once, under whoever trains it (`sweeps.Point.own`), so that the totals
are the run folders the workflow makes (`sweeps.produced_runs`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from mlplab.workflow.catalogue import canonical
from mlplab.workflow.run_record import RESULTS, catalogue_run
from mlplab.workflow.sweeps import expand_all


class ConfigError(ValueError):
    """A config that cannot be read as the workflow's: one line naming the file and what to do."""


@dataclass(frozen=True)
class Run:
    folder: Path
    seed: int
    epochs: int | None  # planned, from the entry that trains it
    entry: dict  # the entry that trains it, as the training job gets it (a finished run of another is stale)
    point: str = ""  # a sweep point's folder below its sweep's ("lr~0.3"); empty for a catalogue entry


@dataclass
class Group:
    """A catalogue entry or a sweep, with the runs it trains."""

    name: str
    sweep: bool
    runs: list[Run] = field(default_factory=list)
    points: int = 0  # a sweep's points that it trains itself
    seeds: int = 0
    borrowed: dict[str, str] = field(default_factory=dict)  # a sweep's point → whose runs it reads


def load_config(path: Path) -> dict:
    """The workflow's config, read as Snakemake reads it (YAML), with what this command relies on checked;
    the whole config is checked by Snakemake itself (`snakemake -n`)."""
    try:
        config = yaml.safe_load(path.read_text())
    except OSError as e:
        raise ConfigError(
            f"{path}: cannot be read ({e.strerror}); give the workflow's config with --config FILE"
        ) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(e, "problem", None) or type(e).__name__
        raise ConfigError(f"{path}: not valid YAML ({where}{problem}); `snakemake -n` shows more") from None
    problem = structure_problem(config)
    if problem:
        raise ConfigError(f"{path}: {problem}; `snakemake -n` checks the whole config")
    return config


def structure_problem(config) -> str | None:
    if not isinstance(config, dict):
        return "not a mapping of sections (experiments, seeds, ...)"
    experiments = config.get("experiments")
    if not isinstance(experiments, dict) or not experiments:
        return "`experiments` is missing or not a mapping of entries"
    seeds = config.get("seeds")
    if not isinstance(seeds, list) or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
        return "`seeds` is missing or not a list of integers"
    for name, entry in experiments.items():
        if not isinstance(entry, dict) or "kind" not in entry:
            return f"experiments.{name} is not an entry (a mapping with a kind)"
    return None


def planned_epochs(entry: dict) -> int | None:
    epochs = entry.get("epochs")
    return epochs if isinstance(epochs, int) and not isinstance(epochs, bool) else None


def plan(config: dict, results: Path, config_path: Path | str = "config.yaml") -> list[Group]:
    """The catalogue entries, then the sweeps, each in the config's order, with their runs under
    `results`. Raises ConfigError for sweeps that cannot be expanded."""
    experiments, seeds = config["experiments"], config["seeds"]
    groups = {name: Group(name, sweep=False, seeds=len(seeds)) for name in experiments}
    try:
        sweeps = expand_all(config)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ConfigError(
            f"{config_path}: its sweeps cannot be expanded ({type(e).__name__}: {e}); "
            "`snakemake -n` names the problem"
        ) from None
    sweep_groups = {name: Group(name, sweep=True, seeds=len(sweep.seeds)) for name, sweep in sweeps.items()}
    counted: set[Path] = set()

    def add(group: Group, run: Run) -> None:
        if run.folder not in counted:
            counted.add(run.folder)
            group.runs.append(run)

    for name, entry in experiments.items():
        for seed in seeds:
            folder = results / catalogue_run(name, seed)
            add(groups[name], Run(folder, seed, planned_epochs(entry), canonical(entry)))
    # Own points first, so that a point reused at a seed its owner lacks is still counted under the owner.
    for own in (True, False):
        for sweep in sweeps.values():
            for point in (p for p in sweep.points if p.own == own):
                sweep_groups[sweep.name].points += own
                owner, _, path = point.run.partition("/")
                if not own:
                    sweep_groups[sweep.name].borrowed[point.path] = owner
                group = sweep_groups[owner] if path else groups[owner]
                entry = canonical(point.entry)
                for seed, run_folder in zip(sweep.seeds, sweep.run_folders(point), strict=True):
                    relative = run_folder.removeprefix(f"{RESULTS}/")
                    add(group, Run(results / relative, seed, planned_epochs(entry), entry, path))
    return [*groups.values(), *sweep_groups.values()]
