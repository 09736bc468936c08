"""What every Snakemake start would compute again from files that rarely change (each library file's
imports, the strict reading of the config files, the config check), kept between starts in a folder the
Snakefile names (.snakemake/mlplab/) and keyed by the SHA-256 of everything the result depends on: a
changed byte is a new key, so a result is never used for files other than those it was computed from.
Only successes are kept (a check that fails runs again, and says why). Written once, as the process
ends.

Off unless `use(folder)` turned it on: the library's other callers (tests, the tools) compute afresh.
Every cache is one small JSON file, replaced whole (a job's Snakemake on a cluster node may read it
while another writes); an unreadable one is an empty cache.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

_folder: Path | None = None
_loaded: dict[str, dict[str, Any]] = {}  # name → the entries read from its file
_used: dict[str, dict[str, Any]] = {}  # name → the entries this process looked up or made
_changed: set[str] = set()  # names with entries made by this process, not yet written


def use(folder: Path | str | None) -> None:
    """Keep results in `folder` from now on (made when first written); None: keep nothing."""
    global _folder
    if _folder is None and folder is not None:
        atexit.register(flush)
    _folder = None if folder is None else Path(folder)
    _loaded.clear()
    _used.clear()
    _changed.clear()


def digest(*parts: bytes | str) -> str:
    """The SHA-256 of `parts`, each length-prefixed so that ('ab', 'c') and ('a', 'bc') differ."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


def files_digest(paths) -> str:
    """One key for the contents of `paths` (and their names), in the order given."""
    return digest(*(x for p in paths for x in (str(p), Path(p).read_bytes())))


def _entries(folder: Path, name: str) -> dict[str, Any]:
    if name not in _loaded:
        try:
            _loaded[name] = json.loads((folder / f"{name}.json").read_text())
        except (OSError, ValueError):
            _loaded[name] = {}
    return _loaded[name]


def entry(name: str, key: str) -> Any | None:
    """The value kept under `key`, or None (always, while off)."""
    value = _entries(_folder, name).get(key) if _folder else None
    if value is not None:
        _used.setdefault(name, {})[key] = value
    return value


def keep(name: str, key: str, value: Any) -> None:
    """Keep `value` (JSON) under `key`, written when the process ends (`flush`); nothing while off."""
    if _folder:
        _used.setdefault(name, {})[key] = value
        _entries(_folder, name)[key] = value
        _changed.add(name)


def flush() -> None:
    """Write each cache that gained an entry, with the entries this process used: entries for files
    since edited drop out instead of piling up."""
    if _folder is None:
        return
    for name in sorted(_changed):
        try:
            _folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=_folder, prefix=f".{name}.")
            with os.fdopen(fd, "w") as f:
                json.dump(_used[name], f)
            os.replace(tmp, _folder / f"{name}.json")
        except OSError:
            pass  # a read-only folder: the result is simply computed again next time
    _changed.clear()
