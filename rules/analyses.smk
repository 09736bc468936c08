# Activation functions, numerical stability and the notes' printed demonstrations: tables that need no
# training (scripts/mlplab/workflow/catalogue.py, ANALYSES).


rule analysis:
    input:
        # The module the analysis names and what it imports: editing models.py reruns the dropout demo only.
        lambda wildcards: lib("analysis.py", ANALYSES[wildcards.analysis].module),
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
        args=analysis_args,
    message:
        "{rule} [{wildcards}]"
    script:
        "../scripts/analysis.py"
