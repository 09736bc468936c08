"""The config's last absurd values, stopped or named before anything runs: a model that would not fit in
memory (an entry's or a sweep point's), a name too long for a folder, a catalogue entry of more than a
day, threads that the cores given would lower; and the data's sources, which are no provenance: adding a
mirror retrains nothing."""

import copy
import re
import shutil
import subprocess
from collections import Counter

import dry_runs
import pytest
import yaml

import tiny
from mlplab.workflow import start_warnings
from mlplab.workflow.config_checks import check_config
from mlplab.workflow.config_files import ConfigError, check_config_files

SCHEMA = tiny.REPO / "schemas/config.schema.yaml"
CONFIG = yaml.safe_load((tiny.REPO / "config.yaml").read_text())
LIMIT = "the limit is 1 GB (MEMORY_LIMIT in scripts/mlplab/workflow/config_memory.py)"


def edited(edit) -> dict:
    config = copy.deepcopy(CONFIG)
    edit(config)
    return config


def problems(config: dict) -> list[str]:
    """The lines of the one error a config raises, each a problem."""
    with pytest.raises(ConfigError) as caught:
        check_config(config, SCHEMA)
    return [line.strip() for line in str(caught.value).splitlines()[1:]]


def suggested(message: str) -> int:
    """The largest value a memory message says fits."""
    return int(re.search(r"at most ([\d,]+)", message).group(1).replace(",", ""))


# ---- Models that would not fit in memory ----

# (edit, key, the message's start, its memory): each refused naming the key, the memory and the limit.
MODEL_CASES = {
    "width": (
        lambda c: c["experiments"]["mlp_concise"].update(num_hiddens=10**9),
        ("experiments", "mlp_concise", "num_hiddens"),
        "1,000,000,000 makes a 784-1,000,000,000-10 network (6 float32 copies of each parameter) trained on "
        "batches of 256 and evaluated on batches of 10,000 examples",
        "about 59.1 TB in memory",
    ),
    "second layer": (
        lambda c: c["experiments"]["dropout_concise"].update(num_hiddens=[256, 10**7]),
        ("experiments", "dropout_concise", "num_hiddens"),
        "[256, 10000000] makes a 784-256-10,000,000-10 network",
        "about 464 GB in memory",
    ),
    # Full-batch training of a wide pair of layers: a batch of one would fit, so the batch is named.
    "batch": (
        lambda c: c["experiments"]["dropout_scratch"].update(num_hiddens=[4096, 4096], batch_size=10**9),
        ("experiments", "dropout_scratch", "batch_size"),
        "1,000,000,000 makes a 784-4,096-4,096-10 network (6 float32 copies of each parameter) trained on "
        "batches of 60,000",
        "about 12.5 GB in memory",
    ),
}


@pytest.mark.parametrize("case", MODEL_CASES, ids=list(MODEL_CASES))
def test_a_model_too_large_for_memory_is_refused_naming_the_key_memory_and_largest_value(case):
    edit, path, start, memory = MODEL_CASES[case]
    [message] = problems(edited(edit))
    assert message.startswith(f"{'.'.join(path)}: {start}"), message
    assert f"{memory}; {LIMIT}: use " in message, message


@pytest.mark.parametrize("case", MODEL_CASES, ids=list(MODEL_CASES))
def test_the_largest_value_said_to_fit_fits_and_one_more_does_not(case):
    edit, path, _, _ = MODEL_CASES[case]
    [message] = problems(edited(edit))
    most = suggested(message)

    def at(value):
        def set_value(config):
            edit(config)
            entry = config[path[0]][path[1]]
            if isinstance(entry[path[2]], list):  # the widest layer is the one named
                layers = entry[path[2]]
                layers[layers.index(max(layers))] = value
            else:
                entry[path[2]] = value

        return edited(set_value)

    check_config(at(most), SCHEMA)
    assert "in memory" in problems(at(most + 1))[0]


