"""The incident engine's one doorway to the runbook engine: resolve a REF, parse a file, substitute.

Kept in one small module so that the rest of the incident code (and its tests) depend on three
functions, not on the runbook package's layout.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from warroom.errors import NotFoundError, WarroomError
from warroom.paths import expand

if TYPE_CHECKING:
    from warroom.config import Config
    from warroom.runbook.model import Runbook


def looks_like_path(ref: str) -> bool:
    return os.sep in ref or ref.endswith((".md", ".markdown")) or ref.startswith(("~", "."))


def resolve_ref(ref: str | os.PathLike[str], config: Config | None) -> Path:
    """A runbook id (``RB-CORE-003``) or a file path -> the markdown file it names.

    An id the library lists is read as that id first, as ``runbooks show`` and the dashboard read
    it (``RunbookLibrary.get``), even when it reads like a path (``team/RB-1``, ``RB-2.md``, a
    file-name id from ``v2.md.md``) or a file of that name sits in the working directory: every
    id ``runbooks lint`` passes opens by that id. A path given whole (absolute, or ``~/...``) is a
    file and never parses the library."""
    text = str(ref).strip()
    if not text:
        raise WarroomError("empty runbook reference")
    path = expand(text)
    if path.is_absolute() and path.is_file():
        return path.resolve()
    from warroom.runbook.library import RunbookLibrary

    library = RunbookLibrary.from_config(config)
    found = library.by_typed_id(text)
    if found is None:
        if path.is_file():
            return path.resolve()
        if looks_like_path(text):
            raise NotFoundError(f"{path}: runbook file not found")
        found = library.get(text)  # NotFoundError names close ids
    if found.path is None:
        raise NotFoundError(f"runbook {text!r} has no file to snapshot")
    return Path(found.path).resolve()


def load_file(path: Path) -> Runbook:
    """Parse a runbook file (the incident's snapshot)."""
    from warroom.runbook.parser import load_runbook

    return load_runbook(path)


def substitute(command: str, values: dict[str, str], *, declared: list[str] | tuple[str, ...] = (),
               kind: str = "shell", wide: list[str] | tuple[str, ...] = ()) -> str:
    """Put parameter values into a command, quoted for where each placeholder sits (the runbook
    engine's rules: a value always stays literal text, never code)."""
    from warroom.runbook.params import substitute as _substitute

    return _substitute(command, values, declared=declared, kind=kind, wide=wide)


def param_key(name: str) -> str:
    """A written parameter name as the key runbooks use (``instance label`` -> ``instance_label``)."""
    from warroom.runbook import model

    normalise = getattr(model, "param_key", None)
    return normalise(name) if normalise is not None else name.strip()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(65536), b""):
            h.update(chunk)
    return h.hexdigest()
