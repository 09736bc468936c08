"""A comparison in words: the table's cells, the method and detail sentences every output shares, and the
terminal's and the markdown's renderings of them. Numbers are written by `mlplab.presentation.formatting`,
as on the report's pages. Every output lists the changes first; the terminal's table fits WIDTH columns
(A's and B's means without their intervals, names and verdicts wrapped, identical rows counted in one
line) unless asked for everything (`wide`)."""

from __future__ import annotations

import textwrap
from collections import defaultdict

from mlplab.compare.reading import entry_label
from mlplab.compare.verdicts import (
    FAILING,
    IDENTICAL,
    NOT_TESTED,
    VERDICTS,
    Comparison,
    Entry,
    Row,
    seeds_text,
    typical_detectable,
)
from mlplab.presentation import stats
from mlplab.presentation.formatting import NO_VALUE, estimate, number, signed_interval
from mlplab.presentation.margins import ACCURACY_MARGIN, RELATIVE_MARGIN
from mlplab.presentation.text_table import text_table

REFERENCE = "A's mean"  # what a relative margin is a fraction of

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
NUMERIC_FROM = 2  # the columns from here on hold numbers
WIDTH = 100  # characters per line of the terminal's output, unless --wide
# The terminal's table within WIDTH: the means without their intervals (those are in --wide, the markdown
# and the page), no detectable difference (the seed-noise lines give it per metric). Which columns may wrap.
NARROW_COLUMNS = {
    "entry": True,
    "metric": False,
    "A mean": False,
    "B mean": False,
    "B − A [95% CI]": False,
    "p (Holm)": False,
    "verdict": True,
}


# ---- Words and numbers ----


def estimate_text(e: stats.Estimate | None) -> str:
    return NO_VALUE if e is None else estimate(e.mean, e.low, e.high, e.n)


def difference_text(row: Row) -> str:
    if row.decision is not None:
        return row.decision.interval()
    if row.test is not None:
        return signed_interval(row.test.difference, row.test.low, row.test.high)
    return signed_interval(row.difference, None, None)


def detectable_text(row: Row) -> str:
    return "any" if row.detectable == 0 else number(row.detectable, 2)


def verdict_text(row: Row, entry: Entry) -> str:
    """The verdict cell: 'not tested (n = 1)' with its n; what the entry's seeds add, after a semicolon."""
    text = f"{NOT_TESTED} (n = {row.n})" if row.verdict == NOT_TESTED else row.verdict
    if row.decision is not None:
        text += f": {row.decision.state}" + (f" (n = {row.decision.n})" if not row.decision.decided else "")
    flags = ["seeds differ"] if entry.seeds_differ else []
    flags += ["unfinished runs"] if entry.unfinished else []
    return "; ".join([text, *flags])


def table_cells(row: Row, entry: Entry) -> list[str]:
    return [
        entry.label,
        row.metric,
        estimate_text(row.a),
        estimate_text(row.b),
        difference_text(row),
        number(row.p_holm, 3),
        detectable_text(row),
        verdict_text(row, entry),
    ]


def narrow_cells(row: Row, entry: Entry) -> list[str]:
    """The cells of NARROW_COLUMNS."""
    return [
        entry.label,
        row.metric,
        number(row.a.mean) if row.a else NO_VALUE,
        number(row.b.mean) if row.b else NO_VALUE,
        difference_text(row),
        number(row.p_holm, 3),
        verdict_text(row, entry),
    ]


def ordered(c: Comparison) -> list[tuple[Entry, Row]]:
    """Every (entry, row), changes first: the failing verdicts in FAILING's order (changed first), then rows
    of entries failing for their seeds or runs at chance, then within noise, then identical; entries in
    their order within each."""

    def rank(pair: tuple[Entry, Row]) -> int:
        entry, row = pair
        if row.verdict in FAILING:
            return FAILING.index(row.verdict)
        if c.entry_fails(entry):
            return len(FAILING)
        return len(FAILING) + 1 + (row.verdict == IDENTICAL)

    return sorted(((e, row) for e in c.entries for row in e.rows), key=rank)


def quietly_identical(c: Comparison, entry: Entry, row: Row) -> bool:
    """An identical row with nothing else to say: counted in one line of the terminal's table."""
    return row.verdict == IDENTICAL and not c.entry_fails(entry)