def test_the_catalogues_models_fit_even_trained_on_the_whole_training_set_at_once():
    def full_batch(config):
        for entry in config["experiments"].values():
            entry["batch_size"] = 10**9
        del config["sweeps"]  # (the exercises' widest point, 1024 units, would not: 1.46 GB)

    check_config(edited(full_batch), SCHEMA)


def test_a_sweep_of_widths_up_to_a_billion_is_refused_once_naming_its_grid_key():
    def wide(config):
        config["sweeps"]["mlp_width"]["grid"]["num_hiddens"] = [16, 256, 10**6, 10**9]

    [message] = problems(edited(wide))
    assert message.startswith(
        "sweeps.mlp_width.grid.num_hiddens: 2 points, e.g. num_hiddens = 1000000: 1,000,000 makes a "
        "784-1,000,000-10 network"
    ), message
    assert f"about 59.1 GB in memory; {LIMIT}: use a num_hiddens of at most 16,388" in message


# ---- Names, anchors ----


@pytest.mark.parametrize("section", ["experiments", "sweeps"])
def test_a_name_of_101_characters_is_refused_and_one_of_100_is_not(section):
    source = "mlp_concise" if section == "experiments" else "mlp_lr"

    def named(length):
        return edited(lambda c: c[section].update({"n" * length: c[section][source]}))

    check_config(named(100), SCHEMA)
    [message] = problems(named(101))
    assert message == f"{section}: the name '{'n' * 101}' is too long (at most 100 characters)"


def test_yaml_anchors_and_aliases_share_settings_between_entries(tmp_path):
    text = (tiny.REPO / "config.yaml").read_text()
    text = text.replace("  mlp_concise:\n", "  mlp_concise: &concise\n", 1)
    text = text.replace("\n  poly_normal:\n", "\n  mlp_concise_again: *concise\n  poly_normal:\n", 1)
    path = tmp_path / "config.yaml"
    path.write_text(text)
    check_config_files([path])
    config = yaml.safe_load(text)
    assert config["experiments"]["mlp_concise_again"] == config["experiments"]["mlp_concise"]
    check_config(config, SCHEMA)


# ---- What a start says ----


def test_an_entry_of_more_than_a_day_says_so_and_the_shipped_catalogue_does_not():
    assert start_warnings.start_warnings(CONFIG, cores=1, max_threads=None) == []
    config = edited(lambda c: c["experiments"]["poly_normal"].update(epochs=10**9))
    [line] = start_warnings.start_warnings(config, cores=1, max_threads=None)
    # 3 jobs × 2.5 s + 3 × 10^9 epochs × 0.003 s = 9 × 10^6 s.
    assert line.startswith("experiment poly_normal: 3 seeds × 1,000,000,000 epochs, about 104 days of job")


@pytest.mark.parametrize(
    ("threads", "cores", "max_threads", "given"),
    [(4, 1, None, 1), (4, 8, 2, 2), (4, 2, 3, 2), (1, 1, None, None), (4, None, None, None), (4, 4, 4, None)],
)
def test_threads_the_cores_would_lower_get_one_line_with_the_fix(threads, cores, max_threads, given):
    line = start_warnings.threads_warning(threads, cores, max_threads)
    if given is None:
        assert line is None
    else:
        assert f"lowers every training job to {given} thread" in line
        assert f"set threads_per_job: {given} in config.yaml" in line


# ---- Through real dry runs ----


def planned(work, *args: str) -> Counter:
    """Rule name → how many of its jobs a dry run plans."""
    return Counter(job.rule for job in dry_runs.dry_run(work, *args))


