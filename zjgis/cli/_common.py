"""Helpers shared by the subcommand modules (not a subcommand itself)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from zjgis.errors import WriteError

__all__ = ["refuse_existing"]


def refuse_existing(paths: Iterable[str | os.PathLike | None], *, overwrite: bool) -> None:
    """Stop before any work when an output exists and ``--overwrite`` was not given.

    Checked again at write time (``zjgis.io.atomic_write(..., overwrite=...)``), so
    a file that appears while the command runs is not replaced either.

    Raises
    ------
    WriteError
        Naming the first existing output.
    """
    if overwrite:
        return
    for path in paths:
        if path is not None and Path(path).exists():
            msg = f"{path} exists; pass --overwrite to replace it"
            raise WriteError(msg)
