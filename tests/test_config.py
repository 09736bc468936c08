"""Bad configs are stopped before anything runs, naming the offending file, entry and key: checked
in-process with the functions rules/common.smk calls (the files as written, then the values), and once
per class through a real dry run (values, files as written, the device)."""

import copy
import json
import math
import re
import subprocess
import sys

import pytest
import yaml

import tiny
from mlplab.workflow import config_checks, parse_cache
from mlplab.workflow.catalogue import ANALYSIS_CONFIGS, KINDS, hyperparameters
from mlplab.workflow.config_checks import check_config
from mlplab.workflow.config_files import (
    ConfigError,
    check_config_files,
    config_file_problems,
    yaml11_spellings,
)
from mlplab.workflow.library_inputs import library_inputs

SCHEMA = tiny.REPO / "schemas/config.schema.yaml"
CONFIG = yaml.safe_load((tiny.REPO / "config.yaml").read_text())


def check(config: dict) -> None:
    """What rules/common.smk does with the values Snakemake holds, before anything runs."""
    check_config(config, SCHEMA)


def set_path(config, path, value):
    *parents, last = path
    for key in parents:
        config = config[key]
    config[last] = value


def edited(*edits) -> dict:
    config = copy.deepcopy(CONFIG)
    for path, value in edits:
        set_path(config, path, value)
    return config


def problems(config: dict) -> str:
    with pytest.raises(ConfigError) as caught:
        check(config)
    return str(caught.value)


# ---- The values: schema, kinds, NaN and infinity, rules across fields and sections ----

