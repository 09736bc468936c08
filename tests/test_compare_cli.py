"""mlplab.compare.cli: the options, their parsing (--level, --margin METRIC=VALUE) and the exit status of
bad options, and what is refused before anything is read."""

import shutil

import pytest
from compare_runs import run_compare

from mlplab.compare.cli import parse_margin
from mlplab.presentation.margins import Margin


@pytest.mark.parametrize(
    "options, message",
    [
        (["--level", "1.5"], "--level: expected a number between 0 and 1"),
        (["--margin", "test_acc"], "--margin: expected METRIC=VALUE"),
        (["--margin", "test_acc=-1"], "--margin: expected METRIC=VALUE"),
        (["--margin", "test_accc=0.01"], "--margin names test_accc"),
        # An accuracy lies in [0, 1]: an absolute margin of 5 would call a drop of 0.15 noise.
        (["--margin", "test_acc=5"], "--margin: an absolute margin of 5 for test_acc, which lies in [0, 1]"),
        (["--margin", "train_acc=1"], "give it in the metric's unit (e.g. train_acc=0.05 for five points)"),
    ],
)
def test_bad_options_are_bad_input(before, capsys, options, message):
    assert run_compare(before, before, *options) == 2
    assert message in capsys.readouterr().err


def test_margins_absolute_and_relative():
    assert parse_margin("test_acc=0.01") == ("test_acc", Margin(0.01, relative=False))
    assert parse_margin("test_loss=2%") == ("test_loss", Margin(0.02, relative=True))
    assert parse_margin("test_acc=5%") == ("test_acc", Margin(0.05, relative=True))
    assert parse_margin("test_loss=5") == ("test_loss", Margin(5.0, relative=False))  # a loss is unbounded


def test_a_margin_option_is_used_and_said(before, capsys):
    assert run_compare(before, before, "--margin", "test_loss=2%", "--level", "0.01") == 0
    out = capsys.readouterr().out
    assert "test_loss 2 % of A's mean (--margin)" in out and "level 0.01." in out


@pytest.mark.parametrize("option", ["--markdown", "--html"])
@pytest.mark.parametrize("side", ["A", "B"])
def test_an_output_inside_a_or_b_is_refused_before_anything_is_read(before, tmp_path, capsys, option, side):
    after = tmp_path / "after"
    shutil.copytree(before, after)
    folder = before if side == "A" else after
    run_json = folder / "runs/mlp/seed0/run.json"
    kept = run_json.read_bytes()
    assert run_compare(before, after, option, str(run_json)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # refused before any comparison is printed
    assert captured.err == (
        f"mlplab-compare: {option} {run_json} lies inside {side} ({folder}), where it could overwrite a "
        "run's files; write it outside both results folders\n"
    )
    assert run_json.read_bytes() == kept
    new_file = folder / "compare.md"
    assert run_compare(before, after, option, str(new_file)) == 2
    assert not new_file.exists()
    # Even when the folder holds no results at all: nothing is read first.
    assert run_compare(tmp_path / "missing", after, option, str(tmp_path / "missing/out")) == 2
    assert "lies inside A" in capsys.readouterr().err and not (tmp_path / "missing").exists()
