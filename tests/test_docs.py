"""The README stays short and the documentation holds together: links resolve, every page under docs/ is
linked from the README, and the make targets and library paths it names exist. Reads files only."""

import re
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
