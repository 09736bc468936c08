"""What made each run, compared run by run: package versions, device, GPU, hostname, git commit and threads,
read from the run records. Per run, because a results folder can mix commits after a partial rerun."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from mlplab.compare.reading import Run
from mlplab.presentation.formatting import NO_VALUE

FACTS = ("python", "torch", "torchvision", "numpy", "pandas", "snakemake")
UNKNOWN = "unknown"


def known(value: object) -> str:
    return UNKNOWN if value is None else str(value)


def run_facts(run: Run) -> dict[str, str]:
    """What made one run: package versions, device, GPU, hostname, git commit, threads."""
    record = run.record
    facts = {name: str(version) for name, version in (record.versions or {}).items()}
    facts["device"] = known(record.device)
    gpu = record.gpu
    facts["GPU"] = (
        f"{gpu.get('name')} ({gpu.get('memory_gb')} GiB, CUDA {gpu.get('cuda')}, driver {gpu.get('driver')})"
        if isinstance(gpu, dict)
        else "none"
    )
    facts["hostname"] = known((record.machine or {}).get("hostname"))
    git = record.git
    facts["git commit"] = (
        known(git.get("commit"))[:12] + (" (dirty)" if git.get("dirty") else "")
        if isinstance(git, dict)
        else UNKNOWN
    )
    facts["threads"] = known(record.threads)
    return facts


def fact_order(name: str) -> tuple[int, str]:
    order = [*FACTS, "device", "GPU", "hostname", "git commit", "threads"]
    return (order.index(name), name) if name in order else (len(FACTS), name)


def provenance(
    entries: list[tuple[str, list[Run], list[Run]]],
) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """Given each entry's label and runs on side A and side B: the differences between the runs both sides
    have (same entry and seed), grouped as 'fact: old → new (which runs)'; and each side's values per fact
    over all its runs."""
    pairs = [
        (label, ra, rb)
        for label, runs_a, runs_b in entries
        for ra in runs_a
        for rb in runs_b
        if ra.seed == rb.seed
    ]
    changed: dict[tuple[str, str, str], list[str]] = {}
    for label, ra, rb in pairs:
        fa, fb = run_facts(ra), run_facts(rb)
        for fact in fa.keys() | fb.keys():
            old, new = fa.get(fact, UNKNOWN), fb.get(fact, UNKNOWN)
            if old != new:
                changed.setdefault((fact, old, new), []).append(f"{label} seed{ra.seed}")
    lines = []
    for (fact, old, new), runs in sorted(changed.items(), key=lambda item: (fact_order(item[0][0]), item[0])):
        which = "all runs" if len(runs) == len(pairs) else f"{len(runs)} of {len(pairs)} runs: {few(runs)}"
        lines.append(f"{fact}: {old} → {new} ({which})")
    sides = {}
    facts_a = [run_facts(r) for _, runs_a, _ in entries for r in runs_a]
    facts_b = [run_facts(r) for _, _, runs_b in entries for r in runs_b]
    for fact in sorted({f for facts in facts_a + facts_b for f in facts}, key=fact_order):
        sides[fact] = (
            tally(f.get(fact, UNKNOWN) for f in facts_a),
            tally(f.get(fact, UNKNOWN) for f in facts_b),
        )
    return lines, sides


def few(items: list[str], limit: int = 4) -> str:
    return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")


def tally(values: Iterable[str]) -> str:
    """'2.14.1' when every run agrees, else '2.14.1 (10 runs), 2.15.0 (4 runs)'."""
    counts = Counter(values)
    if len(counts) <= 1:
        return next(iter(counts), NO_VALUE)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{value} ({n} runs)" for value, n in ordered)
