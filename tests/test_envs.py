"""The conda environment and the pip requirements pin the same packages."""

import yaml

from tiny import REPO, workflow_rules


def pins(lines):
    return {line.strip() for line in lines if "==" in line and not line.lstrip().startswith("#")}


def test_conda_env_names_the_pip_pins():
    env = yaml.safe_load((REPO / "envs/mlplab.yaml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    requirements = pins((REPO / "requirements.txt").read_text().splitlines())
    assert requirements and pins(pip_section) == requirements
    assert "python=3.11" in env["dependencies"]


def test_every_rule_that_runs_code_names_the_env():
    """Rules with a script need the env under --software-deployment-method conda; target rules don't."""
    scripted = {name: rule for name, rule in workflow_rules().items() if rule.script}
    assert len(scripted) >= 8
    for name, rule in scripted.items():
        assert rule.conda_env == "../envs/mlplab.yaml", name