CASES = {
    "wrong type": (
        ("experiments", "mlp_concise", "lr"),
        "fast",
        "experiments.mlp_concise.lr: 'fast' is not of type 'number'",
    ),
    "zero size": (
        ("data", "polynomial", "n_train"),
        0,
        "data.polynomial.n_train: 0 is less than the minimum of 1",
    ),
    "negative size": (
        ("data", "linear", "num_inputs"),
        -5,
        "data.linear.num_inputs: -5 is less than the minimum of 1",
    ),
    "typo'd key": (
        ("data", "polynomial", "noise_sd"),
        0.1,
        "data.polynomial: Additional properties are not allowed ('noise_sd' was unexpected)",
    ),
    "unknown kind": (
        ("experiments", "mlp_scratch_relu_logits", "kind"),
        "mlp_fancy",
        "experiments.mlp_scratch_relu_logits.kind: 'mlp_fancy' is not one of",
    ),
    "unknown device": (("device",), "tpu", "device: 'tpu' is not one of"),
    "hyperparameter of another kind": (
        ("experiments", "poly_normal", "wd"),
        3.0,
        "experiments.poly_normal: Additional properties are not allowed ('wd' was unexpected)",
    ),
    "probability above 1": (
        ("experiments", "dropout_scratch", "dropout"),
        [0.2, 1.5],
        "experiments.dropout_scratch.dropout.1: 1.5 is greater than the maximum of 1",
    ),
    # JSON schema counts 10.0 as an integer; range(10.0) and torch.set_num_threads(1.0) do not.
    "float epochs": (
        ("experiments", "mlp_scratch", "epochs"),
        10.0,
        "experiments.mlp_scratch.epochs: 10.0 is not of type 'integer'",
    ),
    "float seed": (
        ("analyses", "exploding_gradient", "seed"),
        1.0,
        "analyses.exploding_gradient.seed: 1.0 is not of type 'integer'",
    ),
    "float threads": (("threads_per_job",), 2.0, "threads_per_job: 2.0 is not of type 'integer'"),
    "bool as a number": (
        ("experiments", "wd_scratch_lambda3", "wd"),
        True,
        "experiments.wd_scratch_lambda3.wd: True is not of type 'number'",
    ),
    "NaN hyperparameter": (
        ("experiments", "wd_concise_wd0", "lr"),
        math.nan,
        "experiments.wd_concise_wd0.lr: nan is not a finite number",
    ),
    "infinite noise": (
        ("data", "polynomial", "noise_std"),
        math.inf,
        "data.polynomial.noise_std: inf is not a finite number",
    ),
    "infinite weight": (("data", "linear", "w"), -math.inf, "data.linear.w: -inf is not a finite number"),
    "NaN in a list": (("seeds",), [0, math.nan], "seeds.1: nan is not a finite number"),
    "more features than the data has": (
        ("experiments", "poly_overfit", "num_features"),
        25,
        "experiments.poly_overfit.num_features: 25 exceeds data.polynomial.max_degree (20): "
        "the polynomial data has 20 features x^i/i! (i < 20)",
    ),
    "more true weights than features": (
        ("data", "polynomial", "true_w"),
        [1.0] * 21,
        "data.polynomial.true_w: 21 weights, but max_degree (20) gives only 20 features",
    ),
    "degree beyond a float64's factorials": (
        ("data", "polynomial", "max_degree"),
        172,
        "data.polynomial.max_degree: 172 exceeds 171: the features are x^i/i! for i < max_degree, "
        "and 171! overflows a float64",
    ),
    "fewer dropout probabilities than layers": (
        ("experiments", "dropout_concise", "dropout"),
        [0.5],
        "experiments.dropout_concise.dropout: 1 probability for 2 hidden layers (num_hiddens: [256, 256]): "
        "give one per hidden layer",
    ),
    "more dropout probabilities than layers": (
        ("experiments", "dropout_one_layer"),
        {**CONFIG["experiments"]["dropout_scratch"], "num_hiddens": [256]},
        "experiments.dropout_one_layer.dropout: 2 probabilities for 1 hidden layer (num_hiddens: [256])",
    ),
    "grid upside down": (
        ("analyses", "activations", "x_min"),
        20.0,
        "analyses.activations.x_max: 10.0 must exceed x_min (20.0): the grid is [x_min, x_max)",
    ),
    "empty grid": (
        ("analyses", "vanishing_gradient", "x_max"),
        -8.0,
        "analyses.vanishing_gradient.x_max: -8.0 must exceed x_min (-8.0)",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_config_is_rejected_naming_the_key(case):
    path, value, message = CASES[case]
    assert message in problems(edited((path, value)))


def test_missing_hyperparameter_is_named():
    config = copy.deepcopy(CONFIG)
    del config["experiments"]["dropout_scratch"]["dropout"]
    assert "experiments.dropout_scratch: 'dropout' is a required property" in problems(config)


def test_every_problem_is_reported_at_once():
    # All cases but the one that raises max_degree above what two others exceed, in one config.
    together = {case: edit for case, edit in CASES.items() if case != "degree beyond a float64's factorials"}
    text = problems(edited(*((path, value) for path, value, _ in together.values())))
    assert [case for case, (_, _, message) in together.items() if message not in text] == []


def test_a_batch_larger_than_the_training_set_is_fine():
    """One batch per epoch (full-batch gradient descent); the polynomial fit caps it at n_train."""
    check(
        edited(
            (("experiments", "poly_normal", "batch_size"), 1000),
            (("experiments", "wd_concise_wd3", "batch_size"), 1000),
        )
    )


@pytest.mark.parametrize(
    "broken",
    [
        {"data": []},
        {"data": {"polynomial": None}},
        {"analyses": {"activations": [1, 2]}},
        {"experiments": []},
        {"experiments": {"x": None}},
        {"experiments": {"x": {"kind": "dropout_concise", "num_hiddens": "many", "dropout": [0.5, 0.5]}}},
    ],
    ids=str,
)
def test_a_config_of_the_wrong_shape_is_reported_not_crashed_on(broken):
    config = {**copy.deepcopy(CONFIG), **broken}
    assert "the config is not valid" in problems(config)


def test_the_shipped_config_is_valid():
    check_config_files([tiny.REPO / "config.yaml"])
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


# ---- Sizes that imply more memory than a job has ----

LIMIT = "the limit is 1 GB (MEMORY_LIMIT in scripts/mlplab/workflow/config_memory.py)"
MEMORY_CASES = {
    "activations step": (
        ("analyses", "activations", "step"),
        1e-9,
        "analyses.activations.step: 1e-09 makes 20,000,000,000 grid values over [-10, 10) for 3 functions "
        f"(179 bytes a value), about 3.58 TB in memory; {LIMIT}: use a step of at least 3.6e-06",
    ),
    "vanishing gradient step": (
        ("analyses", "vanishing_gradient", "step"),
        1e-7,
        "analyses.vanishing_gradient.step: 1e-07 makes 160,000,000 grid values over [-8, 8) for 1 function "
        f"(113 bytes a value), about 18.1 GB in memory; {LIMIT}: use a step of at least 1.9e-06",
    ),
    "matrix size": (
        ("analyses", "exploding_gradient", "size"),
        100_000,
        "analyses.exploding_gradient.size: 100,000 makes matrices of 100,000 × 100,000 (72 bytes an entry), "
        f"about 720 GB in memory; {LIMIT}: use a size of at most 3,726",
    ),
    "products": (
        ("analyses", "exploding_gradient", "n_products"),
        10**8,
        "analyses.exploding_gradient.n_products: 100,000,000 makes up to as many rows of the curve's table "
        f"(400 bytes a row), about 40 GB in memory; {LIMIT}: use at most 2,500,000 products",
    ),
    "polynomial examples": (
        ("data", "polynomial", "n_train"),
        10**9,
        "data.polynomial.n_train: 1,000,000,000 makes 1,000,000,000 training and 100 test examples of 20 "
        f"features (18 bytes per example and feature), about 360 GB in memory; {LIMIT}: use an n_train of "
        "at most 2,777,677",
    ),
    "linear inputs": (
        ("data", "linear", "num_inputs"),
        10**9,
        "data.linear.num_inputs: 1,000,000,000 makes 20 training and 100 test examples of 1,000,000,000 "
        f"inputs (5 bytes per example and input), about 600 GB in memory; {LIMIT}: use at most 1,666,666 "
        "inputs for 120 examples",
    ),
}


@pytest.mark.parametrize("case", MEMORY_CASES, ids=list(MEMORY_CASES))
def test_sizes_that_imply_absurd_memory_are_rejected_naming_the_key_limit_and_memory(case):
    path, value, message = MEMORY_CASES[case]
    assert message in problems(edited((path, value)))


@pytest.mark.parametrize("case", MEMORY_CASES, ids=list(MEMORY_CASES))
def test_the_suggested_size_fits(case):
    """The value each message suggests passes: the bound is where the message says it is."""
    path, value, message = MEMORY_CASES[case]
    suggested = re.search(r"at (?:most|least) (?:an? \w+ of )?([\d,.e+-]+)", message).group(1)
    fits = type(value)(float(suggested.replace(",", "")))
    check(edited((path, fits)))
    if path[-1] != "step":  # one more is over
        assert "in memory" in problems(edited((path, fits + 1)))


# ---- Lists given with --config ----

COMMAND_LINE_HINT = (
    "seeds: given with --config, which reads every item of a list as a string however it is quoted "
    "(Snakemake reads seeds=[0, 1, 2] as ['0', '1', '2']); write `seeds: [0, 1, 2]` in a YAML file and pass "
    "it with --configfile FILE instead (a lone number, such as threads_per_job=2, is read as a number)"
)


def test_numbers_that_arrived_as_strings_from_the_command_line_get_a_hint():
    config = edited((("seeds",), ["0", "1", "2"]))
    with pytest.raises(ConfigError) as caught:
        check_config(config, SCHEMA, {"seeds": ["0", "1", "2"]})
    text = str(caught.value)
    assert "seeds.0: '0' is not of type 'integer'" in text and text.count(COMMAND_LINE_HINT) == 1
    # The same strings from a file (quoted there) are not the command line's doing: no hint.
    assert "--config" not in problems(config)


# ---- The files as written ----


def file_problems(tmp_path, text: str, name: str = "config.yaml") -> list[str]:
    (tmp_path / name).write_text(text)
    return config_file_problems(tmp_path / name)


def test_duplicate_keys_are_refused_with_both_places(tmp_path):
    text = "seeds: [0]\nexperiments:\n  a:\n    lr: 0.1\n    epochs: 3\n    lr: 0.5\nseeds: [1]\n"
    assert file_problems(tmp_path, text) == [
        f"experiments.a.lr: duplicate key ({tmp_path}/config.yaml, line 4, column 5 and line 6, column 5); "
        "YAML readers silently keep the last value",
        f"seeds: duplicate key ({tmp_path}/config.yaml, line 1, column 1 and line 7, column 1); "
        "YAML readers silently keep the last value",
    ]


def test_numbers_yaml_11_reads_as_strings_are_refused_with_the_fix(tmp_path):
    text = "a:\n  lr: 1e-3\n  epochs: 1e3\n  quoted: '1e-3'\n  fine: [1.0e-3, 0.001, 1.0e+3, .5, 7]\n"
    assert file_problems(tmp_path, text) == [
        "a.lr: 1e-3 is read as the string '1e-3' by YAML 1.1, the YAML that Snakemake reads; "
        f"write 1.0e-3 or 0.001 ({tmp_path}/config.yaml, line 2, column 7)",
        "a.epochs: 1e3 is read as the string '1e3' by YAML 1.1, the YAML that Snakemake reads; "
        f"write 1.0e+3 or 1000 ({tmp_path}/config.yaml, line 3, column 11)",
    ]


@pytest.mark.parametrize("text", ["1e-3", "1E3", "-2.5e-7", "5.e4", "+3e+2", ".5e-1", "1e400"])
def test_every_suggested_spelling_is_a_number_to_yaml_11(text):
    spellings = yaml11_spellings(text).split(" or ")
    assert spellings and all(yaml.safe_load(s) == float(text) for s in spellings), spellings


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "device: [cpu\nseeds: [0]\n",
            "line 2, column 6: YAML syntax error: expected ',' or ']', but got ':' "
            "(while parsing a flow sequence at line 1, column 9)",
        ),
        (
            "a:\n  b: 1\n\tc: 2\n",
            "line 3, column 1: YAML syntax error: found character '\\t' that cannot start any token",
        ),
        ("a: 1\n---\nb: 2\n", "line 2, column 1: YAML syntax error: but found another document"),
        ("", "the config must be a mapping of keys at top level"),
        ("- 1\n- 2\n", "the config must be a mapping of keys at top level"),
    ],
    ids=["unclosed bracket", "tab", "two documents", "empty", "a list"],
)
def test_yaml_syntax_errors_name_file_line_and_column(tmp_path, text, problem):
    found = file_problems(tmp_path, text)
    assert len(found) == 1 and found[0].startswith(str(tmp_path / "config.yaml")) and problem in found[0]