def method_lines(c: Comparison) -> list[str]:
    """The test, level and margins, as sentences."""
    tested = (
        f"Holm-adjusted over the {c.tests} comparison{'s' if c.tests != 1 else ''} that reached the test"
        if c.tests
        else "no comparison reached the test"
    )
    margins = "; ".join(
        f"{metric} {margin.describe(REFERENCE)}" + (" (--margin)" if metric in c.overrides else "")
        for metric, margin in c.margins.items()
    )
    return [
        f"Test: paired t-test where both sides completed the same seeds, else Welch's t-test; {tested}; "
        f'level {c.level:g}. "changed" needs adjusted p < {c.level:g} and |B − A| above the metric\'s '
        f'margin; "not tested" is fewer than 2 completed seeds on a side.',
        f"Margins: {margins}. Defaults: accuracies {ACCURACY_MARGIN.describe(REFERENCE)} (half an accuracy "
        f"point), losses, w_norm and other metrics {RELATIVE_MARGIN.describe(REFERENCE)}.",
    ]


def detectable_summary(c: Comparison) -> list[str]:
    """Per metric: 'with 3 seeds a difference in test_acc below 0.004 is not detectable'."""
    lines = []
    for metric, (n, median) in typical_detectable(c.rows, c.level).items():
        if median == 0:
            lines.append(
                f"with {n} seeds the seeds agree exactly on {metric}, so any difference is detectable"
            )
        else:
            lines.append(
                f"with {n} seeds a difference in {metric} below {number(median, 2)} is not detectable"
            )
    return lines


def seed_lines(c: Comparison) -> list[str]:
    """Per entry whose seed folders are not the same finished runs on both sides: the seeds on one side
    only, the unfinished runs by seed, and which seeds the test paired (or that it paired none)."""
    lines = []
    for e in c.entries:
        parts = []
        only = {"A": e.seeds_a - e.seeds_b, "B": e.seeds_b - e.seeds_a} if e.seeds_differ else {}
        for side, unfinished in (("A", e.unfinished_a), ("B", e.unfinished_b)):
            finished = only.get(side, set()) - {u.seed for u in unfinished}
            if finished:
                allowed = " (allowed by --allow-seed-difference)" if c.allow_seed_difference else ""
                parts.append(f"{seeds_text(finished)} only in {side}{allowed}")
            for u in unfinished:
                parts.append(
                    f"{side} seed{u.seed} {u.why}"
                    + (f", only in {side}" if u.seed in only.get(side, ()) else "")
                )
        if parts:
            pairings = list(dict.fromkeys(row.pairing for row in e.rows if row.pairing))
            parts += [f"tested with a {pairing}" for pairing in pairings]
            lines.append(f"{e.label}: {'; '.join(parts)}")
    return lines


def chance_lines(c: Comparison) -> list[str]:
    """Per entry, each side's runs at chance, by seed and why: 'mlp: at chance: B seeds 0, 1 (test …)'."""
    lines = []
    for e in c.entries:
        parts = []
        for side, at_chance in (("A", e.chance_a), ("B", e.chance_b)):
            by_why: dict[str, list[int]] = defaultdict(list)
            for seed, why in sorted(at_chance.items()):
                by_why[why].append(seed)
            parts += [f"{side} {seeds_text(seeds)} ({why})" for why, seeds in by_why.items()]
        if parts:
            one_side = "; not the same runs on both sides" if e.chance_differs else ""
            lines.append(f"{e.label}: at chance: {', '.join(parts)}{one_side}")
    return lines


def detail_lines(c: Comparison) -> list[tuple[str, list[str]]]:
    """(heading, lines) for seed noise, seeds and unfinished runs, config and data changes, divergences, runs
    at chance, untested rows and provenance differences; sections without lines are left out."""
    noise = (
        f"Seed noise (two-sided, level {c.level:g}, 80 % power, from the spread between seeds on each side, "
        "median over entries)"
    )
    sections = [
        (noise, detectable_summary(c)),
        ("Seeds not on both sides, and unfinished runs", seed_lines(c)),
        ("Config changes, and what each did (B − A, paired by seed)", config_lines(c)),
        ("Data changes", [f"{e.label}: {'; '.join(e.data_changes)}" for e in c.entries if e.data_changes]),
        ("Diverged runs", [f"{e.label}: {', '.join(e.diverged)}" for e in c.entries if e.diverged]),
        ("Runs at chance", chance_lines(c)),
        ("Not tested", [f"{entry_label(r.entry)} {r.metric}: {r.note}" for r in c.rows if r.note]),
        ("Provenance differences (per run, for the runs both sides have)", c.provenance or ["none"]),
    ]
    return [(heading, lines) for heading, lines in sections if lines]


