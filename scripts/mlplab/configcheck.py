"""Checks of config.yaml that its JSON schema file cannot hold: each catalogue entry against its kind's
hyperparameters (declared in `mlplab.catalogue`). Torch-free: runs on every `snakemake -n`."""

from __future__ import annotations

import jsonschema

from mlplab.catalogue import experiment_schema


class ConfigError(ValueError):
    """config.yaml asks for something that cannot run; the message names the entry and key."""


def where(path) -> str:
    return ".".join(str(p) for p in path)


def check_experiments(experiments: dict, section: str = "experiments") -> None:
    """Every entry names a known kind and exactly that kind's hyperparameters, each of its type."""
    validator = jsonschema.Draft202012Validator(experiment_schema())
    problems = []
    for name, entry in experiments.items():
        for error in sorted(validator.iter_errors(entry), key=lambda e: list(e.absolute_path)):
            problems.append(f"{where([section, name, *error.absolute_path])}: {error.message}")
    if problems:
        raise ConfigError("config.yaml is not valid:\n  " + "\n  ".join(problems))