def test_a_json_config_is_read_as_json(tmp_path):
    """Snakemake reads a file as JSON first: 1e-3 is a number there, and duplicates are still refused."""
    assert file_problems(tmp_path, '{"lr": 1e-3}', "config.json") == []
    assert file_problems(tmp_path, '{"a": {"lr": 1, "lr": 2}}', "config.json") == [
        f"{tmp_path}/config.json: duplicate key 'lr' in one object; JSON readers silently keep the last value"
    ]


def test_every_file_is_checked_once_and_all_problems_reported(tmp_path):
    (tmp_path / "a.yaml").write_text("x: 1\nx: 2\n")
    (tmp_path / "b.yaml").write_text("y: 1e-3\n")
    with pytest.raises(ConfigError) as caught:
        check_config_files(
            [tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "a.yaml", tmp_path / "none.yaml"]
        )
    lines = str(caught.value).splitlines()
    assert lines[0] == "the config files are not valid:" and len(lines) == 3
    assert lines[1].strip().startswith("x: duplicate key") and lines[2].strip().startswith("y: 1e-3 is read")


# ---- What every start would compute again, kept between starts ----


@pytest.fixture
def parse_cache_on(tmp_path):
    """The parse cache in a folder of the test's own (as rules/common.smk turns it on), off afterwards."""
    folder = tmp_path / "parse_cache"
    parse_cache.use(folder)
    yield folder
    parse_cache.use(None)


