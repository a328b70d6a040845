"""The files an import reads: paths and folders expanded, in natural order (part2 before part10)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from ntc_tui.errors import UsageError

_DIGITS = re.compile(r"(\d+)")


def natural_key(path: Path) -> tuple[tuple[int, int | str], ...]:
    """Sort key of a path: runs of digits compare as numbers, the rest as text."""
    parts: list[tuple[int, int | str]] = []
    for component in path.parts:
        for index, piece in enumerate(_DIGITS.split(component)):
            if piece:
                parts.append((1, int(piece)) if index % 2 else (0, piece))
        parts.append((-1, ""))  # a component ends before anything else continues
    return tuple(parts)


def collect_paths(paths: Sequence[Path], recursive: bool) -> list[Path]:
    """The files named or held by ``paths`` (folders' subfolders only when ``recursive``), each
    folder's files in natural order; UsageError for a path that does not exist."""
    files: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found = path.rglob("*") if recursive else path.iterdir()
            members = sorted((p for p in found if p.is_file()), key=natural_key)
        elif path.exists():
            members = [path]
        else:
            raise UsageError(f"{path}: no such file or folder")
        for member in members:
            resolved = member.resolve()
            if resolved not in seen:
                seen.add(resolved)
                files.append(member)
    return files
