"""Every page tells its own freshness: after a failed run of the workflow, a page built before it is marked
"out of date" at its top when any file it is built from is missing or newer than the page.

Snakemake deletes a failed job's outputs and builds nothing downstream of it, so a failed aggregate, sweep
summary or sweep point leaves the previous report.html or exercises.html in place, looking as current as
ever. The Snakefile's `onerror` hands each page and the files it is built from (rules/presentation_inputs.smk)
to `mark_if_stale`. The page's modification time is kept, so that Snakemake's view of it does not change:
it is rebuilt when its inputs say so, and the rebuilt page carries no mark.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable
from pathlib import Path

STALE_MARK = '<div class="warning" id="stale">'
NAMED = 5  # files named in the mark; the rest are counted


def changed_sources(page: Path, sources: Iterable[str | os.PathLike]) -> tuple[list[str], list[str]]:
    """(missing, newer): the files among `sources` that do not exist, and those modified after `page`."""
    built = page.stat().st_mtime_ns
    missing, newer = [], []
    for source in dict.fromkeys(map(str, sources)):
        try:
            modified = os.stat(source).st_mtime_ns
        except FileNotFoundError:
            missing.append(source)
            continue
        if modified > built:
            newer.append(source)
    return missing, newer


def listing(files: list[str]) -> str:
    named = ", ".join(f"<code>{html.escape(f)}</code>" for f in files[:NAMED])
    return named + (f" and {len(files) - NAMED} more" if len(files) > NAMED else "")


def mark_if_stale(page: Path | str, sources: Iterable[str | os.PathLike]) -> bool:
    """Mark `page` out of date if any of `sources` is missing or newer than it; True if it was marked now.
    A page that does not exist or is marked already is left alone."""
    page = Path(page)
    if not page.exists():
        return False
    text = page.read_text()
    if STALE_MARK in text:
        return False
    missing, newer = changed_sources(page, sources)
    if not missing and not newer:
        return False
    what = []
    if missing:
        what.append(f"{len(missing)} file(s) it is built from are missing ({listing(missing)})")
    if newer:
        what.append(f"{len(newer)} changed since it was built ({listing(newer)})")
    banner = (
        f"{STALE_MARK}<strong>⚠ Out of date.</strong> A later run of the workflow failed before it could "
        f"rebuild this page: {'; '.join(what)}. What it shows may no longer hold; see the failed jobs' logs "
        "under <code>logs/</code>, then run <code>snakemake</code> again.</div>"
    )
    stat = page.stat()
    page.write_text(text.replace("<body>", f"<body>\n{banner}", 1))
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return True
