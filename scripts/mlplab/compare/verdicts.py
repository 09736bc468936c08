"""Each entry's final metrics judged, A against B: one verdict per entry × metric.

- identical: every seed's metrics.csv has the same SHA-256 on both sides (and the seeds are the same);
- config changed: the entry's config differs (keys changed, added, removed); decided without statistics;
- data changed: a seed both sides ran trained on other data (its data fingerprints differ); decided
  without statistics, and never where a side's records have no fingerprints (those data are unknown);
- diverged: a run of the entry diverged on either side;
- within noise / changed: same config; "changed" when the Holm-adjusted p-value (paired t-test where both
  sides completed the same seeds, Welch's t-test otherwise) is below the level AND |B − A| exceeds the
  metric's equivalence margin (`mlplab.presentation.margins`, relative ones of A's mean); "within noise"
  otherwise;
- not tested: fewer than 2 completed seeds on a side: no test can tell a change from noise, so it is not
  called noise either;
- only in A, only in B.

Beside the verdicts, each entry accounts for every seed folder: seeds on one side only, and unfinished runs
(`reading.Unfinished`), by seed; and the runs at chance (`run_reading.chance`) on each side. Each of these
fails `--fail-on-change` (seeds on one side only not with --allow-seed-difference), as the failing
verdicts do.

The statistics are `mlplab.presentation.stats`'.
"""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mlplab.compare.provenance import data_differences, few, provenance
from mlplab.compare.reading import BadInput, Results, Run, Unfinished, entry_label
from mlplab.presentation import sequential, stats
from mlplab.presentation.formatting import NO_VALUE
from mlplab.presentation.margins import Margin, margin_of
from mlplab.workflow.config_diff import config_changes

IDENTICAL = "identical"
CONFIG_CHANGED = "config changed"
DATA_CHANGED = "data changed"
DIVERGED = "diverged"
WITHIN_NOISE = "within noise"
CHANGED = "changed"
NOT_TESTED = "not tested"
ONLY_A = "only in A"
ONLY_B = "only in B"
FAILING = (CHANGED, NOT_TESTED, CONFIG_CHANGED, DATA_CHANGED, DIVERGED, ONLY_A, ONLY_B)
VERDICTS = (IDENTICAL, WITHIN_NOISE, *FAILING)

MIN_SEEDS = 2  # completed seeds a side needs for a test


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
    verdict: str = NOT_TESTED
    note: str = ""
    pairing: str = ""  # which seeds the test paired, or that it paired none (Welch's)
    # Where the entry's config changed: B − A paired by seed, decided as `decide` decides (one look).
    decision: sequential.Decision | None = None

    @property
    def n(self) -> int:
        """The completed seeds of the side with fewer."""
        return min(self.a.n if self.a else 0, self.b.n if self.b else 0)


@dataclass
class Entry:
    entry: str
    kind: str  # "" where neither side has a finished run
    runs_a: list[Run]
    runs_b: list[Run]
    unfinished_a: list[Unfinished] = field(default_factory=list)
    unfinished_b: list[Unfinished] = field(default_factory=list)
    verdict: str | None = None  # decided for the whole entry before any statistics
    config_changes: list[str] = field(default_factory=list)
    data_changes: list[str] = field(default_factory=list)
    diverged: list[str] = field(default_factory=list)
    chance_a: dict[int, str] = field(default_factory=dict)  # seed → why it is at chance
    chance_b: dict[int, str] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)

    @property
    def label(self) -> str:
        return entry_label(self.entry)

    @property
    def seeds_a(self) -> set[int]:
        """A's seed folders, finished or not."""
        return {r.seed for r in self.runs_a} | {u.seed for u in self.unfinished_a}

    @property
    def seeds_b(self) -> set[int]:
        return {r.seed for r in self.runs_b} | {u.seed for u in self.unfinished_b}

    @property
    def seeds_differ(self) -> bool:
        """Both sides have the entry, with other seed folders (an entry on one side only is that)."""
        return bool(self.seeds_a and self.seeds_b and self.seeds_a != self.seeds_b)

    @property
    def unfinished(self) -> int:
        return len(self.unfinished_a) + len(self.unfinished_b)

    @property
    def chance_differs(self) -> bool:
        """A run at chance on one side only: a seed both sides ran at chance on one of them, or runs at
        chance on one side and none on the other."""
        if not (self.runs_a and self.runs_b):
            return False
        paired = {r.seed for r in self.runs_a} & {r.seed for r in self.runs_b}
        if any((seed in self.chance_a) != (seed in self.chance_b) for seed in paired):
            return True
        return bool(self.chance_a) != bool(self.chance_b)


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
    allow_seed_difference: bool = False
    same_folder: bool = False  # A and B are one folder: every run compared with itself

    @property
    def rows(self) -> list[Row]:
        return [row for entry in self.entries for row in entry.rows]

    def counts(self) -> Counter:
        return Counter(row.verdict for row in self.rows)

    def entry_fails(self, entry: Entry) -> bool:
        """Whether the entry fails --fail-on-change for its seeds or its runs at chance."""
        return bool(
            entry.unfinished
            or (entry.seeds_differ and not self.allow_seed_difference)
            or entry.chance_differs
        )

    def failing(self) -> list[str]:
        """What fails --fail-on-change, counted: '2 changed', '1 unfinished run', ...; empty when nothing."""
        counts = self.counts()
        found = [f"{counts[v]} {v}" for v in VERDICTS if v in FAILING and counts[v]]
        unfinished = sum(e.unfinished for e in self.entries)
        seeds = sum(e.seeds_differ for e in self.entries) if not self.allow_seed_difference else 0
        at_chance = sum(e.chance_differs for e in self.entries)
        for n, one, many in (
            (unfinished, "unfinished run", "unfinished runs"),
            (seeds, "entry whose seeds differ", "entries whose seeds differ"),
            (at_chance, "entry at chance on one side only", "entries at chance on one side only"),
        ):
            if n:
                found.append(f"{n} {one if n == 1 else many}")
        return found


