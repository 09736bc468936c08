"""The library modules declared as a rule's inputs (computed from the import graph) are exactly those
its script really imports: per script, per kind for the training script and per analysis for the
analysis script."""

from pathlib import Path

import pytest
from real_imports import kind_modules, real_imports

import tiny
from mlplab.workflow.catalogue import ANALYSES, KINDS
from mlplab.workflow.library_inputs import library_inputs

SCRIPTS = tiny.REPO / "scripts"
RULE_SCRIPTS = sorted(p for p in SCRIPTS.glob("*.py") if p.name != "train.py")


def declared(script, extra=()) -> set[str]:
    """Module names of the declared files: `mlplab.chapter.models`, and `mlplab.chapter` for its __init__."""
    files = (Path(p).relative_to(SCRIPTS).with_suffix("") for p in library_inputs(SCRIPTS, script, extra))
    return {".".join(f.parts[:-1] if f.name == "__init__" else f.parts) for f in files}


@pytest.mark.slow
@pytest.mark.parametrize("script", RULE_SCRIPTS, ids=lambda p: p.name)
def test_declared_library_inputs_are_the_real_imports(script):
    assert declared(script) == real_imports(script)


@pytest.mark.slow
@pytest.mark.parametrize("name", KINDS)
def test_training_inputs_per_kind_are_the_real_imports(name):
    extra = kind_modules(KINDS[name])
    assert declared(SCRIPTS / "train.py", extra) == real_imports(SCRIPTS / "train.py", extra)


def test_training_inputs_separate_classifiers_from_regressions():
    """Editing models.py must rerun the classifiers only, regression.py the regressions only."""
    users = {name: declared(SCRIPTS / "train.py", kind_modules(kind)) for name, kind in KINDS.items()}
    for name, modules in users.items():
        classifier = KINDS[name].family == "classifier"
        assert ("mlplab.chapter.models" in modules) == classifier, name
        assert ("mlplab.chapter.regression" in modules) != classifier, name
        assert "mlplab.presentation.topics" not in modules  # a caption edit reruns no training


@pytest.mark.slow
@pytest.mark.parametrize("name", ANALYSES)
def test_analysis_inputs_per_analysis_are_the_real_imports(name):
    extra = (ANALYSES[name].module,)
    assert declared(SCRIPTS / "analysis.py", extra) == real_imports(SCRIPTS / "analysis.py", extra)


def test_only_the_dropout_demo_depends_on_the_models():
    """Editing models.py reruns the dropout demonstration, not the curves; no analysis reads presentation."""
    users = {name: declared(SCRIPTS / "analysis.py", (a.module,)) for name, a in ANALYSES.items()}
    assert {name for name, modules in users.items() if "mlplab.chapter.models" in modules} == {"dropout_demo"}
    assert not any("mlplab.presentation.topics" in modules for modules in users.values())
