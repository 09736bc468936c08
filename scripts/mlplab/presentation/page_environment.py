"""The Jinja environment every page is rendered with (the report, the exercises, decide's page and
mlplab-compare's), and the folder of their templates: below the page modules, so that a page imports no
other page."""

from __future__ import annotations

from pathlib import Path

import jinja2

from mlplab.presentation.formatting import number

TEMPLATES = Path(__file__).with_name("templates")


def environment(autoescape: bool = True) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,  # a typo in the template fails the job instead of printing ""
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = number
    return env
