# One training job per catalogue entry and seed.


include: "experiment_inputs.smk"


rule train:
    input:
        unpack(train_inputs),
        device_check,
    output:
        metrics=run_file(CATALOGUE_RUN, METRICS_CSV),
        run=run_file(CATALOGUE_RUN, RUN_JSON),
    log:
        "logs/train/{experiment}/seed{seed}.log",
    benchmark:
        "results/benchmarks/train/{experiment}/seed{seed}.tsv"
    priority: train_priority
    conda:
        "../envs/mlplab.yaml"
    threads: config["threads_per_job"]
    resources:
        mem_mb=lambda wildcards: train_resources(wildcards)[0],
        runtime=lambda wildcards: train_resources(wildcards)[1],
        # On SLURM this becomes `--gpus=1`; locally it only counts against `--resources gpu=N`.
        gpu=lambda wildcards: int(train_device(wildcards) == "cuda"),
    params:
        # save_weights=False, only where the config turns weights off (see weights_params).
        **weights_params(),
        entry=lambda wildcards: canonical(entry_of(wildcards)),
        name=run_name,
        device=train_device,
        # Metrics are byte-identical only for the same thread count, so a change reruns the runs.
        threads=config["threads_per_job"],
    script:
        "../scripts/train.py"
