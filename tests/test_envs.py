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


def test_every_rule_that_runs_code_names_the_env():
    """Rules with a script need the env under --software-deployment-method conda; target rules don't."""
    checked = 0
    for smk in (REPO / "rules").glob("*.smk"):
        for block in smk.read_text().split("\nrule ")[1:]:
            if "script:" in block:
                name = block.split(":", 1)[0]
                assert 'conda:\n        "../envs/mlplab.yaml"' in block, f"{smk.name}: rule {name}"
                checked += 1
    assert checked >= 10