@pytest.mark.snakemake
def test_a_huge_model_and_a_long_name_stop_a_dry_run_named(tiny_workdir):
    config = tiny.read_config(tiny_workdir)
    config["experiments"]["mlp_concise"]["num_hiddens"] = 10**9
    config["experiments"]["x" * 101] = dict(config["experiments"]["poly_normal"])
    config["sweeps"]["wide"] = {"base": "dropout_concise", "grid": {"num_hiddens": [[32, 32], [32, 10**9]]}}
    tiny.write_config(tiny_workdir, config)
    proc = tiny.snakemake(tiny_workdir, "-n", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    lines = [line.strip() for line in out.splitlines()]
    width = [line for line in lines if line.startswith("experiments.mlp_concise.num_hiddens: 1,000,000,000")]
    assert len(width) == 1 and "in memory" in width[0] and "use a num_hiddens of at most" in width[0]
    grid = [line for line in lines if line.startswith("sweeps.wide.grid.num_hiddens: point num_hiddens")]
    assert len(grid) == 1 and "use at most" in grid[0] and "units in hidden layer 2" in grid[0], out
    assert f"experiments: the name '{'x' * 101}' is too long (at most 100 characters)" in lines


def slurm_dry_run(work) -> subprocess.CompletedProcess:
    """A dry run with the SLURM profile as the README gives it (its `cores: 1`, no --cores)."""
    return subprocess.run(
        [tiny.SNAKEMAKE, "-n", "--profile", "profiles/slurm", "--workflow-profile", "none"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.snakemake
def test_threads_above_the_slurm_profiles_cores_get_one_warning_line(tiny_workdir):
    config = tiny.read_config(tiny_workdir)
    config["threads_per_job"] = 4
    tiny.write_config(tiny_workdir, config)
    proc = slurm_dry_run(tiny_workdir)
    assert proc.returncode == 0, proc.stderr
    warned = [line for line in proc.stderr.splitlines() if "threads_per_job: 4" in line]
    assert len(warned) == 1, proc.stderr
    assert "cores: 1" in warned[0] and "set threads_per_job: 1 in config.yaml" in warned[0]
    config["threads_per_job"] = 1
    tiny.write_config(tiny_workdir, config)
    assert "threads_per_job" not in slurm_dry_run(tiny_workdir).stderr


@pytest.mark.snakemake
def test_a_catalogue_entry_of_more_than_a_day_says_so_once(tiny_workdir):
    config = tiny.read_config(tiny_workdir)
    config["experiments"]["mlp_concise"]["epochs"] = 10**9
    tiny.write_config(tiny_workdir, config)
    err = tiny.snakemake(tiny_workdir, "-n").stderr
    lines = [line for line in err.splitlines() if line.startswith("experiment ")]
    assert len(lines) == 1 and lines[0].startswith("experiment mlp_concise: 2 seeds × 1,000,000,000 epochs")


@pytest.fixture
def finished_copy(tiny_run, tmp_path):
    """A private copy of the session's finished tiny run (mtimes and .snakemake/ metadata kept)."""
    return shutil.copytree(tiny_run, tmp_path / "workflow", symlinks=True)


@pytest.mark.snakemake
def test_an_added_mirror_retrains_nothing_and_other_data_retrains_the_classifiers(finished_copy, tmp_path):
    work = finished_copy
    config = tiny.read_config(work)
    config["data"]["fashion_mnist"]["sources"].insert(0, str(tmp_path / "mirror"))
    tiny.write_config(work, config)
    jobs = planned(work)
    assert not jobs.keys() & {"fetch_fashion_mnist", "decode_fashion_mnist", "train"}, jobs

    # Other data (other checksums) is a change: fetched, decoded, and every classifier retrained.
    config["data"]["fashion_mnist"] = {
        "sources": [str(tmp_path / "other")],
        "checksums": tiny.fake_fashion_mnist(tmp_path / "other", seed=1),
    }
    tiny.write_config(work, config)
    jobs = planned(work)
    classifiers = [e for e in config["experiments"].values() if "num_hiddens" in e]
    assert jobs["fetch_fashion_mnist"] == jobs["decode_fashion_mnist"] == 1, jobs
    assert jobs["train"] == len(classifiers) * len(config["seeds"]), jobs
