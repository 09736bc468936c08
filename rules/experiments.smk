# One training job per catalogue entry and seed.


include: "experiment_inputs.smk"


rule train:
    input:
        unpack(train_inputs),
        [] if ON_CPU else device_check,
    output:
        **train_outputs(CATALOGUE_RUN),
    log:
        run_log(CATALOGUE_RUN),
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
        gpu=0 if ON_CPU else train_gpus,
    params:
        **train_params(name="{experiment}"),
    message:
        "{rule} [{wildcards}]: log {log}"
    script:
        "../scripts/train.py"
