"""Bad configs are stopped before anything runs, naming the offending key: checked in-process with the
schema (Snakemake's `validate`) and the catalogue's per-kind check, and once through a real dry run."""

import copy

import pytest
import yaml
from snakemake.utils import validate

import tiny
from mlplab.catalogue import ANALYSIS_CONFIGS, KINDS, hyperparameters
from mlplab.configcheck import ConfigError, check_experiments

SCHEMA = tiny.REPO / "schemas/config.schema.yaml"
CONFIG = yaml.safe_load((tiny.REPO / "config.yaml").read_text())


def check(config: dict) -> None:
    """What rules/common.smk does with the config before anything runs."""
    validate(config, str(SCHEMA))
    check_experiments(config["experiments"])


def set_path(config, path, value):
    *parents, last = path
    for key in parents:
        config = config[key]
    config[last] = value


CASES = {
    "wrong type": (("experiments", "mlp_concise", "lr"), "fast", "'fast' is not of type 'number'", "lr"),
    "zero size": (("data", "polynomial", "n_train"), 0, "0 is less than the minimum of 1", "n_train"),
    "negative size": (("data", "linear", "num_inputs"), -5, "-5 is less than the minimum of 1", "num_inputs"),
    "typo'd key": (("data", "polynomial", "noise_sd"), 0.1, "'noise_sd' was unexpected", "polynomial"),
    "unknown kind": (
        ("experiments", "mlp_concise", "kind"),
        "mlp_fancy",
        "'mlp_fancy' is not one of",
        "kind",
    ),
    "unknown device": (("device",), "tpu", "'tpu' is not one of", "device"),
    "hyperparameter of another kind": (
        ("experiments", "poly_normal", "wd"),
        3.0,
        "'wd' was unexpected",
        "experiments.poly_normal",
    ),
    "probability above 1": (("experiments", "dropout_scratch", "dropout"), [0.2, 1.5], "1.5", "dropout"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_config_is_rejected_naming_the_key(case):
    path, value, message, key = CASES[case]
    config = copy.deepcopy(CONFIG)
    set_path(config, path, value)
    with pytest.raises(Exception) as caught:  # noqa: B017 (WorkflowError from the schema, or ConfigError)
        check(config)
    assert message in str(caught.value) and key in str(caught.value)


def test_missing_hyperparameter_is_named():
    config = copy.deepcopy(CONFIG)
    del config["experiments"]["dropout_scratch"]["dropout"]
    with pytest.raises(ConfigError, match=r"experiments\.dropout_scratch: 'dropout' is a required property"):
        check(config)


def test_the_shipped_config_is_valid():
    check(copy.deepcopy(CONFIG))


def test_schema_and_catalogue_agree():
    """The schema leaves each entry's hyperparameters to the catalogue; the analyses' config blocks it
    requires are the catalogue's."""
    schema = yaml.safe_load(SCHEMA.read_text())
    assert schema["properties"]["analyses"]["required"] == ANALYSIS_CONFIGS
    assert schema["properties"]["experiments"]["additionalProperties"] == {
        "type": "object",
        "required": ["kind"],
    }
    for name in KINDS:
        assert all("schema" in f.metadata and f.metadata["doc"] for f in hyperparameters(name)), name


@pytest.mark.snakemake
def test_a_bad_config_stops_a_dry_run(tiny_workdir):
    config = tiny.read_config(tiny_workdir)
    config["experiments"]["mlp_concise"]["lr"] = "fast"
    tiny.write_config(tiny_workdir, config)
    proc = tiny.snakemake(tiny_workdir, "-n", check=False)
    assert proc.returncode != 0
    assert "experiments.mlp_concise.lr: 'fast' is not of type 'number'" in proc.stdout + proc.stderr
