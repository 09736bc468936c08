# The device the config asks for, checked once where training runs, before any classifier trains: only
# when it may be a GPU (device: cuda or auto); with device: cpu there is no such job.


rule check_device:
    input:
        lib("check_device.py"),
    output:
        # Removed once the classifiers that need it have trained, so that the check runs again, on the
        # machine at hand, whenever one trains, and never makes a finished run look out of date.
        temp("results/device.json"),
    log:
        "logs/check_device.log",
    benchmark:
        "results/benchmarks/check_device.tsv"
    conda:
        "../envs/mlplab.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
        # Where training asks for a GPU (device: cuda), so does its check: on SLURM `--gpus=1`.
        gpu=int(config["device"] == "cuda"),
    params:
        device=config["device"],
    message:
        "{rule}: the device the config names"
    script:
        "../scripts/check_device.py"
