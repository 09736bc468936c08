"""The schema stops bad configs before anything runs, even a dry run, naming the offending key."""

import pytest

import tiny


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
        "poly_normal",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_config_stops_dry_run_naming_the_key(tiny_workdir, case):
    path, value, message, key = CASES[case]
    config = tiny.read_config(tiny_workdir)
    set_path(config, path, value)
    tiny.write_config(tiny_workdir, config)
    proc = tiny.snakemake(tiny_workdir, "-n", check=False)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert message in out
    assert key in out


def test_missing_hyperparameter_is_named(tiny_workdir):
    config = tiny.read_config(tiny_workdir)
    del config["experiments"]["dropout_scratch"]["dropout"]
    tiny.write_config(tiny_workdir, config)
    proc = tiny.snakemake(tiny_workdir, "-n", check=False)
    assert proc.returncode != 0
    assert "'dropout' is a required property" in proc.stdout + proc.stderr


def test_the_shipped_config_is_valid(tiny_workdir):
    (tiny_workdir / "config.yaml").write_text((tiny.REPO / "config.yaml").read_text())
    tiny.snakemake(tiny_workdir, "-n")
