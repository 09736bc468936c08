"""mlplab.compare.rendering and rendering_html: a table's cells written with the project's formatting, and
the markdown and HTML outputs, escaped and self-contained, the page in the shared page style."""

import re
import shutil
from html.parser import HTMLParser

import pytest
from compare_runs import MLP, acc, comparison, run_compare, write_before, write_entry

from mlplab.compare.rendering import WIDTH, format_text, table_cells
from mlplab.presentation.formatting import NO_VALUE
from mlplab.presentation.text_table import text_table


@pytest.fixture
def before(tmp_path):
    return write_before(tmp_path)


def test_cells_are_written_as_on_the_report(before, tmp_path):
    after = tmp_path / "after"
    shutil.copytree(before / "runs/poly", after / "runs/poly")
    write_entry(after, "runs/mlp", acc([0.85, 0.862, 0.868]))
    write_entry(after, "runs/new", acc([0.9]))
    c = comparison(before, after)
    cells = {(e.label, row.metric): table_cells(row, e) for e in c.entries for row in e.rows}
    entry, metric, a, b, difference, p, detectable, verdict = cells[("mlp", "test_acc")]
    assert (entry, metric, verdict) == ("mlp", "test_acc", "changed")
    assert a == "0.810 [0.785, 0.835], n = 3" and b == "0.860 [0.837, 0.883], n = 3"
    assert (difference, p, detectable) == ("+0.0500 [+0.0450, +0.0550]", "0.00107", "0.0065")
    # Only on one side: no B − A, no test; the no-value mark is the report's en dash.
    assert cells[("new", "test_acc")][2:] == [
        NO_VALUE,
        "0.900, n = 1",
        NO_VALUE,
        NO_VALUE,
        NO_VALUE,
        "only in B",
    ]
    # No test, but both sides: the difference of the means without an interval.
    assert cells[("poly", "test_loss")][4:] == ["+0.00", NO_VALUE, NO_VALUE, "identical"]
    assert "—" not in format_text(c)  # the em dash compare wrote before


EXTERNAL = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.links, self.headings, self.svg_in = [], [], [], []
        self.figure, self.heading = None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        self.links += [v for k, v in attrs.items() if k in ("src", "href", "xlink:href")]
        if tag == "figure":
            self.figure = attrs.get("id")
        if tag == "svg" and self.figure:
            self.svg_in.append(self.figure)
        if tag == "h3":
            self.heading = ""

    def handle_data(self, data):
        if self.heading is not None:
            self.heading += data

    def handle_endtag(self, tag):
        if tag == "figure":
            self.figure = None
        if tag == "h3":
            self.headings.append(self.heading)
            self.heading = None


def test_markdown_and_html_are_written_escaped_and_self_contained(before, tmp_path):
    after = tmp_path / "after"
    shutil.copytree(before / "runs/poly", after / "runs/poly")
    write_entry(after, "runs/mlp", acc([0.85, 0.862, 0.868]), config={**MLP, "lr": "<script>x</script>"})
    write_entry(before, "runs/odd<b>|name", acc([0.5, 0.6]), config={**MLP, "kind": "mlp_scratch"})
    write_entry(after, "runs/odd<b>|name", acc([0.5, 0.6]), config={**MLP, "kind": "mlp_scratch"})
    md, page = tmp_path / "out/compare.md", tmp_path / "out/compare.html"
    page.parent.mkdir()
    assert run_compare(before, after, "--markdown", str(md), "--html", str(page)) == 0

    text = md.read_text()
    start = text.index("| entry | metric | A mean [95% CI] |")
    table = text[start : text.index("\n\n", start)].splitlines()
    assert len(table) == 2 + 6 and all(line.count(" | ") == 7 for line in table if line.startswith("| "))
    assert "| odd&lt;b&gt;\\|name | test_acc |" in text
    assert re.search(r"\*\*config changed(: [a-z]+[^*]*)?\*\*", text)
    assert 'lr 0.1 → "&lt;script&gt;x&lt;/script&gt;"' in text
    assert "| threads | 1 | 1 |" in text

    html = page.read_text()
    parsed = Page()
    parsed.feed(html)
    assert "script" not in parsed.tags and "link" not in parsed.tags and "iframe" not in parsed.tags
    assert [link for link in parsed.links if EXTERNAL.match(link)] == []
    assert "<script" not in html and "<b>" not in html and "odd&lt;b&gt;|name" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert parsed.headings == ["Multilayer perceptron", "Model selection: polynomial regression"]
    assert parsed.svg_in == ["topic-mlp", "topic-polynomial"]  # one figure with an inline SVG per topic