def test_a_config_that_passed_passes_again_unread_and_any_change_is_checked(
    parse_cache_on, tmp_path, monkeypatch
):
    check(copy.deepcopy(CONFIG))
    parse_cache.flush()
    assert (parse_cache_on / "config_passed.json").exists()
    parse_cache.use(parse_cache_on)  # a new start, reading what the last one kept
    checked = []
    real = config_checks.config_problems
    monkeypatch.setattr(config_checks, "config_problems", lambda *args: checked.append(1) or real(*args))
    check(copy.deepcopy(CONFIG))
    assert checked == []  # kept: not checked again
    bad = edited((("seeds",), [0, 0]))
    for _ in range(2):  # a failure is never kept
        with pytest.raises(ConfigError, match="seeds: \\[0, 0\\] has non-unique elements"):
            check(bad)
    assert len(checked) == 2
    schema = tmp_path / "schema.yaml"  # one byte more in the schema: checked again
    schema.write_text(SCHEMA.read_text() + "\n")
    check_config(copy.deepcopy(CONFIG), schema)
    assert len(checked) == 3


def test_config_files_that_passed_pass_again_and_an_edited_one_is_read_again(parse_cache_on, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("seeds: [0]\n")
    check_config_files([config])
    check_config_files([config])
    config.write_text("seeds: [0]\nseeds: [1]\n")
    with pytest.raises(ConfigError, match="seeds: duplicate key"):
        check_config_files([config])


def test_the_import_graph_kept_between_starts_gives_the_same_inputs(tmp_path):
    """Two starts (processes) with the cache on, the second reading what the first kept: both declare
    the files the import graph gives without a cache."""
    folder, scripts = tmp_path / "parse_cache", tiny.REPO / "scripts"
    modules = ("mlplab.chapter.training", "mlplab.chapter.models")
    start = (
        "import sys\nfrom mlplab.workflow import parse_cache\n"
        "from mlplab.workflow.library_inputs import library_inputs\n"
        f"parse_cache.use({str(folder)!r})\n"
        f"print('\\n'.join(library_inputs({str(scripts)!r}, {str(scripts / 'train.py')!r}, {modules!r})))"
    )
    fresh = library_inputs(scripts, scripts / "train.py", modules)
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-c", start], capture_output=True, text=True, check=True)
        assert proc.stdout.split() == fresh
    kept = json.loads((folder / "import_graph.json").read_text())
    assert len(kept) == len(fresh) + 1  # each file's imports, by its place and content: the script's too


# ---- The device ----


def test_device_check_records_torch_s_view():
    torch = pytest.importorskip("torch")
    from mlplab.workflow.device_check import DeviceError, check_device

    assert check_device("cpu")["device"] == "cpu"
    assert check_device("auto")["device"] == ("cuda" if torch.cuda.is_available() else "cpu")
    if torch.cuda.is_available():
        assert check_device("cuda")["gpu"]["name"]
    else:
        with pytest.raises(
            DeviceError, match=r"config asks for device: cuda, but torch sees no CUDA device on \S+ \("
        ):
            check_device("cuda")


# ---- Through Snakemake ----


def snakemake_fails(work, *args) -> str:
    proc = tiny.snakemake(work, "-n", *args, check=False)
    assert proc.returncode != 0
    return proc.stdout + proc.stderr


@pytest.mark.snakemake
def test_bad_values_stop_a_dry_run_all_named(tiny_workdir):
    config = tiny.read_config(tiny_workdir)
    experiments = config["experiments"]
    experiments["mlp_concise"]["lr"] = "fast"
    experiments["poly_normal"]["num_features"] = 25
    experiments["dropout_concise"]["dropout"] = [0.5]
    experiments["wd_concise_wd3"]["lr"] = math.nan
    experiments["wd_scratch_lambda0"]["epochs"] = 5.0
    config["data"]["polynomial"]["true_w"] = [1.0] * 21
    config["analyses"]["activations"]["x_min"] = 20.0
    tiny.write_config(tiny_workdir, config)
    out = snakemake_fails(tiny_workdir)
    for message in (
        "experiments.mlp_concise.lr: 'fast' is not of type 'number'",
        "experiments.poly_normal.num_features: 25 exceeds data.polynomial.max_degree (20)",
        "experiments.dropout_concise.dropout: 1 probability for 2 hidden layers",
        "experiments.wd_concise_wd3.lr: nan is not a finite number",
        "experiments.wd_scratch_lambda0.epochs: 5.0 is not of type 'integer'",
        "data.polynomial.true_w: 21 weights, but max_degree (20)",
        "analyses.activations.x_max: 10.0 must exceed x_min (20.0)",
    ):
        assert message in out, out


@pytest.mark.snakemake
def test_bad_files_stop_a_dry_run_with_file_line_and_column(tiny_workdir):
    """config.yaml with a syntax error (read by our check before Snakemake's reader, which would give no
    line), and a --configfile, which Snakemake reads happily, with a duplicate key and a 1e-3."""
    text = (tiny_workdir / "config.yaml").read_text()
    (tiny_workdir / "extra.yaml").write_text(
        "seeds: [0]\nthreads_per_job: 1\nseeds: [1]\ndevice: cpu\n"
        "experiments:\n  poly_normal:\n    lr: 1e-3\n"
    )
    (tiny_workdir / "config.yaml").write_text(text.replace("device: cpu", "device: [cpu", 1))
    line = text.splitlines().index("device: cpu") + 1
    out = snakemake_fails(tiny_workdir, "--configfile", "extra.yaml")
    assert f"config.yaml, line {line + 1}, column " in out and "YAML syntax error: expected ',' or ']'" in out
    assert "seeds: duplicate key (extra.yaml, line 1, column 1 and line 3, column 1)" in out
    assert "experiments.poly_normal.lr: 1e-3 is read as the string" in out
    assert "write 1.0e-3 or 0.001 (extra.yaml, line 7, column 9)" in out


@pytest.mark.snakemake
def test_the_device_check_runs_before_the_classifiers_only_when_it_may_be_a_gpu(tiny_workdir):
    assert "check_device" not in tiny.snakemake(tiny_workdir, "-n").stdout  # device: cpu
    config = tiny.read_config(tiny_workdir)
    config["device"] = "cuda"
    tiny.write_config(tiny_workdir, config)
    # The jobs and what each needs, as Snakemake's own graph of them draws them.
    dag = tiny.snakemake(tiny_workdir, "--dag").stdout
    labels = dict(re.findall(r'^\s*(\d+)\[label = "([^"]*)"', dag, re.M))
    edges = re.findall(r"^\s*(\d+) -> (\d+)", dag, re.M)
    feeds = {labels[b] for a, b in edges if labels[a] == "check_device"}
    classifiers = {
        f"train\\nexperiment: {name}\\nseed: {seed}"
        for name, entry in config["experiments"].items()
        if KINDS[entry["kind"]].uses_device
        for seed in config["seeds"]
    }
    assert list(labels.values()).count("check_device") == 1 and feeds == classifiers
    assert tiny.workflow_rules(tiny_workdir)["check_device"].resources["gpu"] == 1


@pytest.mark.snakemake
def test_device_cuda_without_a_gpu_fails_once_and_regressions_still_train(tiny_workdir):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    config = tiny.read_config(tiny_workdir)
    config["device"] = "cuda"
    tiny.write_config(tiny_workdir, config)
    targets = [
        f"results/runs/{name}/seed0/run.json" for name in ("mlp_concise", "dropout_concise", "poly_normal")
    ]
    proc = tiny.snakemake(tiny_workdir, "--keep-going", *targets, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert out.count("Error in rule") == 1 and "Error in rule check_device" in out
    assert "config asks for device: cuda, but torch sees no CUDA device on" in out
    assert (tiny_workdir / "results/runs/poly_normal/seed0/run.json").exists()
    assert not (tiny_workdir / "results/runs/mlp_concise").exists()


@pytest.mark.snakemake
def test_a_list_given_with_config_fails_with_the_hint_and_the_hinted_configfile_works(tiny_workdir):
    out = snakemake_fails(tiny_workdir, "--config", "seeds=[0,1,2]")
    assert "seeds.0: '0' is not of type 'integer'" in out and out.count(COMMAND_LINE_HINT) == 1, out
    (tiny_workdir / "seeds.yaml").write_text("seeds: [0, 1, 2]\n")
    plan = tiny.snakemake(tiny_workdir, "-n", "--configfile", "seeds.yaml").stdout
    assert "seed=2" in plan  # the third seed is planned
