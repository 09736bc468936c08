"""The one resolver of "module:name" references, as the catalogue writes a kind's training code and
model, an analysis's function and a kind's closed-form fit: the module is imported only when the job
that needs it runs, so each job's library inputs stay its own."""

from __future__ import annotations

import importlib
from typing import Any


def module_of(target: str) -> str:
    """ "mlplab.chapter.training:train_classifier" → "mlplab.chapter.training"."""
    module, sep, name = target.partition(":")
    if not sep or not module or not name:
        raise ValueError(f"{target!r}: expected 'module:name'")
    return module


def resolve(target: str) -> Any:
    """ "module:name" → the object."""
    return getattr(importlib.import_module(module_of(target)), target.partition(":")[2])
