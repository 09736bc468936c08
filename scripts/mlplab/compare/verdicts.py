"""Each entry's final metrics judged, A against B: one verdict per entry × metric.

- identical: every seed's metrics.csv has the same SHA-256 on both sides (and the seeds are the same);
- config changed: the entry's config differs (keys changed, added, removed); decided without statistics;
- diverged: a run of the entry diverged on either side;
- within noise / changed: same config; "changed" when the Holm-adjusted p-value (paired t-test where both
  sides ran the same seeds, Welch's t-test otherwise) is below the level AND |B − A| exceeds the metric's
  equivalence margin (`mlplab.presentation.margins`, relative ones of A's mean); "within noise" otherwise;
- only in A, only in B.

The statistics are `mlplab.presentation.stats`'.
"""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from mlplab.compare.provenance import few, provenance
from mlplab.compare.reading import BadInput, Run, entry_label
from mlplab.presentation import stats
from mlplab.presentation.margins import Margin, margin_of

IDENTICAL = "identical"
CONFIG_CHANGED = "config changed"
DIVERGED = "diverged"
WITHIN_NOISE = "within noise"
CHANGED = "changed"
ONLY_A = "only in A"
ONLY_B = "only in B"
VERDICTS = (IDENTICAL, WITHIN_NOISE, CHANGED, CONFIG_CHANGED, DIVERGED, ONLY_A, ONLY_B)
FAILING = (CHANGED, CONFIG_CHANGED, DIVERGED, ONLY_A, ONLY_B)

TOO_FEW_SEEDS = "fewer than 2 seeds on a side: no test, no noise estimate"


@dataclass
class Row:
    """One entry × metric."""

    entry: str
    metric: str
    a: stats.Estimate | None
    b: stats.Estimate | None
    difference: float | None = None
    test: stats.Difference | None = None
    p_holm: float | None = None
    detectable: float | None = None
    verdict: str = WITHIN_NOISE
    note: str = ""


@dataclass
class Entry:
    entry: str
    kind: str
    runs_a: list[Run]
    runs_b: list[Run]
    verdict: str | None = None  # decided for the whole entry before any statistics
    config_changes: list[str] = field(default_factory=list)
    diverged: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)

    @property
    def label(self) -> str:
        return entry_label(self.entry)


@dataclass
class Comparison:
    a: Path
    b: Path
    level: float
    margins: dict[str, Margin]  # per metric, as used
    overrides: set[str]  # metrics whose margin --margin set
    entries: list[Entry]
    provenance: list[str]  # differences, one line each
    provenance_sides: dict[str, tuple[str, str]]  # fact -> (A's values, B's values)
    tests: int  # comparisons Holm corrected over

    @property
    def rows(self) -> list[Row]:
        return [row for entry in self.entries for row in entry.rows]

    def counts(self) -> Counter:
        return Counter(row.verdict for row in self.rows)

    def failing(self) -> Counter:
        return Counter({v: n for v, n in self.counts().items() if v in FAILING})


def compare(
    a: dict[str, list[Run]],
    b: dict[str, list[Run]],
    *,
    paths: tuple[Path, Path],
    level: float = stats.LEVEL,
    margins: dict[str, Margin] | None = None,
) -> Comparison:
    """A's and B's runs (by entry, as `reading.load_results` gives them) judged; `margins` overrides the
    default margin of the metrics it names."""
    margins = margins or {}
    if not a.keys() & b.keys():
        raise BadInput(f"{paths[0]} and {paths[1]} have no entry in common (A: {names(a)}; B: {names(b)})")
    entries = []
    for name in sorted(a.keys() | b.keys(), key=entry_label):
        runs_a, runs_b = a.get(name, []), b.get(name, [])
        entry = Entry(name, (runs_a or runs_b)[0].record.kind, runs_a, runs_b)
        entry_verdict(entry)
        entries.append(entry)
    metrics = dict.fromkeys(c for e in entries for r in e.runs_a + e.runs_b for c in r.columns)
    unknown = sorted(margins.keys() - metrics.keys())
    if unknown:
        raise BadInput(f"--margin names {', '.join(unknown)}, a metric neither {paths[0]} nor {paths[1]} has")
    used = {metric: margins.get(metric, margin_of(metric)) for metric in metrics}
    for entry in entries:
        entry.rows = metric_rows(entry)
    tests = apply_holm([row for e in entries for row in e.rows], used, level)
    differences, sides = provenance([(e.label, e.runs_a, e.runs_b) for e in entries])
    return Comparison(paths[0], paths[1], level, used, set(margins), entries, differences, sides, tests)


def names(results: dict[str, list[Run]]) -> str:
    return few([entry_label(e) for e in results])


def config_changes(old: dict, new: dict) -> list[str]:
    """Keys changed (old → new), added and removed, in key order."""
    changes = []
    for key in sorted(old.keys() | new.keys()):
        if key not in new:
            changes.append(f"removed {key} (was {json.dumps(old[key])})")
        elif key not in old:
            changes.append(f"added {key} = {json.dumps(new[key])}")
        elif old[key] != new[key]:
            changes.append(f"{key}: {json.dumps(old[key])} → {json.dumps(new[key])}")
    return changes


