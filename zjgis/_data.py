"""Where zjgis finds the data it ships (layers and sample data).

The data live in the repository's ``data/`` folder, beside the package.  A
planner who installed zjgis elsewhere (or keeps the bureau's copy of the
data) points ``ZJGIS_DATA_DIR`` at a folder with the same layout
(``boundaries/``, ``sample_roads/``, ``sample_jobshousing/``,
``sample_register/``).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DATA_DIR_ENV", "data_root", "data_path"]

#: Environment variable naming the data root folder.
DATA_DIR_ENV = "ZJGIS_DATA_DIR"


def data_root() -> Path:
    """Return the data root: ``$ZJGIS_DATA_DIR`` if set, else the repository's ``data/``."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1] / "data"


def data_path(*parts: str) -> Path:
    """Return a path below the data root, e.g. ``data_path("sample_roads", "roads.geojson")``."""
    return data_root().joinpath(*parts)
