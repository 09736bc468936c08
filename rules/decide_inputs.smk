# Inputs of the rules in rules/decide.smk: what each look of `decide` reads (scripts/mlplab/workflow/looks.py).

from mlplab.workflow.looks import PLANS, folders_read, look_reads, plan_file


def folder_files(folder):
    """The files of a run folder under results/ that its training job writes (`train_outputs`)."""
    return list(train_outputs(folder.removeprefix(f"{RESULTS}/")).values())


def plan_inputs(wildcards):
    """A look's plan reads the previous look's plan (a checkpoint: the DAG is planned again once it is
    made) and the runs it names, or at the first look every comparison's."""
    sweep, look = SWEEPS[wildcards.sweep], int(wildcards.look)
    previous = None
    if look:
        previous = checkpoints.decide_plan.get(sweep=wildcards.sweep, look=look - 1).output[0]
    folders = look_reads(sweep, LOOKS, look, previous)
    runs = [f for found in folders.values() for folder in found for f in folder_files(folder)]
    return {"previous": previous or [], "runs": runs}


def decided_runs(wildcards):
    """Every run the sweeps' last plans read: asked for by the target, so that a deleted one is trained
    again (its block), and the plans that read it made again."""
    last = len(LOOKS) - 1
    plans = [checkpoints.decide_plan.get(sweep=name, look=last).output[0] for name in SWEEPS]
    return [f for plan in plans for folder in folders_read(plan) for f in folder_files(folder)]
