# Activation functions and numerical stability: curves, no training (scripts/mlplab/catalogue.py, ANALYSES).


rule analysis:
    input:
        lib("analysis.py"),
    output:
        "results/analyses/{analysis}.csv",
    log:
        "logs/analyses/{analysis}.log",
    benchmark:
        "results/benchmarks/analyses/{analysis}.tsv"
    wildcard_constraints:
        analysis="|".join(ANALYSES),
    conda:
        "../envs/mlplab.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        function=lambda wildcards: ANALYSES[wildcards.analysis].function,
        args=lambda wildcards: canonical(
            {**config["analyses"][wildcards.analysis], **ANALYSES[wildcards.analysis].fixed}
        ),
    script:
        "../scripts/analysis.py"