def config_key(config: dict) -> str:
    return json.dumps(config, sort_keys=True)


def entry_verdict(entry: Entry) -> None:
    """The verdicts decided for the whole entry, in order: only in one folder, config, identical, diverged."""
    a, b = entry.runs_a, entry.runs_b
    if not b or not a:
        entry.verdict = ONLY_A if not b else ONLY_B
        return
    configs_a, configs_b = {config_key(r.config) for r in a}, {config_key(r.config) for r in b}
    if configs_a != configs_b or len(configs_a) > 1:
        entry.verdict = CONFIG_CHANGED
        entry.config_changes = config_changes(a[0].config, b[0].config)
        for side, configs in (("A", configs_a), ("B", configs_b)):
            if len(configs) > 1:
                entry.config_changes.append(f"{side}'s seeds ran {len(configs)} different configs")
        return
    if {r.seed: r.sha256 for r in a} == {r.seed: r.sha256 for r in b}:
        entry.verdict = IDENTICAL
        return
    for side, runs in (("A", a), ("B", b)):
        for run in runs:
            if run.diverged:
                epoch = run.record.diverged_at_epoch
                entry.diverged.append(f"{side} seed{run.seed}" + (f" at epoch {epoch}" if epoch else ""))
    if entry.diverged:
        entry.verdict = DIVERGED


def estimate(values: list[float]) -> stats.Estimate | None:
    return stats.mean_ci(values) if values else None


def metric_rows(entry: Entry) -> list[Row]:
    """A row per metric either side recorded, with the estimates and (where it gets that far) the test."""
    metrics = list(dict.fromkeys(c for run in entry.runs_a + entry.runs_b for c in run.columns))
    rows = []
    for metric in metrics:
        by_seed_a = {r.seed: v for r in entry.runs_a if (v := r.final(metric)) is not None}
        by_seed_b = {r.seed: v for r in entry.runs_b if (v := r.final(metric)) is not None}
        row = Row(entry.entry, metric, estimate(list(by_seed_a.values())), estimate(list(by_seed_b.values())))
        if row.a and row.b:
            row.difference = row.b.mean - row.a.mean
        in_a = any(metric in r.columns for r in entry.runs_a)
        in_b = any(metric in r.columns for r in entry.runs_b)
        if entry.verdict is not None:
            row.verdict = entry.verdict
        elif not (in_a and in_b):
            row.verdict = ONLY_A if in_a else ONLY_B
        else:
            run_test(row, by_seed_a, by_seed_b)
        rows.append(row)
    return rows


def run_test(row: Row, a: dict[int, float], b: dict[int, float]) -> None:
    """Paired t-test when both sides have the same seeds, Welch's otherwise; too few seeds: no test."""
    if a.keys() == b.keys() and len(a) >= 2:
        seeds = sorted(a)
        row.test = stats.paired_difference([a[s] for s in seeds], [b[s] for s in seeds])
        row.detectable = stats.detectable_difference(row.test.sd, len(seeds), paired=True)
    elif len(a) >= 2 and len(b) >= 2:
        row.test = stats.welch_difference(list(a.values()), list(b.values()))
        row.detectable = stats.detectable_difference(row.test.sd, min(len(a), len(b)), paired=False)
    else:
        row.note = TOO_FEW_SEEDS


def apply_holm(rows: list[Row], margins: dict[str, Margin], level: float) -> int:
    """Holm across every tested comparison, then the verdicts; returns how many were tested."""
    tested = [(row, row.test) for row in rows if row.test is not None]
    for (row, test), p in zip(tested, stats.holm([test.p for _, test in tested]), strict=True):
        row.p_holm = p
        # A tested row has values on both sides, so A's estimate is there.
        assert row.a is not None
        margin = margins[row.metric].of(row.a.mean)
        row.verdict = CHANGED if p < level and abs(test.difference) > margin else WITHIN_NOISE
    return len(tested)


def typical_detectable(rows: list[Row], level: float) -> dict[str, tuple[int, float]]:
    """Per metric, the typical case: the usual number of seeds n and the median over entries of the smallest
    difference n seeds detect, from the sd between seeds (both sides pooled) as for two independent groups.
    A row's own `detectable` is instead that of the test it ran (paired differences can have far less
    spread)."""
    by_metric: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for row in rows:
        if row.a and row.b and row.a.sd is not None and row.b.sd is not None:
            n, sd = min(row.a.n, row.b.n), math.sqrt((row.a.sd**2 + row.b.sd**2) / 2)
            by_metric[row.metric].append((n, stats.detectable_difference(sd, n, paired=False, level=level)))
    return {
        metric: (Counter(n for n, _ in found).most_common(1)[0][0], statistics.median(d for _, d in found))
        for metric, found in by_metric.items()
    }
