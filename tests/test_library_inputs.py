"""The library modules declared as a rule's inputs (computed from the import graph) are exactly those
its script really imports: per script, and per kind for the training script."""

import pytest
from real_imports import kind_modules, real_imports

import tiny
from mlplab.catalogue import KINDS
from mlplab.imports import library_inputs

SCRIPTS = tiny.REPO / "scripts"
RULE_SCRIPTS = sorted(p for p in SCRIPTS.glob("*.py") if p.name != "train.py")


def declared(script, extra=()) -> set[str]:
    return {
        f"mlplab.{p.rsplit('/', 1)[-1].removesuffix('.py')}" for p in library_inputs(SCRIPTS, script, extra)
    }


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
        assert ("mlplab.models" in modules) == classifier, name
        assert ("mlplab.regression" in modules) != classifier, name
        assert "mlplab.presentation" not in modules  # a caption edit reruns no training
