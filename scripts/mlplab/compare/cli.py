"""mlplab-compare A B: what changed between two results folders, beyond seed noise.

Reads the run folders (`seed<k>/` with run.json and metrics.csv) under two results folders, never runs
Snakemake, and gives each catalogue entry's final metrics one verdict:

- identical: every seed's metrics.csv has the same SHA-256 on both sides (and the seeds are the same);
- config changed: the entry's config differs (keys changed, added, removed); decided without statistics;
- diverged: a run of the entry diverged on either side;
- within noise / changed: same config; "changed" when the Holm-adjusted p-value (paired t-test where both
  sides ran the same seeds, Welch's t-test otherwise) is below the level AND |B − A| exceeds the metric's
  equivalence margin; "within noise" otherwise;
- only in A, only in B.

Entries are run folders' paths relative to the results folder without the `seed<k>` part (runs/mlp_concise,
sweeps/mlp_lr/lr~0.3), shown without a leading `runs/`. Provenance (package versions, device, GPU,
hostname, git commit, threads) is read per run, and differences are listed for the runs both sides have.

Exit status: 0, or 1 with --fail-on-change when any verdict is changed, config changed, diverged or only in
one folder; 2 for bad input (one line on stderr naming the folder or file).
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import json
import math
import re
import statistics
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from mlplab.presentation import stats
from mlplab.presentation.svg import inline_svg
from mlplab.presentation.topics import TOPICS
from mlplab.workflow.provenance import sha256_file

PROG = "mlplab-compare"
SEED_FOLDER = re.compile(r"seed(\d+)")
REQUIRED_KEYS = ("experiment", "config", "seed", "status", "metrics_sha256")

IDENTICAL = "identical"
CONFIG_CHANGED = "config changed"
DIVERGED = "diverged"
WITHIN_NOISE = "within noise"
CHANGED = "changed"
ONLY_A = "only in A"
ONLY_B = "only in B"
VERDICTS = (IDENTICAL, WITHIN_NOISE, CHANGED, CONFIG_CHANGED, DIVERGED, ONLY_A, ONLY_B)
FAILING = (CHANGED, CONFIG_CHANGED, DIVERGED, ONLY_A, ONLY_B)

ACCURACY_MARGIN = 0.005  # absolute: half an accuracy point
RELATIVE_MARGIN = 0.05  # of A's mean: losses, w_norm and any other metric


class BadInput(Exception):
    """Input the comparison cannot use; the message is one line naming the folder or file."""


# ---- Reading a results folder ----


@dataclass
class Run:
    folder: Path
    seed: int
    record: dict
    columns: list[str]  # metrics.csv's columns after `epoch`
    rows: list[dict[str, float | None]]  # one per epoch, `epoch` included
    sha256: str

    @property
    def diverged(self) -> bool:
        return self.record["status"] != "ok"

    @property
    def config(self) -> dict:
        return self.record["config"]

    def final(self, metric: str) -> float | None:
        """The metric at the last completed epoch; None when missing or not finite."""
        value = self.rows[-1].get(metric) if self.rows else None
        return value if value is not None and math.isfinite(value) else None


def entry_label(entry: str) -> str:
    return entry.removeprefix("runs/")


def load_results(folder: Path | str) -> dict[str, list[Run]]:
    """Every run under a results folder, by entry (the run folder's path without `seed<k>`), by seed."""
    folder = Path(folder)
    if not folder.exists():
        raise BadInput(f"{folder}: no such folder")
    if not folder.is_dir():
        raise BadInput(f"{folder}: not a folder")
    found = [p.parent for name in ("run.json", "metrics.csv") for p in folder.rglob(name)]
    run_folders = sorted({p for p in found if SEED_FOLDER.fullmatch(p.name) and p != folder})
    if not any((p / "run.json").exists() for p in run_folders):
        raise BadInput(f"{folder}: not a results folder (no run.json in a seed<k> folder under it)")
    entries: dict[str, list[Run]] = defaultdict(list)
    for run_folder in run_folders:
        entry = run_folder.parent.relative_to(folder).as_posix()
        entries[entry].append(load_run(run_folder))
    return {entry: sorted(runs, key=lambda r: r.seed) for entry, runs in sorted(entries.items())}


def load_run(folder: Path) -> Run:
    record = read_run_json(folder / "run.json")
    metrics = folder / "metrics.csv"
    if not metrics.is_file():
        raise BadInput(f"{metrics}: missing (run.json is there)")
    sha = sha256_file(metrics)
    if sha != record["metrics_sha256"]:
        raise BadInput(
            f"{metrics}: SHA-256 differs from run.json's metrics_sha256, so it was modified after the run"
        )
    columns, rows = read_metrics(metrics)
    seed = int(SEED_FOLDER.fullmatch(folder.name).group(1))
    return Run(folder, seed, record, columns, rows, sha)


def read_run_json(path: Path) -> dict:
    if not path.is_file():
        raise BadInput(f"{path}: missing (metrics.csv is there)")
    try:
        record = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BadInput(f"{path}: corrupt, not JSON ({error})") from None
    if not isinstance(record, dict):
        raise BadInput(f"{path}: corrupt, not a JSON object")
    missing = [key for key in REQUIRED_KEYS if key not in record]
    if missing:
        raise BadInput(f"{path}: corrupt, missing keys {', '.join(missing)}")
    if not isinstance(record["config"], dict):
        raise BadInput(f"{path}: corrupt, config is not an object")
    return record


def read_metrics(path: Path) -> tuple[list[str], list[dict[str, float | None]]]:
    """Columns after `epoch`, and the rows as numbers (an empty cell is None)."""
    try:
        lines = list(csv.reader(io.StringIO(path.read_text())))
    except (UnicodeDecodeError, csv.Error) as error:
        raise BadInput(f"{path}: corrupt ({error})") from None
    if not lines or not lines[0] or lines[0][0] != "epoch":
        raise BadInput(f"{path}: corrupt, the header does not start with epoch")
    header, rows = lines[0], []
    for number, line in enumerate(lines[1:], start=2):
        if len(line) != len(header):
            raise BadInput(f"{path}: corrupt, line {number} has {len(line)} fields, the header {len(header)}")
        try:
            rows.append(
                {name: float(cell) if cell else None for name, cell in zip(header, line, strict=True)}
            )
        except ValueError:
            raise BadInput(f"{path}: corrupt, line {number} holds a value that is not a number") from None
    return header[1:], rows


# ---- Margins ----


@dataclass(frozen=True)
class Margin:
    """The equivalence margin: differences inside it are never "changed"."""

    value: float
    relative: bool  # a fraction of A's mean, else absolute

    def of(self, a_mean: float) -> float:
        return self.value * abs(a_mean) if self.relative else self.value

    def __str__(self) -> str:
        return f"{self.value * 100:g} % of A's mean" if self.relative else f"{self.value:g} absolute"


def default_margin(metric: str) -> Margin:
    """Accuracies: half an accuracy point; losses, w_norm and anything else: 5 % of A's mean."""
    if "acc" in metric:
        return Margin(ACCURACY_MARGIN, relative=False)
    return Margin(RELATIVE_MARGIN, relative=True)


def parse_margin(text: str) -> tuple[str, Margin]:
    """METRIC=VALUE, VALUE absolute (0.01) or relative to A's mean (2%)."""
    metric, sep, value = text.partition("=")
    relative = value.strip().endswith("%")
    try:
        number = float(value.strip().removesuffix("%"))
    except ValueError:
        number = math.nan
    if not sep or not metric.strip() or not math.isfinite(number) or number < 0:
        raise argparse.ArgumentTypeError(
            f"expected METRIC=VALUE with VALUE a number ≥ 0, optionally with %, got {text!r}"
        )
    return metric.strip(), Margin(number / 100 if relative else number, relative)


# ---- The comparison ----


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
                epoch = run.record.get("diverged_at_epoch")
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
        row.note = "fewer than 2 seeds on a side: no test, no noise estimate"


def apply_holm(rows: list[Row], margins: dict[str, Margin], level: float) -> int:
    """Holm across every tested comparison, then the verdicts; returns how many were tested."""
    tested = [row for row in rows if row.test is not None]
    for row, p in zip(tested, stats.holm([row.test.p for row in tested]), strict=True):
        row.p_holm = p
        margin = margins[row.metric].of(row.a.mean)
        if p < level and abs(row.test.difference) > margin:
            row.verdict = CHANGED
        else:
            row.verdict = WITHIN_NOISE
    return len(tested)


def compare(
    a: dict[str, list[Run]],
    b: dict[str, list[Run]],
    *,
    paths: tuple[Path, Path],
    level: float = stats.LEVEL,
    margins: dict[str, Margin] | None = None,
) -> Comparison:
    if not a.keys() & b.keys():
        raise BadInput(f"{paths[0]} and {paths[1]} have no entry in common (A: {names(a)}; B: {names(b)})")
    entries = []
    for name in sorted(a.keys() | b.keys(), key=entry_label):
        runs_a, runs_b = a.get(name, []), b.get(name, [])
        kind = str((runs_a or runs_b)[0].config.get("kind", "unknown"))
        entry = Entry(name, kind, runs_a, runs_b)
        entry_verdict(entry)
        entries.append(entry)
    metrics = dict.fromkeys(c for e in entries for r in e.runs_a + e.runs_b for c in r.columns)
    unknown = sorted((margins or {}).keys() - metrics.keys())
    if unknown:
        raise BadInput(f"--margin names {', '.join(unknown)}, a metric neither {paths[0]} nor {paths[1]} has")
    used = {metric: (margins or {}).get(metric, default_margin(metric)) for metric in metrics}
    for entry in entries:
        entry.rows = metric_rows(entry)
    tests = apply_holm([row for e in entries for row in e.rows], used, level)
    differences, sides = provenance(entries)
    return Comparison(paths[0], paths[1], level, used, set(margins or {}), entries, differences, sides, tests)


def names(results: dict[str, list[Run]], limit: int = 4) -> str:
    labels = [entry_label(e) for e in results]
    return ", ".join(labels[:limit]) + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


# ---- Provenance, per run ----

FACTS = ("python", "torch", "torchvision", "numpy", "pandas", "snakemake")


def run_facts(run: Run) -> dict[str, str]:
    """What made one run: package versions, device, GPU, hostname, git commit, threads."""
    record = run.record
    facts = {name: str(version) for name, version in (record.get("versions") or {}).items()}
    facts["device"] = str(record.get("device", "unknown"))
    gpu = record.get("gpu")
    facts["GPU"] = (
        f"{gpu.get('name')} ({gpu.get('memory_gb')} GiB, CUDA {gpu.get('cuda')}, driver {gpu.get('driver')})"
        if isinstance(gpu, dict)
        else "none"
    )
    facts["hostname"] = str((record.get("machine") or {}).get("hostname", "unknown"))
    git = record.get("git")
    facts["git commit"] = (
        str(git.get("commit", "unknown"))[:12] + (" (dirty)" if git.get("dirty") else "")
        if isinstance(git, dict)
        else "unknown"
    )
    facts["threads"] = str(record.get("threads", "unknown"))
    return facts


def fact_order(name: str) -> tuple[int, str]:
    order = [*FACTS, "device", "GPU", "hostname", "git commit", "threads"]
    return (order.index(name), name) if name in order else (len(FACTS), name)


def provenance(entries: list[Entry]) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """Differences between the runs both sides have (same entry and seed), grouped as 'fact: old → new
    (which runs)'; and each side's values per fact over all its runs."""
    pairs = [
        (entry.label, ra, rb)
        for entry in entries
        for ra in entry.runs_a
        for rb in entry.runs_b
        if ra.seed == rb.seed
    ]
    changed: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for label, ra, rb in pairs:
        fa, fb = run_facts(ra), run_facts(rb)
        for fact in fa.keys() | fb.keys():
            old, new = fa.get(fact, "unknown"), fb.get(fact, "unknown")
            if old != new:
                changed[(fact, old, new)].append(f"{label} seed{ra.seed}")
    lines = []
    for (fact, old, new), runs in sorted(changed.items(), key=lambda item: (fact_order(item[0][0]), item[0])):
        which = "all runs" if len(runs) == len(pairs) else f"{len(runs)} of {len(pairs)} runs: {few(runs)}"
        lines.append(f"{fact}: {old} → {new} ({which})")
    sides = {}
    facts_a = [run_facts(r) for e in entries for r in e.runs_a]
    facts_b = [run_facts(r) for e in entries for r in e.runs_b]
    for fact in sorted({f for facts in facts_a + facts_b for f in facts}, key=fact_order):
        sides[fact] = (
            tally(f.get(fact, "unknown") for f in facts_a),
            tally(f.get(fact, "unknown") for f in facts_b),
        )
    return lines, sides


def few(items: list[str], limit: int = 4) -> str:
    return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")


def tally(values) -> str:
    """'2.14.1' when every run agrees, else '2.14.1 (10 runs), 2.15.0 (4 runs)'."""
    counts = Counter(values)
    if len(counts) <= 1:
        return next(iter(counts), "—")
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{value} ({n} runs)" for value, n in ordered)


# ---- Words and numbers ----


def num(value: float | None, digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}g}"


def signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.3g}"


def estimate_text(e: stats.Estimate | None) -> str:
    if e is None:
        return "—"
    if e.low is None:
        return f"{num(e.mean)} (n={e.n})"
    return f"{num(e.mean)} [{num(e.low)}, {num(e.high)}] (n={e.n})"


def difference_text(row: Row) -> str:
    if row.test is not None:
        t = row.test
        return f"{signed(t.difference)} [{signed(t.low)}, {signed(t.high)}]"
    return signed(row.difference)


def p_text(row: Row) -> str:
    return "—" if row.p_holm is None else f"{row.p_holm:.3g}"


def detectable_text(row: Row) -> str:
    if row.detectable is None:
        return "—"
    return "any" if row.detectable == 0 else f"{row.detectable:.2g}"


COLUMNS = (
    "entry",
    "metric",
    "A mean [95% CI]",
    "B mean [95% CI]",
    "B − A [95% CI]",
    "p (Holm)",
    "detectable",
    "verdict",
)


def table_cells(row: Row, entry: Entry) -> list[str]:
    return [
        entry.label,
        row.metric,
        estimate_text(row.a),
        estimate_text(row.b),
        difference_text(row),
        p_text(row),
        detectable_text(row),
        row.verdict,
    ]


def method_lines(c: Comparison) -> list[str]:
    """The test, level and margins, as sentences."""
    tested = (
        f"Holm-adjusted over the {c.tests} comparison{'s' if c.tests != 1 else ''} that reached the test"
        if c.tests
        else "no comparison reached the test"
    )
    margins = "; ".join(
        f"{metric} {margin}" + (" (--margin)" if metric in c.overrides else "")
        for metric, margin in c.margins.items()
    )
    return [
        f"Test: paired t-test where both sides ran the same seeds, else Welch's t-test; {tested}; level "
        f'{c.level:g}. "changed" needs adjusted p < {c.level:g} and |B − A| above the metric\'s margin.',
        f"Margins: {margins}. Defaults: accuracies {ACCURACY_MARGIN:g} absolute (half an accuracy point), "
        f"losses, w_norm and other metrics {RELATIVE_MARGIN * 100:g} % of A's mean.",
    ]


