# One training job per catalogue entry and seed.


def train_inputs(wildcards):
    """The data and library modules the entry's kind needs, and nothing else, so that e.g. new
    polynomial data reruns the polynomial fits but not the classifiers."""
    kind = EXPERIMENTS[wildcards.experiment]["kind"]
    common = ("runs", "loop", "provenance", "seeding")
    if kind in CLASSIFIER_KINDS:
        return {**FASHION_MNIST_SPLITS, "lib": lib(*common, "idx", "models", "training")}
    data = "polynomial" if kind == "polynomial" else "linear"
    return {data: f"data/{data}.pt", "lib": lib(*common, "regression")}


def train_resources(wildcards):
    kind = EXPERIMENTS[wildcards.experiment]["kind"]
    return (3000, 30) if kind in CLASSIFIER_KINDS else (1000, 10)


rule train:
    input:
        unpack(train_inputs),
    output:
        metrics="results/runs/{experiment}/seed{seed}/metrics.csv",
        run="results/runs/{experiment}/seed{seed}/run.json",
    params:
        experiment=lambda wildcards: as_json(EXPERIMENTS[wildcards.experiment]),
        device=config["device"],
    log:
        "logs/train/{experiment}/seed{seed}.log",
    benchmark:
        "results/benchmarks/train/{experiment}/seed{seed}.tsv"
    threads: config["threads_per_job"]
    resources:
        mem_mb=lambda wildcards: train_resources(wildcards)[0],
        runtime=lambda wildcards: train_resources(wildcards)[1],
    script:
        "../scripts/train.py"
