"""A comparison as one self-contained HTML page (templates/compare.html.j2, in the shared page style of
`mlplab.presentation`): the table, the sentences and the provenance of the text output, and the learning
curves inline, grouped by the report topic that shows each entry's kind."""

from __future__ import annotations

from pathlib import Path

import jinja2
from markupsafe import Markup

from mlplab.compare.curves import curves_svg
from mlplab.compare.rendering import (
    COLUMNS,
    NUMERIC_FROM,
    detail_lines,
    method_lines,
    ordered,
    same_folder_text,
    summary_lines,
    table_cells,
)
from mlplab.compare.verdicts import (
    CHANGED,
    CONFIG_CHANGED,
    DATA_CHANGED,
    DIVERGED,
    IDENTICAL,
    NOT_TESTED,
    ONLY_A,
    ONLY_B,
    Comparison,
    Entry,
)
from mlplab.presentation.page_environment import TEMPLATES as SHARED
from mlplab.presentation.page_environment import environment
from mlplab.presentation.topics import TOPICS

TEMPLATES = Path(__file__).with_name("templates")
SALT = "mlplab-compare"  # of the SVG ids, with the topic: fixed, and apart between the figures

# A row's class in the shared page style, by verdict: a failing verdict reads as a miss, a diverged run as
# on the report, and one side's entry as a highlighted row. An entry failing for its seeds is a miss too.
ROW_CLASS = {
    IDENTICAL: "ok",
    CHANGED: "miss",
    CONFIG_CHANGED: "miss",
    DATA_CHANGED: "miss",
    NOT_TESTED: "miss",
    DIVERGED: "diverged",
    ONLY_A: "expected",
    ONLY_B: "expected",
}


def page_environment() -> jinja2.Environment:
    """The report's environment (escaping, strict undefined), finding compare's templates first and the
    shared ones (page_style.html.j2) after."""
    env = environment()
    env.loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(TEMPLATES), jinja2.FileSystemLoader(SHARED)])
    return env


def format_html(c: Comparison) -> str:
    rows = [
        {
            "cells": table_cells(row, entry),
            "class": "miss" if c.entry_fails(entry) else ROW_CLASS.get(row.verdict, ""),
        }
        for entry, row in ordered(c)
    ]
    drawn = [e for e in c.entries if e.runs_a or e.runs_b]  # an entry with no finished run has no curve
    figures = [
        # Our own matplotlib output: trusted markup to place, not text to escape.
        {"name": name, "title": title, "svg": Markup(curves_svg(entries, salt=f"{SALT}-{name}"))}
        for name, (title, entries) in by_topic(drawn).items()
    ]
    return (
        page_environment()
        .get_template("compare.html.j2")
        .render(
            title=f"Results comparison: {c.a} → {c.b}",
            a=c.a,
            b=c.b,
            same_folder=same_folder_text(c),
            summary=summary_lines(c),
            columns=COLUMNS,
            numeric_from=NUMERIC_FROM,
            rows=rows,
            method=method_lines(c),
            details=detail_lines(c),
            provenance=c.provenance_sides,
            figures=figures,
        )
    )


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
