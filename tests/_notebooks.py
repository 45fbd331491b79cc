"""Execute each notebook once per test session (shared by test_notebooks and test_docs).

A notebook runs in a fresh temporary folder (its working directory), so whatever it writes
can be checked there; the executed notebook (with outputs) is cached for the session.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
_CACHE: dict[Path, tuple[object, Path]] = {}


def execute(path: Path):
    """Return ``(executed notebook, working folder)``; a failing cell raises."""
    path = Path(path).resolve()
    if path not in _CACHE:
        nbformat = pytest.importorskip("nbformat")
        nbclient = pytest.importorskip("nbclient")
        nb = nbformat.read(path, as_version=4)
        cwd = Path(tempfile.mkdtemp(prefix=f"zjgis-nb-{path.stem}-"))
        client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                         resources={"metadata": {"path": str(cwd)}})
        client.execute()
        _CACHE[path] = (nb, cwd)
    return _CACHE[path]
