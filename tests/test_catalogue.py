"""Everything that reads the catalogue agrees with it: each kind's code and data, each analysis, each topic
and figure, the generic caption, the report template and the workflow's rules."""

import dataclasses

import pytest
import yaml
from source_scan import string_constants

import tiny
from mlplab.chapter import synthetic
from mlplab.presentation import figures as plots
from mlplab.presentation.topics import FIGURES, METRIC_LABELS, TOPICS, Runs
from mlplab.workflow.catalogue import (
    ANALYSES,
    ANALYSIS_CONFIGS,
    DATASETS,
    KINDS,
    METRICS,
    SYNTHETIC,
    Family,
    canonical,
    kind_schema,
    optional,
    parse_entry,
)
from mlplab.workflow.library_inputs import imported_modules
from mlplab.workflow.named_objects import resolve as load_object

CONFIG = yaml.safe_load((tiny.REPO / "config.yaml").read_text())
LIBRARY = tiny.REPO / "scripts/mlplab"
TEMPLATES = LIBRARY / "presentation/templates"


@pytest.mark.parametrize("name", KINDS)
def test_each_kind_names_code_and_data_that_exist(name):
    kind = KINDS[name]
    assert callable(load_object(kind.fit))
    if kind.model:
        assert isinstance(load_object(kind.model), type)
    assert kind.data in DATASETS and set(kind.metrics) <= set(METRICS)
    assert isinstance(kind.family, Family)
    assert kind.uses_device == (kind.family == "classifier")  # the regressions are too small for a GPU


def test_every_entry_of_the_shipped_config_parses_into_its_kind():
    for name, entry in CONFIG["experiments"].items():
        config = parse_entry(entry)
        assert isinstance(config, KINDS[entry["kind"]].config), name
        # The entry's own values, and the optional hyperparameters it leaves out at their defaults.
        written = {k: v for k, v in dataclasses.asdict(config).items() if k in entry}
        assert {"kind": entry["kind"], **written} == entry
        defaults = {f.name: f.default for f in dataclasses.fields(config) if f.name not in entry}
        assert all(optional(f) for f in dataclasses.fields(config) if f.name in defaults), name
        assert {k: getattr(config, k) for k in defaults} == defaults


def test_optional_hyperparameters_may_be_left_out_and_nothing_else():
    schema = kind_schema("mlp_concise")
    assert "init" not in schema["required"] and "validation" not in schema["required"]
    assert {"lr", "num_hiddens", "init_std"} <= set(schema["required"])
    assert KINDS["mlp_concise"].metrics_of(
        parse_entry({**CONFIG["experiments"]["mlp_concise"], "validation": 5})
    ) == ("train_loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc")
    assert (
        KINDS["mlp_concise"].metrics_of(parse_entry(CONFIG["experiments"]["mlp_concise"]))
        == KINDS["mlp_concise"].metrics
    )


def test_data_sets_and_analyses_have_generators_and_config():
    assert set(synthetic.GENERATORS) == set(SYNTHETIC) <= set(DATASETS)
    assert set(SYNTHETIC) <= set(CONFIG["data"]) and "fashion_mnist" in CONFIG["data"]
    assert list(CONFIG["analyses"]) == ANALYSIS_CONFIGS
    for analysis in ANALYSES.values():
        assert callable(load_object(analysis.function)), analysis.name
        assert analysis.config in ANALYSIS_CONFIGS, analysis.name
    # Only the two tables of one draw share a block; every other analysis reads its own.
    shared = {a.name: a.config for a in ANALYSES.values() if a.config != a.name}
    assert shared == {"exploding_gradient_matrices": "exploding_gradient"}


def test_figures_and_topics_refer_to_what_exists():
    assert set(METRIC_LABELS) == set(METRICS)
    for figure in FIGURES.values():
        assert callable(getattr(plots, figure.draw)), figure.name
        assert figure.topic in TOPICS and set(figure.analyses) <= set(ANALYSES), figure.name
        assert figure.runs is None or set(figure.runs.kinds) <= set(KINDS), figure.name
        assert figure.caption.strip(), figure.name
    for topic in TOPICS.values():
        assert topic.runs is None or set(topic.runs.kinds) <= set(KINDS), topic.name
        assert set(topic.analyses) <= set(ANALYSES), topic.name
        assert (TEMPLATES / topic.reading).is_file(), topic.name
        for demo in topic.demos:
            assert format(1.5, demo.format), (topic.name, demo.analysis)
            assert (TEMPLATES / f"readings/demo_{demo.analysis}.html.j2").is_file(), demo.analysis
    # No reading without its topic or demonstration.
    readings = {p.name for p in (TEMPLATES / "readings").glob("*.j2")}
    demos = {f"demo_{d.analysis}.html.j2" for t in TOPICS.values() for d in t.demos}
    assert readings == {f"{t}.html.j2" for t in TOPICS} | demos
    # Every analysis is shown: drawn by a figure or printed as tables by a topic.
    drawn = {a for f in FIGURES.values() for a in f.analyses}
    assert drawn | {a for t in TOPICS.values() for a in t.analyses} == set(ANALYSES)
    # Every topic is drawn by at least one figure, and every figure of the shipped config is drawable.
    assert {f.topic for f in FIGURES.values()} == set(TOPICS)
    assert all(f.drawable(CONFIG["experiments"]) for f in FIGURES.values())


