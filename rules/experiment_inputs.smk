# Inputs, params and resources of the training rules (rules/experiments.smk, and a sweep's points in
# rules/sweeps.smk, which train with the same rule).


def entry_of(wildcards):
    """The entry a training job trains: a catalogue entry, or a sweep's point (rules/sweeps.smk)."""
    if "sweep" in wildcards.keys():
        return SWEEPS[wildcards.sweep].point(wildcards.point).entry
    return EXPERIMENTS[wildcards.experiment]


def kind_of(wildcards):
    return KINDS[entry_of(wildcards)["kind"]]


def datasets_used():
    return {KINDS[entry["kind"]].data for entry in EXPERIMENTS.values()}


def dataset_files(dataset):
    """The files a data set's kinds train on, by the names their training code reads them under."""
    if dataset in SYNTHETIC:
        return {dataset: expand(rules.make_synthetic_data.output[0], dataset=dataset)[0]}
    decoded = rules.decode_fashion_mnist.output
    return {split: decoded.get(split) for split in DATASETS[dataset]}


def dataset_inputs(dataset):
    """A data set's files and, unnamed to the scripts' data lookup, the fingerprints beside them."""
    files = dataset_files(dataset)
    return {**files, "fingerprints": [fingerprint_file(f) for f in files.values()]}


def train_inputs(wildcards):
    """The entry's data and library modules, and nothing else, so that e.g. new polynomial data reruns
    the polynomial fits but not the classifiers, and editing models.py not the regressions."""
    kind = kind_of(wildcards)
    code = [module_of(target) for target in (kind.fit, kind.model) if target]
    return {**dataset_inputs(kind.data), "lib": lib("train.py", *code)}


# With device: cpu (the default) every job trains on the CPU: the device's inputs, params and resources
# are then constants rather than functions Snakemake calls for each job (a large sweep plans thousands).
ON_CPU = config["device"] == "cpu"


def train_params(name):
    """The training rules' params; `name` is run.json's `experiment`: '{experiment}', or
    '{sweep}/{point}' for a sweep's point ('mlp_lr/lr~0.3'), filled in from the job's wildcards."""
    return {
        # save_weights=False, only where the config turns weights off (see weights_params).
        **weights_params(),
        "entry": lambda wildcards: canonical(entry_of(wildcards)),
        "name": name,
        "device": "cpu" if ON_CPU else train_device,
        # Metrics are byte-identical only for the same thread count, so a change reruns the runs.
        "threads": config["threads_per_job"],
    }


def device_check(wildcards):
    """The device check (rules/device.smk), for the jobs that train on the config's device when that may
    be a GPU; unnamed, so the training script does not take it for data. With device: cpu, and for the
    regressions, which always train on the CPU, nothing: their inputs stay as they were."""
    if kind_of(wildcards).uses_device and config["device"] != "cpu":
        return rules.check_device.output
    return []


def train_device(wildcards):
    """Only kinds that train on the device get it; the rest run on the CPU wherever the config says."""
    return config["device"] if kind_of(wildcards).uses_device else "cpu"


def train_gpus(wildcards):
    return int(train_device(wildcards) == "cuda")


def train_outputs(run):
    """A training job's outputs: metrics.csv and run.json, and model.pt where weights are saved (so that a
    deleted model.pt reruns its run)."""
    names = {"metrics": METRICS_CSV, "run": RUN_JSON}
    if config.get("save_weights", True):
        names["model"] = MODEL_PT
    return {key: run_file(run, name) for key, name in names.items()}


def weights_params():
    """The train rule's params for model.pt: none by default, `save_weights=False` where the config turns
    weights off. Snakemake reruns a job whose params changed (it compares their values), so a param with
    the default value would rerun every run trained before weights were saved; turning weights off, or
    on again, reruns the runs, whose folders then hold model.pt as the config says."""
    return {} if config.get("save_weights", True) else {"save_weights": False}


def train_priority(wildcards):
    """Longest runs start first (epochs × hidden layers of a classifier; the regressions take seconds),
    so that a run does not end with one long job on one core while the others idle."""
    if kind_of(wildcards).family != Family.CLASSIFIER:
        return 0
    entry = parse_entry(entry_of(wildcards))
    hidden = entry.num_hiddens
    return entry.epochs * (len(hidden) if isinstance(hidden, list) else 1)


def train_resources(wildcards):
    """(mem_mb, runtime in minutes)."""
    return (3000, 30) if kind_of(wildcards).family == Family.CLASSIFIER else (1000, 10)
