"""What changed between two configs of an entry, as a person reads it: run.json's config against the
current one (mlplab-status's "out of date", mlplab-compare's "config changed"). Read only by the tools, not
by training, so that a change here reruns no run."""

from __future__ import annotations

import json


def config_changes(old: dict, new: dict) -> list[str]:
    """Keys changed ('lr 0.1 → 0.2'), added and removed, in key order."""
    changes = []
    for key in sorted(old.keys() | new.keys()):
        if key not in new:
            changes.append(f"removed {key} (was {json.dumps(old[key])})")
        elif key not in old:
            changes.append(f"added {key} = {json.dumps(new[key])}")
        elif old[key] != new[key]:
            changes.append(f"{key} {json.dumps(old[key])} → {json.dumps(new[key])}")
    return changes
