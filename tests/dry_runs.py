"""What `snakemake -n` plans, as jobs with the fields Snakemake prints for them: for the staleness tests
and every other test that asks what a change reruns."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import tiny


@dataclass(frozen=True)
class Job:
    rule: str
    wildcards: str = ""  # "experiment=mlp_concise, seed=0", items sorted by name

    def __repr__(self) -> str:
        return f"{self.rule}[{self.wildcards}]" if self.wildcards else self.rule


Plan = dict[Job, dict[str, str]]  # each planned job with the fields Snakemake prints for it


def train(experiment: str, seed: int) -> Job:
    return Job("train", f"experiment={experiment}, seed={seed}")


def parse_dry_run(text: str) -> Plan:
    """The jobs in Snakemake 9's `-n` output, each with the fields Snakemake prints for it (reason, ...).

    Every rule of the workflow has a `message:` that starts with its name and its wildcards in brackets
    (`Job 12: train [experiment=mlp_concise,seed=1]: log ...`), which Snakemake prints with a `Reason:`
    line; a rule without one would be printed as a `rule NAME:` line with indented `key: value` lines.
    The first "Job stats" table gives the count per rule, checked against what was parsed."""
    blocks: list[tuple[str, dict[str, str]]] = []
    fields: dict[str, str] | None = None  # those of the job being read
    for line in text.splitlines():
        if match := re.fullmatch(r"Job \d+: (\w+)(?: \[(.*?)\])?(?:: .*)?", line):
            fields = {"wildcards": match[2] or ""}
            blocks.append((match[1], fields))
        elif fields is not None and line.startswith("Reason: "):
            fields["reason"] = line.removeprefix("Reason: ")
        elif match := re.fullmatch(r"(?:local)?(?:rule|checkpoint) (\w+):", line):
            fields = {}
            blocks.append((match[1], fields))
        elif fields is not None and line.startswith("    "):
            key, _, value = line.strip().partition(": ")
            fields[key] = value
        else:
            fields = None
    jobs: Plan = {}
    for rule, fields in blocks:
        wildcards = normal_wildcards(fields.get("wildcards", ""))
        jobs[Job(rule, wildcards)] = fields
    stats: Counter[str] = Counter()
    if "Job stats:" in text:
        for row in text.split("Job stats:", 1)[1].splitlines()[3:]:
            name, count = row.split()
            if name == "total":
                break
            stats[name] = int(count)
    assert Counter(job.rule for job in jobs) == stats, f"parser disagrees with Snakemake's job stats:\n{text}"
    return jobs


def normal_wildcards(text: str) -> str:
    """Wildcards as `Job` holds them ("experiment=mlp_concise, seed=0", sorted by name) from a rule's message,
    where Snakemake writes them "experiment=mlp_concise,seed=0", or from a `wildcards:` line (", ")."""
    return ", ".join(sorted(filter(None, (w.strip() for w in re.split(r",(?=\s*\w+=)", text)))))


def dry_run(work: Path, *args: str) -> Plan:
    proc = tiny.snakemake(work, "-n", *args)
    out = proc.stdout + proc.stderr
    jobs = parse_dry_run(out)
    assert bool(jobs) != ("Nothing to be done" in out), out
    return jobs


def started_jobs(console: str) -> list[tuple[str, str, str]]:
    """The jobs a real run's console says it started, as (job id, rule, wildcards): one line each,
    `[12:00:00] Job 12: train [experiment=poly_normal,seed=0]: log ...` (the workflow's logger)."""
    found = re.findall(r"^\[\d\d:\d\d:\d\d\] Job (\d+): (\w+)(?: \[(.*?)\])?", console, re.M)
    return [(job, rule, normal_wildcards(wildcards)) for job, rule, wildcards in found]


def finished_jobs(console: str) -> list[str]:
    """The job ids a real run's console says finished (`[12:00:05] Finished job 12: 3 of 9 steps ...`)."""
    groups = re.findall(r"^\[\d\d:\d\d:\d\d\] Finished job ([\d, ]+): \d+ of \d+ steps", console, re.M)
    return [job for group in groups for job in group.split(", ")]