def compare(
    a: Results,
    b: Results,
    *,
    level: float = stats.LEVEL,
    margins: dict[str, Margin] | None = None,
    allow_seed_difference: bool = False,
) -> Comparison:
    """A's and B's results folders (as `reading.load_results` gives them) judged; `margins` overrides the
    default margin of the metrics it names; `allow_seed_difference` lets seeds on one side only pass
    --fail-on-change (they are named all the same)."""
    margins = margins or {}
    if not a.entries & b.entries:
        raise BadInput(f"{a.folder} and {b.folder} have no entry in common (A: {names(a)}; B: {names(b)})")
    entries = []
    for name in sorted(a.entries | b.entries, key=entry_label):
        runs_a, runs_b = a.runs.get(name, []), b.runs.get(name, [])
        kind = (runs_a or runs_b)[0].record.kind if runs_a or runs_b else ""
        entry = Entry(name, kind, runs_a, runs_b, a.unfinished.get(name, []), b.unfinished.get(name, []))
        entry_verdict(entry)
        entries.append(entry)
    metrics = dict.fromkeys(c for e in entries for r in e.runs_a + e.runs_b for c in r.columns)
    unknown = sorted(margins.keys() - metrics.keys())
    if unknown:
        raise BadInput(f"--margin names {', '.join(unknown)}, a metric neither {a.folder} nor {b.folder} has")
    used = {metric: margins.get(metric, margin_of(metric)) for metric in metrics}
    for entry in entries:
        entry.rows = metric_rows(entry, used)
    tests = apply_holm([row for e in entries for row in e.rows], used, level)
    differences, sides = provenance([(e.label, e.runs_a, e.runs_b) for e in entries])
    return Comparison(
        a.folder,
        b.folder,
        level,
        used,
        set(margins),
        entries,
        differences,
        sides,
        tests,
        allow_seed_difference=allow_seed_difference,
        same_folder=a.folder.resolve() == b.folder.resolve(),
    )


def names(results: Results) -> str:
    return few([entry_label(e) for e in sorted(results.entries)])


def seeds_text(seeds: Iterable[int]) -> str:
    """'seed 2', 'seeds 0, 1, 2'."""
    ordered = sorted(seeds)
    return f"seed{'s' if len(ordered) != 1 else ''} {', '.join(map(str, ordered))}"


def config_key(config: dict) -> str:
    return json.dumps(config, sort_keys=True)


def entry_verdict(entry: Entry) -> None:
    """The runs diverged and at chance on each side; then the verdicts decided for the whole entry, in order:
    only in one folder (or no finished run on a side: not tested), config, data, identical, diverged."""
    a, b = entry.runs_a, entry.runs_b
    for side, runs, at_chance in (("A", a, entry.chance_a), ("B", b, entry.chance_b)):
        for run in runs:
            if not run.ok:
                epoch = run.record.diverged_at_epoch
                entry.diverged.append(f"{side} seed{run.seed}" + (f" at epoch {epoch}" if epoch else ""))
            elif (why := run.chance) is not None:
                at_chance[run.seed] = why
    if not b or not a:
        if (not a and entry.unfinished_a) or (not b and entry.unfinished_b):
            entry.verdict = NOT_TESTED  # the entry is there, but no run of it finished
        else:
            entry.verdict = ONLY_A if not b else ONLY_B
        return
    configs_a = {config_key(r.record.config) for r in a}
    configs_b = {config_key(r.record.config) for r in b}
    if configs_a != configs_b or len(configs_a) > 1:
        entry.verdict = CONFIG_CHANGED
        entry.config_changes = config_changes(a[0].record.config, b[0].record.config)
        for side, configs in (("A", configs_a), ("B", configs_b)):
            if len(configs) > 1:
                entry.config_changes.append(f"{side}'s seeds ran {len(configs)} different configs")
        return
    entry.data_changes = data_changes(a, b)
    if entry.data_changes:
        entry.verdict = DATA_CHANGED
    elif {r.seed: r.record.metrics_sha256 for r in a} == {r.seed: r.record.metrics_sha256 for r in b}:
        entry.verdict = IDENTICAL
    elif entry.diverged:
        entry.verdict = DIVERGED


