"""Where zjgis finds the data it ships (layers and sample data).

The data live in the repository's ``data/`` folder, beside the package; a
wheel installs the same files under ``<prefix>/share/zjgis/data``.  A planner
who keeps another copy (e.g. the bureau's layers) points ``ZJGIS_DATA_DIR`` at
a folder with the same layout (``boundaries/``, ``sample_roads/``,
``sample_jobshousing/``, ``sample_register/``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["DATA_DIR_ENV", "data_root", "data_path"]

#: Environment variable naming the data root folder.
DATA_DIR_ENV = "ZJGIS_DATA_DIR"


def data_root() -> Path:
    """Return the data root.

    ``$ZJGIS_DATA_DIR`` if set; else the repository's ``data/`` (a checkout or an
    editable install); else ``<prefix>/share/zjgis/data`` (a wheel install).
    """
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parents[1] / "data"
    if checkout.is_dir():
        return checkout
    for prefix in (sys.prefix, sys.base_prefix):
        installed = Path(prefix) / "share" / "zjgis" / "data"
        if installed.is_dir():
            return installed
    return checkout


def data_path(*parts: str) -> Path:
    """Return a path below the data root, e.g. ``data_path("sample_roads", "roads.geojson")``.

    Examples
    --------
    >>> p = data_path("boundaries", "science_city_2022.geojson")
    >>> p.parent.name, p.exists()
    ('boundaries', True)
    """
    return data_root().joinpath(*parts)
