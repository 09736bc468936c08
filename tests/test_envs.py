"""The conda environment and the pip requirements pin the same packages."""

import yaml

from tiny import REPO


def pins(lines):
    return {line.strip() for line in lines if "==" in line and not line.lstrip().startswith("#")}


def test_conda_env_names_the_pip_pins():
    env = yaml.safe_load((REPO / "envs/mlplab.yaml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    requirements = pins((REPO / "requirements.txt").read_text().splitlines())
    assert requirements and pins(pip_section) == requirements
    assert "python=3.11" in env["dependencies"]


def test_every_rule_names_the_env():
    for smk in (REPO / "rules").glob("*.smk"):
        text = smk.read_text()
        assert text.count("\nrule ") <= text.count('"../envs/mlplab.yaml"'), smk.name