def test_not_tested_and_unaccounted_seeds_show_in_every_output(before, tmp_path, capsys):
    """n = 1 is 'not tested (n = 1)' in the text, the markdown and the page; seeds and chance alike."""
    after = tmp_path / "after"
    shutil.copytree(before / "runs/poly", after / "runs/poly")
    write_entry(before, "runs/one", acc([0.5]), config={**MLP, "lr": 0.2})
    write_entry(after, "runs/one", acc([0.6]), config={**MLP, "lr": 0.2})
    write_entry(after, "runs/mlp", acc([0.10, 0.81, 0.82, 0.83]))
    (after / "runs/poly/seed5").mkdir()
    md, page = tmp_path / "out/compare.md", tmp_path / "out/compare.html"
    page.parent.mkdir()
    assert run_compare(before, after, "--fail-on-change", "--markdown", str(md), "--html", str(page)) == 1
    text = capsys.readouterr().out
    markdown, html = md.read_text(), page.read_text()
    assert re.search(r"^one\s+test_acc\s.*not tested \(n = 1\)$", text, re.M)
    assert (
        "| one | test_acc | 0.500, n = 1 | 0.600, n = 1 | +0.100 | – | – | **not tested (n = 1)** |"
        in markdown
    )
    assert "<td>not tested (n = 1)</td>" in html and 'class="miss"' in html
    for line in (
        "mlp: seed 3 only in B; tested with a Welch",
        "poly: B seed5 waiting, only in B",
        "mlp: at chance: B seed 0 (test accuracy 0.100 is within 0.05 of chance (1/10))",
        "one test_acc: fewer than 2 completed seeds on a side (A 1, B 1): no test",
        "Runs: A 7 finished; B 8 finished, 1 unfinished.",
    ):
        assert line in text and line in markdown and line in html, line


def test_the_same_folder_is_said_in_every_output(before, tmp_path, capsys):
    md, page = tmp_path / "compare.md", tmp_path / "compare.html"
    assert run_compare(before, before, "--markdown", str(md), "--html", str(page)) == 0
    said = f"A and B are the same folder ({before.resolve()}): every run is compared with itself."
    assert said in capsys.readouterr().out and said in md.read_text() and said in page.read_text()


def test_the_terminal_table_fits_100_columns_with_changes_first_and_identical_rows_counted(before, tmp_path):
    """Long names wrap, the changed row comes before the rest, the identical rows are one line; --wide
    gives every row and column on one line each."""
    after = tmp_path / "after"
    shutil.copytree(before, after)
    long = "runs/mlp_scratch_relu_logits_with_a_much_longer_name"
    write_entry(before, long, acc([0.80, 0.81, 0.82]))
    write_entry(after, long, acc([0.85, 0.862, 0.868]))
    c = comparison(before, after)
    narrow = format_text(c).splitlines()
    table = narrow[narrow.index("") + 1 : narrow.index("", narrow.index("") + 1)]
    assert max(map(len, table)) <= WIDTH
    header, rule, first, *rest = table
    assert header.split()[:2] == ["entry", "metric"] and set(rule) == {"-", " "}
    assert first.startswith("mlp_") and re.search(
        r"\+0\.0500 \[\+0\.0450, \+0\.0550\]\s+\S+\s+changed$", first
    )
    assert "".join(line.split()[0] for line in [first, *rest[:3]] if line[0] != " ").startswith(
        "mlp_scratch_relu_logits_with_a_much_longer_name"
    )  # wrapped at its underscores, in the entry column
    counted = [line for line in rest if "identical" in line]
    assert len(counted) == 1 and counted[0].startswith("... and 4 rows of 2 entries identical")
    assert "0.810 [0.785, 0.835], n = 3" not in "\n".join(table)  # A's interval only with --wide

    wide = format_text(c, wide=True).splitlines()
    rows = [line for line in wide if line.startswith(("mlp", "poly"))]
    assert len(rows) == 6 and rows[0].startswith("mlp_scratch_relu_logits_with_a_much_longer_name")
    verdicts = ["changed", "within noise", *["identical"] * 4]  # changes first here too
    assert all(line.endswith(f"  {verdict}") for line, verdict in zip(rows, verdicts, strict=True))
    assert "0.810 [0.785, 0.835], n = 3" in "\n".join(wide) and max(map(len, wide)) > WIDTH


def test_text_table_wraps_only_where_it_may():
    lines = text_table(
        ["name", "value"], [["alpha_beta_gamma", "+0.0500 [+0.0450, +0.0550]"]], [True, False], 39
    )
    assert lines == [
        "name         value",
        "-----------  --------------------------",
        "alpha_beta_  +0.0500 [+0.0450, +0.0550]",
        "gamma",
    ]
    # Too narrow to fit without breaking a number: as narrow as it goes, the number whole.
    assert text_table(["n"], [["+0.0500 [+0.0450, +0.0550]"]], [False], 10)[2] == "+0.0500 [+0.0450, +0.0550]"