def test_selection_is_by_kind_and_family_never_by_name():
    catalogue = {
        "dropout_lookalike": {**CONFIG["experiments"]["mlp_concise"]},  # a name that says dropout
        "b": CONFIG["experiments"]["dropout_concise"],
        "a": CONFIG["experiments"]["mlp_scratch_relu_logits"],
        "poly": CONFIG["experiments"]["poly_normal"],
    }
    assert TOPICS["dropout"].runs.select(catalogue) == ["b"]
    assert FIGURES["dropout_vs_mlp"].experiments(catalogue) == ["b", "dropout_lookalike"]  # no ablation
    assert Runs(family="classifier").select(catalogue) == ["dropout_lookalike", "b", "a"]
    assert FIGURES["dropout_vs_mlp"].experiments({"p": catalogue["poly"], "a": catalogue["a"]}) == []


def test_caption_template_and_rules_read_the_catalogue():
    assert (tiny.REPO / "captions/figure.rst").read_text().strip() == "{{ snakemake.params.caption }}"
    template = (tiny.REPO / "scripts/mlplab/presentation/templates/report.html.j2").read_text()
    assert "{% for topic, s in sections.items() %}" in template
    # A topic's own part, where its content really differs, is an include the loop finds by name.
    assert '{% include "topics/" ~ topic ~ ".html.j2" ignore missing %}' in template
    includes = (tiny.REPO / "scripts/mlplab/presentation/templates/topics").glob("*.html.j2")
    assert {p.name.removesuffix(".html.j2") for p in includes} <= set(TOPICS)
    assert not any(f"sections.{topic}" in template for topic in TOPICS)
    rules = tiny.workflow_rules()
    assert all(rules[topic].script is None for topic in TOPICS)  # a target per topic
    # A rule's script has the rule's name, and every script is some rule's; a sweep's point trains its
    # seeds in blocks with the catalogue's own script.
    scripted = {name: rule.script for name, rule in rules.items() if rule.script}
    same_script = {name: "train" for name in rules if name.startswith("train_block")}
    assert all(script == f"../scripts/{same_script.get(name, name)}.py" for name, script in scripted.items())
    assert {p.stem for p in (tiny.REPO / "scripts").glob("*.py")} == set(scripted) - set(same_script)
    assert rules["plot"].wildcard_constraints["figure"] == "|".join(FIGURES)
    assert rules["analysis"].wildcard_constraints["analysis"] == "|".join(ANALYSES)


def test_canonical_sorts_keys_recursively_and_keeps_list_order():
    value = {"b": [3, {"z": 1, "a": 2}], "a": 1}
    assert repr(canonical(value)) == "{'a': 1, 'b': [3, {'a': 2, 'z': 1}]}"


# ---- One vocabulary: each metric, family and margin spelled in one place ----

# Where each word is declared; a second spelling anywhere else in the library is what this guards against.
DECLARED_IN = {
    **dict.fromkeys(METRICS, LIBRARY / "chapter/metrics.py"),
    **{str(f): LIBRARY / "workflow/catalogue.py" for f in Family},
}


def test_metric_and_family_names_are_spelled_once():
    second_spellings = [
        f"{path.relative_to(LIBRARY)}:{line}: {value!r} (declared in {DECLARED_IN[value].name})"
        for path in sorted(LIBRARY.rglob("*.py"))
        for line, value in string_constants(path)
        if value in DECLARED_IN and path != DECLARED_IN[value]
    ]
    assert not second_spellings


def test_margins_are_declared_once():
    """Only presentation/margins.py declares how large a difference must be to matter."""
    declaring = {
        path.relative_to(LIBRARY).as_posix()
        for path in LIBRARY.rglob("*.py")
        if "Margin(" in path.read_text()
        and "class Margin" in path.read_text()
        or "_MARGIN =" in path.read_text()
    }
    assert declaring == {"presentation/margins.py"}


def test_library_layers_never_import_upwards():
    """chapter < workflow < presentation < compare and tools: a module imports its own layer or lower ones."""
    rank = {"chapter": 0, "workflow": 1, "presentation": 2, "compare": 3, "tools": 3}
    upward = []
    for path in sorted(LIBRARY.rglob("*.py")):
        layer = path.relative_to(LIBRARY).parts[0]
        if layer not in rank:
            continue
        for module in imported_modules(path, LIBRARY.parent):
            parts = module.split(".")
            if len(parts) > 1 and parts[1] in rank and rank[parts[1]] > rank[layer]:
                upward.append(f"{path.relative_to(LIBRARY)} imports {module}")
    assert not upward


def test_no_page_imports_another():
    """What pages share (statistics, margins, the number format, the Jinja environment) lies below them:
    neither a page module nor mlplab-compare imports a page module."""
    pages = {
        "mlplab.presentation.report_page",
        "mlplab.presentation.exercises_page",
        "mlplab.presentation.decide_page",
    }
    importing = [
        f"{path.relative_to(LIBRARY)} imports {module}"
        for path in sorted(LIBRARY.rglob("*.py"))
        for module in imported_modules(path, LIBRARY.parent)
        if module in pages and module.split(".")[-1] != path.stem
    ]
    assert not importing


def test_no_library_module_is_a_manual():
    """Modules of one job each: none over about 400 lines."""
    long = {
        p.relative_to(LIBRARY).as_posix(): n
        for p in LIBRARY.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 420
    }
    assert not long
