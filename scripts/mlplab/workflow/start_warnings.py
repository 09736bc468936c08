"""What a start says before anything runs, without stopping it: the lines a user should read before
leaving a run to itself. The main Snakemake process prints them (rules/common.smk), once per start;
a large sweep's cost line is printed beside its rules (rules/sweep_inputs.smk). Torch-free.
"""

from __future__ import annotations

from mlplab.workflow.sweep_checks import entry_cost_line


def threads_warning(threads_per_job: int, cores: int | None, max_threads: int | None) -> str | None:
    """Why a training job will get fewer threads than `threads_per_job` asks, with the fix; None if it
    gets them. Snakemake lowers a rule's threads to `--max-threads` and to the cores it may use (`cores`
    in a profile or `--cores`, per job on a cluster) without a word, and the runs record the lower count."""
    if max_threads is not None and max_threads < threads_per_job and (cores is None or max_threads <= cores):
        given, limit, raise_it = max_threads, f"--max-threads {max_threads}", "--max-threads"
    elif cores is not None and cores < threads_per_job:
        given, limit = cores, f"cores: {cores}, from --cores or the profile's `cores:`"
        raise_it = "cores (`--cores`, or `cores:` in the profile)"
    else:
        return None
    return (
        f"threads_per_job: {threads_per_job} asks for more threads than a job may use here ({limit}), so "
        f"Snakemake lowers every training job to {given} thread{'s' * (given != 1)}: set threads_per_job: "
        f"{given} in config.yaml, or raise {raise_it} to {threads_per_job}"
    )


def start_warnings(config: dict, cores: int | None, max_threads: int | None) -> list[str]:
    """Every line a start prints: each catalogue entry whose job time exceeds a day, then the threads."""
    seeds = len(config["seeds"])
    lines = [entry_cost_line(name, entry, seeds) for name, entry in config["experiments"].items()]
    lines.append(threads_warning(config["threads_per_job"], cores, max_threads))
    return [line for line in lines if line]