def config_lines(c: Comparison) -> list[str]:
    """'mlp_concise: lr 0.1 → 0.2', then for each metric what the change did: 'test_acc better by +0.0131
    [+0.0054, +0.0208], n = 3: beyond the 0.00500 that matters'."""
    lines = []
    for e in (e for e in c.entries if e.config_changes):
        lines.append(f"{e.label}: {'; '.join(e.config_changes)}")
        lines += [f"  {row.metric} {row.decision.text()}" for row in e.rows if row.decision is not None]
    return lines


def counts_text(c: Comparison) -> str:
    counts = c.counts()
    return ", ".join(f"{counts[v]} {v}" for v in VERDICTS if counts[v])


def same_folder_text(c: Comparison) -> str | None:
    if not c.same_folder:
        return None
    return f"A and B are the same folder ({c.a.resolve()}): every run is compared with itself."


def runs_text(c: Comparison) -> str:
    """Every seed folder counted: 'Runs: A 6 finished; B 5 finished, 1 unfinished.'"""
    sides = []
    for side, finished, unfinished in (
        ("A", sum(len(e.runs_a) for e in c.entries), sum(len(e.unfinished_a) for e in c.entries)),
        ("B", sum(len(e.runs_b) for e in c.entries), sum(len(e.unfinished_b) for e in c.entries)),
    ):
        sides.append(f"{side} {finished} finished" + (f", {unfinished} unfinished" if unfinished else ""))
    return f"Runs: {'; '.join(sides)}."


def summary_lines(c: Comparison) -> list[str]:
    return [f"Verdicts: {counts_text(c)}.", runs_text(c)]


# ---- Terminal ----


def table_lines(c: Comparison, wide: bool) -> list[str]:
    """Every row with every column (`wide`), or the narrow table with the identical rows counted."""
    pairs = ordered(c)
    if wide:
        return text_table(COLUMNS, [table_cells(row, e) for e, row in pairs], [False] * len(COLUMNS))
    shown = [(e, row) for e, row in pairs if not quietly_identical(c, e, row)]
    lines = []
    if shown:
        cells = [narrow_cells(row, e) for e, row in shown]
        lines = text_table(list(NARROW_COLUMNS), cells, list(NARROW_COLUMNS.values()), WIDTH)
    identical = [e for e, row in pairs if quietly_identical(c, e, row)]
    if identical:
        entries = len(dict.fromkeys(id(e) for e in identical))
        rows = f"{len(identical)} row{'s' if len(identical) != 1 else ''}"
        lines += textwrap.wrap(
            f"{'... and ' if shown else ''}{rows} of {entries} entr{'ies' if entries != 1 else 'y'} "
            f"{IDENTICAL} (every seed's metrics.csv the same on both sides); --wide lists them, with A's and "
            "B's intervals",
            WIDTH,
        )
    return lines


def format_text(c: Comparison, wide: bool = False) -> str:
    """The comparison for a terminal: the table within WIDTH columns, or every row and column on one line
    each (`wide`); the sentences after it one per line, as a terminal wraps them."""
    same = same_folder_text(c)
    lines = [f"A: {c.a}", f"B: {c.b}", *([same] if same else []), ""]
    lines += table_lines(c, wide)
    lines += ["", *summary_lines(c), *method_lines(c)]
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
    same = same_folder_text(c)
    lines = [
        "## Results comparison",
        "",
        f"A: {md(str(c.a))}  ",  # two spaces: a line break
        f"B: {md(str(c.b))}",
        "",
        *([md(same), ""] if same else []),
        *(part for line in summary_lines(c) for part in (md(line), "")),
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for entry, row in ordered(c):
        cells = [md(cell) for cell in table_cells(row, entry)]
        if row.verdict in FAILING or c.entry_fails(entry):
            cells[-1] = f"**{cells[-1]}**"
        lines.append("| " + " | ".join(cells) + " |")
    for line in method_lines(c):
        lines += ["", md(line)]
    for heading, items in detail_lines(c):
        lines += ["", f"**{md(heading)}**", "", *(f"- {md(item)}" for item in items)]
    lines += ["", "| provenance | A | B |", "|---|---|---|"]
    lines += [f"| {md(fact)} | {md(va)} | {md(vb)} |" for fact, (va, vb) in c.provenance_sides.items()]
    return "\n".join(lines) + "\n"