def detectable_summary(rows: list[Row], level: float) -> list[str]:
    """Per metric, the typical case: 'with 3 seeds a difference in test_acc below 0.004 is not detectable',
    from the sd between seeds (both sides pooled) as for two independent groups. The table's `detectable`
    column is instead that of the test each row ran (paired differences can have far less spread)."""
    by_metric: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for row in rows:
        if row.a and row.b and row.a.sd is not None and row.b.sd is not None:
            n, sd = min(row.a.n, row.b.n), math.sqrt((row.a.sd**2 + row.b.sd**2) / 2)
            by_metric[row.metric].append((n, stats.detectable_difference(sd, n, paired=False, level=level)))
    lines = []
    for metric, found in by_metric.items():
        n = Counter(n for n, _ in found).most_common(1)[0][0]
        median = statistics.median(d for _, d in found)
        if median == 0:
            lines.append(
                f"with {n} seeds the seeds agree exactly on {metric}, so any difference is detectable"
            )
        else:
            lines.append(f"with {n} seeds a difference in {metric} below {median:.2g} is not detectable")
    return lines


def detail_lines(c: Comparison) -> list[tuple[str, list[str]]]:
    """(heading, lines) for seed noise, config changes, divergences, untested rows and provenance
    differences; sections without lines are left out."""
    noise = (
        f"Seed noise (two-sided, level {c.level:g}, 80 % power, from the spread between seeds on each side, "
        "median over entries)"
    )
    sections = [
        (noise, detectable_summary(c.rows, c.level)),
        (
            "Config changes",
            [f"{e.label}: {'; '.join(e.config_changes)}" for e in c.entries if e.config_changes],
        ),
        ("Diverged runs", [f"{e.label}: {', '.join(e.diverged)}" for e in c.entries if e.diverged]),
        ("Not tested", [f"{entry_label(r.entry)} {r.metric}: {r.note}" for r in c.rows if r.note]),
        ("Provenance differences (per run, for the runs both sides have)", c.provenance or ["none"]),
    ]
    return [(heading, lines) for heading, lines in sections if lines]


