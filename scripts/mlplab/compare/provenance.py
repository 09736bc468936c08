"""What made each run, compared run by run: package versions, device, GPU, hostname, git commit, threads and
the data it trained on, read from the run records. Per run, because a results folder can mix commits after
a partial rerun.

The data are compared by their fingerprints (run.json's `data`: per data file an object whose inner
objects are opaque here), key by key, so that a difference names what differs (`polynomial.generator.
noise_std: 0.1 → 0.2`). A record written before fingerprints has none: its data are unknown, never changed.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable

from mlplab.compare.reading import Run
from mlplab.presentation.formatting import NO_VALUE

FACTS = ("python", "torch", "torchvision", "numpy", "pandas", "snakemake")
UNKNOWN = "unknown"
DATA = "data"
ABSENT = "absent"
SHA256 = re.compile(r"[0-9a-f]{64}")


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
    facts[DATA] = data_summary(record.data)
    return facts


def data_summary(data: dict | None) -> str:
    """A run's data in a few words: each file's name and its fingerprint's SHA-256, shortened."""
    if data is None:
        return UNKNOWN
    return ", ".join(
        f"{name} {value_text(print_.get('sha256') if isinstance(print_, dict) else print_)}"
        for name, print_ in sorted(data.items())
    )


def flat(data: dict, prefix: str = "") -> dict[str, object]:
    """Nested objects as dotted keys: {"polynomial": {"generator": {"noise_std": 0.1}}} →
    {"polynomial.generator.noise_std": 0.1}."""
    out: dict[str, object] = {}
    for key, value in data.items():
        if isinstance(value, dict) and value:
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def value_text(value: object) -> str:
    """A fingerprint's value: a SHA-256 shortened as git shortens commits, anything else as JSON."""
    if isinstance(value, str) and SHA256.fullmatch(value):
        return value[:12]
    return json.dumps(value)


def data_differences(old: dict, new: dict) -> list[tuple[str, str, str]]:
    """(dotted key, old value, new value) wherever two runs' data fingerprints differ, in key order."""
    a, b = flat(old), flat(new)
    return [
        (key, value_text(a[key]) if key in a else ABSENT, value_text(b[key]) if key in b else ABSENT)
        for key in sorted(a.keys() | b.keys())
        if a.get(key, ABSENT) != b.get(key, ABSENT) or (key in a) != (key in b)
    ]


def fact_order(name: str) -> tuple[int, str]:
    order = [*FACTS, "device", "GPU", "hostname", "git commit", "threads"]
    if name == DATA or name.startswith(f"{DATA} "):
        return (len(order) + 1, name)
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
    unknown: dict[str, list[str]] = {}
    for label, ra, rb in pairs:
        run = f"{label} seed{ra.seed}"
        fa, fb = run_facts(ra), run_facts(rb)
        for fact in (fa.keys() | fb.keys()) - {DATA}:
            old, new = fa.get(fact, UNKNOWN), fb.get(fact, UNKNOWN)
            if old != new:
                changed.setdefault((fact, old, new), []).append(run)
        data_a, data_b = ra.record.data, rb.record.data
        if data_a is None or data_b is None:
            lacking = " and ".join(side for side, d in (("A's", data_a), ("B's", data_b)) if d is None)
            unknown.setdefault(lacking, []).append(run)
        else:
            for key, old, new in data_differences(data_a, data_b):
                changed.setdefault((f"{DATA} {key}", old, new), []).append(run)

    def which(runs: list[str]) -> str:
        return "all runs" if len(runs) == len(pairs) else f"{len(runs)} of {len(pairs)} runs: {few(runs)}"

    lines = []
    for (fact, old, new), runs in sorted(changed.items(), key=lambda item: (fact_order(item[0][0]), item[0])):
        lines.append(f"{fact}: {old} → {new} ({which(runs)})")
    for lacking, runs in sorted(unknown.items()):
        lines.append(f"{DATA}: {UNKNOWN}, {lacking} records have no data fingerprints ({which(runs)})")
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
