"""The README stays short and the documentation holds together: links resolve, every page under docs/ is
linked from the README, the make targets and library paths it names exist, and every command it gives
works as written in a fresh shell after `make run` (the venv's programs spelled .venv/bin/…, or a make
target). Reads files only."""

import re
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
DOCS = sorted((REPO / "docs").glob("*.md"))
PAGES = [README, *DOCS]

FENCE = re.compile(r"^```.*?^```", re.S | re.M)
CODE_SPAN = re.compile(r"`[^`\n]+`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
MAKE = re.compile(r"(?:^|[\s;&|(`])make\s+([a-z][\w-]*)", re.M)
MAKE_RULE = re.compile(r"^([A-Za-z][\w-]*)\s*:(?!=)", re.M)
LIBRARY_PATH = re.compile(r"(?<![\w/.-])(?:scripts/)?mlplab/[\w./<>-]*")
BARE_MODULE = re.compile(r"`(\w+\.py)`")


def name(page: Path) -> str:
    return str(page.relative_to(REPO))


def prose(text: str) -> str:
    """The text without code blocks and code spans, where brackets are not links."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def code(text: str) -> str:
    """Only the code blocks and code spans, where commands are written."""
    return "\n".join(FENCE.findall(text) + CODE_SPAN.findall(text))


def local_links(page: Path) -> list[tuple[str, Path]]:
    """(as written, resolved path) for each relative link of the page, anchors dropped; results/ files
    exist only after a run, so they are left out."""
    links = []
    for target in LINK.findall(prose(page.read_text(encoding="utf-8"))):
        if SCHEME.match(target) or target.startswith("#"):
            continue
        path = (page.parent / target.split("#", 1)[0]).resolve()
        if path.is_relative_to(REPO) and path.relative_to(REPO).parts[:1] == ("results",):
            continue
        links.append((target, path))
    return links


def test_readme_fits_on_a_screen():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 150, f"README.md has {len(lines)} lines; move reference material to docs/"


def test_there_are_docs_pages():
    assert DOCS, "docs/ holds no .md page"


@pytest.mark.parametrize("page", PAGES, ids=name)
def test_relative_links_resolve(page):
    broken = [target for target, path in local_links(page) if not path.exists()]
    assert not broken, f"{name(page)} links to missing files: {broken}"


def test_every_docs_page_is_linked_from_the_readme():
    linked = {path for _, path in local_links(README)}
    unlinked = [name(page) for page in DOCS if page.resolve() not in linked]
    assert not unlinked, f"README.md does not link: {unlinked}"


def test_named_make_targets_exist():
    targets = set(MAKE_RULE.findall((REPO / "Makefile").read_text(encoding="utf-8")))
    named = {(name(page), target) for page in PAGES for target in MAKE.findall(code(page.read_text()))}
    assert named, "no `make <target>` found: the pattern is broken"
    missing = sorted((page, target) for page, target in named if target not in targets)
    assert not missing, f"make targets not in the Makefile: {missing}"


def library_paths() -> set[tuple[str, str]]:
    """(page, path) for each library path the pages name; docs/layout.md lists modules by bare name
    (`models.py`) under their subpackage, so those are looked for anywhere in the library."""
    found = set()
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for path in LIBRARY_PATH.findall(text):
            path = path.rstrip(".,")
            found.add((name(page), path if path.startswith("scripts/") else f"scripts/{path}"))
        if page.name == "layout.md":
            for module in BARE_MODULE.findall(text):
                found.add((name(page), f"scripts/mlplab/**/{module}"))
    return found


def exists(path: str) -> bool:
    """A path with a placeholder such as `<topic>`, or a glob, exists when some file fits it."""
    if "<" in path or "*" in path:
        return any(REPO.glob(re.sub(r"<[^>]*>", "*", path)))
    return (REPO / path).exists()


def test_named_library_paths_exist():
    named = library_paths()
    assert any(path.endswith(".py") for _, path in named), "no library module named: the pattern is broken"
    missing = sorted((page, path) for page, path in named if not exists(path))
    assert not missing, f"library paths named in the documentation that do not exist: {missing}"


# ---- Every command works as written, in a fresh shell after `make run` ----

VENV_BIN = REPO / ".venv" / "bin"
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
SHELL_COMMENT = re.compile(r"(?:^|\s)#.*$")
SEPARATOR = re.compile(r"\s*(?:&&|\|\||[|;])\s*")
ASSIGNMENT = re.compile(r"[A-Za-z_]\w*=\S*")


def console_scripts() -> set[str]:
    with (REPO / "pyproject.toml").open("rb") as f:
        return set(tomllib.load(f)["project"]["scripts"])


def venv_programs() -> set[str]:
    """The programs the set-up installs into .venv/bin: those there (where this checkout has a venv) and
    the console scripts pyproject.toml declares."""
    there = {path.name for path in VENV_BIN.iterdir()} if VENV_BIN.is_dir() else set()
    return there | console_scripts()


def locked_packages() -> set[str]:
    """The names of the packages requirements-lock.txt pins (a program of the same name is theirs)."""
    return set(re.findall(r"^([A-Za-z0-9][\w.-]*)==", (REPO / "requirements-lock.txt").read_text(), re.M))


def commands(page: Path) -> list[str]:
    """Every command the page tells a reader to run: each line of its `sh` blocks (continuations joined,
    comments dropped) and each inline code span that starts with a program the set-up installs, with
    `.venv/bin/`, or with `make`."""
    text = page.read_text(encoding="utf-8")
    found = []
    for block in SH_BLOCK.findall(text):
        for line in block.replace("\\\n", " ").splitlines():
            if line := SHELL_COMMENT.sub("", line).strip():
                found.append(line)
    programs = venv_programs() | {"make"}
    for span in CODE_SPAN.findall(FENCE.sub("", text)):
        words = span.strip("`").split()
        if words and (words[0] in programs or words[0].startswith(".venv/bin/")):
            found.append(" ".join(words))
    return found


def unresolved(command: str, targets: set[str], programs: set[str], packages: set[str]) -> list[str]:
    """Why each part of a command (parts joined by |, &&, ;) would not run as written in a fresh shell with
    the venv not on PATH; an empty list where every part does. Programs outside the venv (cp, squeue) are
    the system's."""
    problems = []
    for part in SEPARATOR.split(command):
        words = part.split()
        while words and ASSIGNMENT.fullmatch(words[0]):  # VAR=value before the program
            words.pop(0)
        if not words:
            continue
        program, arguments = words[0], words[1:]
        if program == "make":
            named = [w for w in arguments if not w.startswith("-") and not ASSIGNMENT.fullmatch(w)]
            problems += [f"`make {t}`: no such target in the Makefile" for t in named if t not in targets]
        elif program.startswith(".venv/bin/"):
            name = program.removeprefix(".venv/bin/")
            if not ((VENV_BIN / name).exists() or name in console_scripts() or name in packages):
                problems.append(f"{program}: not installed by the set-up")
        elif program in programs:
            problems.append(f"`{program}` is not on PATH in a fresh shell: write .venv/bin/{program}")
        elif "/" in program and not (REPO / program).exists():
            problems.append(f"{program}: no such file in the repository")
    return problems


def test_commands_are_found_in_blocks_and_spans():
    found = [c for page in PAGES for c in commands(page)]
    assert any(c.startswith("make ") for c in found) and any(c.startswith(".venv/bin/") for c in found)
    targets, programs, packages = {"run"}, {"snakemake", "mlplab-status"}, {"snakemake"}
    assert unresolved(".venv/bin/snakemake --cores all | tail -1", targets, programs, packages) == []
    assert unresolved("make run WATCH=1 && make nope", targets, programs, packages) == [
        "`make nope`: no such target in the Makefile"
    ]
    assert unresolved("mlplab-status results", targets, programs, packages)  # bare: not on PATH
    assert unresolved("tests/cluster/no-such.sh", targets, programs, packages)
    assert unresolved("squeue --name x", targets, programs, packages) == []  # the system's


@pytest.mark.parametrize("page", PAGES, ids=name)
def test_every_command_works_as_written_without_the_venv_on_path(page):
    targets = set(MAKE_RULE.findall((REPO / "Makefile").read_text(encoding="utf-8")))
    programs, packages = venv_programs(), locked_packages()
    problems = [f"{c!r}: {why}" for c in commands(page) for why in unresolved(c, targets, programs, packages)]
    assert not problems, f"{name(page)}:\n" + "\n".join(problems)
