# Activation functions and numerical stability: curves, no training.


rule activations:
    input:
        lib("analyses", "seeding"),
    output:
        curves="results/analyses/activations.csv",
    log:
        "logs/analyses/activations.log",
    benchmark:
        "results/benchmarks/analyses/activations.tsv"
    conda:
        "../envs/mlplab.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        grid=as_json(config["analyses"]["activations"]),
        functions=["relu", "sigmoid", "tanh"],
    script:
        "../scripts/activations.py"


rule vanishing_gradient:
    input:
        lib("analyses", "seeding"),
    output:
        curves="results/analyses/vanishing_gradient.csv",
    log:
        "logs/analyses/vanishing_gradient.log",
    benchmark:
        "results/benchmarks/analyses/vanishing_gradient.tsv"
    conda:
        "../envs/mlplab.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        grid=as_json(config["analyses"]["vanishing_gradient"]),
        functions=["sigmoid"],
    script:
        "../scripts/activations.py"


rule exploding_gradient:
    input:
        lib("analyses", "seeding"),
    output:
        curves="results/analyses/exploding_gradient.csv",
    log:
        "logs/analyses/exploding_gradient.log",
    benchmark:
        "results/benchmarks/analyses/exploding_gradient.tsv"
    conda:
        "../envs/mlplab.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        args=as_json(config["analyses"]["exploding_gradient"]),
    script:
        "../scripts/exploding_gradient.py"
