# Activation functions and numerical stability: curves, no training.


rule activations:
    input:
        lib("analyses", "seeding"),
    output:
        curves="results/analyses/activations.csv",
    params:
        grid=as_json(config["analyses"]["activations"]),
        functions=["relu", "sigmoid", "tanh"],
    log:
        "logs/analyses/activations.log",
    benchmark:
        "results/benchmarks/analyses/activations.tsv"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/activations.py"


rule vanishing_gradient:
    input:
        lib("analyses", "seeding"),
    output:
        curves="results/analyses/vanishing_gradient.csv",
    params:
        grid=as_json(config["analyses"]["vanishing_gradient"]),
        functions=["sigmoid"],
    log:
        "logs/analyses/vanishing_gradient.log",
    benchmark:
        "results/benchmarks/analyses/vanishing_gradient.tsv"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/activations.py"


rule exploding_gradient:
    input:
        lib("analyses", "seeding"),
    output:
        curves="results/analyses/exploding_gradient.csv",
    params:
        args=as_json(config["analyses"]["exploding_gradient"]),
    log:
        "logs/analyses/exploding_gradient.log",
    benchmark:
        "results/benchmarks/analyses/exploding_gradient.tsv"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/exploding_gradient.py"