def counts_text(c: Comparison) -> str:
    counts = c.counts()
    return ", ".join(f"{counts[v]} {v}" for v in VERDICTS if counts[v])


# ---- Terminal ----


def aligned(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    return [line(header), line(["-" * w for w in widths]), *map(line, rows)]


def format_text(c: Comparison) -> str:
    lines = [f"A: {c.a}", f"B: {c.b}", ""]
    lines += aligned(list(COLUMNS), [table_cells(row, e) for e in c.entries for row in e.rows])
    lines += ["", f"Verdicts: {counts_text(c)}.", *method_lines(c)]
    for heading, items in detail_lines(c):
        lines += ["", f"{heading}:", *(f"  {item}" for item in items)]
    return "\n".join(lines) + "\n"


# ---- Markdown ----


def md(text: str) -> str:
    """A table cell's text: pipes and backslashes escaped, no HTML, one line."""
    return (
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\n", " ")
    )


def format_markdown(c: Comparison) -> str:
    lines = [
        "## Results comparison",
        "",
        f"A: {md(str(c.a))}  ",  # two spaces: a line break
        f"B: {md(str(c.b))}",
        "",
        f"Verdicts: {counts_text(c)}.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for entry in c.entries:
        for row in entry.rows:
            cells = [md(cell) for cell in table_cells(row, entry)]
            if row.verdict in FAILING:
                cells[-1] = f"**{cells[-1]}**"
            lines.append("| " + " | ".join(cells) + " |")
    for line in method_lines(c):
        lines += ["", md(line)]
    for heading, items in detail_lines(c):
        lines += ["", f"**{md(heading)}**", "", *(f"- {md(item)}" for item in items)]
    lines += ["", "| provenance | A | B |", "|---|---|---|"]
    lines += [f"| {md(fact)} | {md(va)} | {md(vb)} |" for fact, (va, vb) in c.provenance_sides.items()]
    return "\n".join(lines) + "\n"


# ---- HTML ----

CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 13px; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.verdict { font-weight: 600; white-space: nowrap; }
.identical { color: #2e7d32; } .within-noise { color: #546e7a; } .changed { color: #c62828; }
.config-changed { color: #ef6c00; } .diverged { color: #6a1b9a; } .only-in-a, .only-in-b { color: #1565c0; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
code { background: #f4f4f4; padding: 0 3px; }
"""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def format_html(c: Comparison) -> str:
    title = f"Results comparison: {c.a} → {c.b}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f"<p>A: <code>{esc(c.a)}</code><br>B: <code>{esc(c.b)}</code></p>",
        f"<p>Verdicts: {esc(counts_text(c))}.</p>",
        "<table><thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in COLUMNS) + "</tr></thead><tbody>",
    ]
    for entry in c.entries:
        for row in entry.rows:
            cells = table_cells(row, entry)
            verdict = cells.pop()
            tds = "".join(
                f'<td class="num">{esc(cell)}</td>' if i >= 2 else f"<td>{esc(cell)}</td>"
                for i, cell in enumerate(cells)
            )
            css = re.sub(r"[^a-z]+", "-", verdict)
            parts.append(f'<tr>{tds}<td class="verdict {css}">{esc(verdict)}</td></tr>')
    parts.append("</tbody></table>")
    parts += [f"<p>{esc(line)}</p>" for line in method_lines(c)]
    for heading, items in detail_lines(c):
        parts.append(f"<h2>{esc(heading)}</h2><ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")
    parts.append("<h2>Provenance</h2><table><thead><tr><th>fact</th><th>A</th><th>B</th></tr></thead><tbody>")
    parts += [
        f"<tr><td>{esc(fact)}</td><td>{esc(va)}</td><td>{esc(vb)}</td></tr>"
        for fact, (va, vb) in c.provenance_sides.items()
    ]
    parts.append("</tbody></table>")
    parts.append("<h2>Learning curves</h2><p>Mean over seeds per epoch: A solid, B dashed.</p>")
    for name, (title, entries) in by_topic(c.entries).items():
        parts.append(f"<h3>{esc(title)}</h3>")
        parts.append(
            f'<figure id="topic-{esc(name)}">{curves_svg(entries, salt=f"mlplab-compare-{name}")}</figure>'
        )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def by_topic(entries: list[Entry]) -> dict[str, tuple[str, list[Entry]]]:
    """Entries grouped by the report topic that shows their kind, in the report's order (topic name →
    (title, entries)); a kind no topic shows gets a group of its own."""
    groups: dict[str, tuple[str, list[Entry]]] = {}
    for topic in TOPICS.values():
        if topic.runs and topic.runs.kinds:
            chosen = [e for e in entries if e.kind in topic.runs.kinds]
            if chosen:
                groups[topic.name] = (topic.title, chosen)
    grouped = {id(e) for _, chosen in groups.values() for e in chosen}
    for entry in entries:
        if id(entry) not in grouped:
            groups.setdefault(entry.kind, (entry.kind, []))[1].append(entry)
    return groups


def mean_curve(runs: list[Run], metric: str) -> tuple[list[float], list[float]]:
    """Epochs and the mean over seeds of a metric, leaving out missing and non-finite values."""
    by_epoch: dict[float, list[float]] = defaultdict(list)
    for run in runs:
        for row in run.rows:
            value = row.get(metric)
            if value is not None and math.isfinite(value) and row["epoch"] is not None:
                by_epoch[row["epoch"]].append(value)
    epochs = sorted(by_epoch)
    return epochs, [sum(by_epoch[e]) / len(by_epoch[e]) for e in epochs]


def curves_svg(entries: list[Entry], salt: str) -> str:
    """The entries' learning curves as an SVG element to inline; `salt` keeps its ids apart from other
    figures' on the page (and fixed, so the same data give the same bytes)."""
    buffer = io.StringIO()
    save_curves(entries, buffer, format="svg", salt=salt)
    return inline_svg(buffer.getvalue())


def save_curves(entries: list[Entry], target, *, format: str, salt: str = PROG) -> None:
    """One figure: a panel per metric, a colour per entry, A solid and B dashed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    metrics = list(dict.fromkeys(c for e in entries for r in e.runs_a + e.runs_b for c in r.columns))
    colours = plt.get_cmap("tab10").colors
    style = {
        "svg.hashsalt": salt,
        "svg.fonttype": "path",
        "font.size": 9,
        "axes.grid": True,
        "grid.alpha": 0.3,
    }
    with plt.rc_context(style):
        cols = max(1, min(len(metrics), 4))
        rows = max(1, math.ceil(len(metrics) / cols))
        fig, axes = plt.subplots(
            rows, cols, figsize=(3.4 * cols, 2.6 * rows + 0.6), squeeze=False, layout="constrained"
        )
        for ax in axes.ravel()[len(metrics) :]:
            ax.remove()
        for ax, metric in zip(axes.ravel(), metrics, strict=False):
            values = []
            for i, entry in enumerate(entries):
                for runs, dash in ((entry.runs_a, "-"), (entry.runs_b, "--")):
                    x, y = mean_curve(runs, metric)
                    if x:
                        ax.plot(x, y, dash, color=colours[i % len(colours)], linewidth=1.5)
                        values += y
            positive = [v for v in values if v > 0]
            if positive and len(positive) == len(values) and max(positive) / min(positive) > 50:
                ax.set_yscale("log")
            ax.set_title(metric)
            ax.set_xlabel("epoch")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        handles = [
            Line2D([], [], color=colours[i % len(colours)], label=e.label) for i, e in enumerate(entries)
        ]
        handles += [
            Line2D([], [], color="k", linestyle="-", label="A"),
            Line2D([], [], color="k", linestyle="--", label="B"),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 5), frameon=False)
        fig.savefig(target, format=format, metadata={"Date": None} if format == "svg" else None)
        plt.close(fig)


# ---- Command line ----


def level_type(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="What changed between two results folders, beyond seed noise.",
        epilog="Verdicts: identical, within noise, changed, config changed, diverged, only in A, only in B. "
        "Exit status: 0; 1 with --fail-on-change when any verdict is changed, config changed, diverged "
        "or only in one folder; 2 for bad input.",
    )
    parser.add_argument("a", metavar="A", type=Path, help="results folder before (e.g. results-before)")
    parser.add_argument("b", metavar="B", type=Path, help="results folder after (e.g. results)")
    parser.add_argument("--markdown", metavar="FILE", type=Path, help="also write a GitHub-flavoured table")
    parser.add_argument("--html", metavar="FILE", type=Path, help="also write one self-contained HTML page")
    parser.add_argument(
        "--fail-on-change",
        action="store_true",
        help="exit 1 when any verdict is changed, config changed, diverged, only in A or only in B",
    )
    parser.add_argument(
        "--level", type=level_type, default=stats.LEVEL, help="significance level after Holm (default 0.05)"
    )
    parser.add_argument(
        "--margin",
        metavar="METRIC=VALUE",
        type=parse_margin,
        action="append",
        default=[],
        help="equivalence margin for a metric, absolute (test_acc=0.01) or relative to A's mean "
        "(test_loss=2%%); repeat for more metrics. Defaults: accuracies 0.005, losses and w_norm 5%%",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse has printed its message (or the help)
        return int(exit_.code or 0)
    try:
        a, b = load_results(args.a), load_results(args.b)
        comparison = compare(a, b, paths=(args.a, args.b), level=args.level, margins=dict(args.margin))
        print(format_text(comparison), end="")
        for path, render in ((args.markdown, format_markdown), (args.html, format_html)):
            if path is not None:
                try:
                    path.write_text(render(comparison))
                except OSError as error:
                    raise BadInput(f"{path}: cannot write ({error.strerror})") from None
    except BadInput as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    failing = comparison.failing()
    if args.fail_on_change and failing:
        summary = ", ".join(f"{n} {v}" for v, n in failing.items())
        print(f"{PROG}: failing on change: {summary}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