def data_changes(a: list[Run], b: list[Run]) -> list[str]:
    """'key: old → new (seeds …)' for each fingerprint key that differs between the seeds both sides ran,
    where both records have fingerprints."""
    by_change: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for ra in a:
        for rb in b:
            if ra.seed == rb.seed and ra.record.data is not None and rb.record.data is not None:
                for change in data_differences(ra.record.data, rb.record.data):
                    by_change[change].append(ra.seed)
    return [f"{key}: {old} → {new} ({seeds_text(seeds)})" for (key, old, new), seeds in by_change.items()]


def estimate(values: list[float], metric: str) -> stats.Estimate | None:
    """The mean and its interval, clipped to what the metric can be, as the pages clip it."""
    return stats.mean_ci(values).within(metric) if values else None


def metric_rows(entry: Entry, margins: dict[str, Margin]) -> list[Row]:
    """A row per metric either side recorded, with the estimates and (where it gets that far) the test;
    where the entry's config changed, the change's effect paired by seed (`config_effect`)."""
    metrics = list(dict.fromkeys(c for run in entry.runs_a + entry.runs_b for c in run.columns))
    if not metrics:  # no finished run on either side: one row that says so
        return [Row(entry.entry, NO_VALUE, None, None, verdict=entry.verdict or NOT_TESTED)]
    rows = []
    for metric in metrics:
        by_seed_a = {r.seed: v for r in entry.runs_a if (v := r.final(metric)) is not None}
        by_seed_b = {r.seed: v for r in entry.runs_b if (v := r.final(metric)) is not None}
        row = Row(
            entry.entry,
            metric,
            estimate(list(by_seed_a.values()), metric),
            estimate(list(by_seed_b.values()), metric),
        )
        if row.a and row.b:
            row.difference = row.b.mean - row.a.mean
        in_a = any(metric in r.columns for r in entry.runs_a)
        in_b = any(metric in r.columns for r in entry.runs_b)
        if entry.verdict is not None:
            row.verdict = entry.verdict
            if entry.verdict == CONFIG_CHANGED and row.a is not None:
                row.decision = config_effect(by_seed_a, by_seed_b, margins[metric].of(row.a.mean), metric)
        elif not (in_a and in_b):
            row.verdict = ONLY_A if in_a else ONLY_B
        else:
            run_test(row, by_seed_a, by_seed_b)
        rows.append(row)
    return rows


def config_effect(
    a: dict[int, float], b: dict[int, float], margin: float, metric: str
) -> sequential.Decision | None:
    """What a config change did to a metric: B − A over the seeds both sides ran (the runs of one seed
    share their initial weights and batch order, so they pair), decided at the whole level as `decide`
    decides one look (better, worse, equivalent within the margin, or undecided with the seeds it would
    need); None with fewer than two seeds in common."""
    seeds = sorted(a.keys() & b.keys())
    if len(seeds) < 2:
        return None
    differences = [b[s] - a[s] for s in seeds]
    better = stats.higher_is_better(metric)
    return sequential.decide_once(
        differences, margin, stats.difference_range(metric), higher_is_better=better
    )


def run_test(row: Row, a: dict[int, float], b: dict[int, float]) -> None:
    """Paired t-test when both sides have the same seeds, Welch's otherwise; too few seeds: not tested."""
    if len(a) < MIN_SEEDS or len(b) < MIN_SEEDS:
        row.verdict = NOT_TESTED
        row.note = (
            f"fewer than {MIN_SEEDS} completed seeds on a side (A {len(a)}, B {len(b)}): no test, "
            "no noise estimate"
        )
    elif a.keys() == b.keys():
        seeds = sorted(a)
        row.test = stats.paired_difference([a[s] for s in seeds], [b[s] for s in seeds])
        row.detectable = stats.detectable_difference(row.test.sd, len(seeds), paired=True)
        row.pairing = f"paired t-test on {seeds_text(seeds)}"
    else:
        row.test = stats.welch_difference(list(a.values()), list(b.values()))
        row.detectable = stats.detectable_difference(row.test.sd, min(len(a), len(b)), paired=False)
        row.pairing = f"Welch's t-test, no seed paired (A {seeds_text(a.keys())}; B {seeds_text(b.keys())})"


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
