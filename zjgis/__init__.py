"""zjgis — spatial planning and land-reserve analysis for Zhangjiang Science City (张江科学城).

Layers with honest provenance (:mod:`zjgis.layers`), analyses (dead-end roads,
rail catchments, job–housing balance, land reserve) and self-contained folium
briefing maps (:mod:`zjgis.maps`).  Data are stored in WGS-84 lon/lat
(EPSG:4326); GCJ-02/BD-09 web-map coordinates are converted explicitly by
:mod:`zjgis.crs`.
"""

from __future__ import annotations

from zjgis import crs, errors, io
from zjgis._fonts import use_cjk_font
from zjgis._version import __version__
from zjgis.io import read, write

__all__ = ["__version__", "crs", "errors", "io", "read", "write", "show_versions",
           "use_cjk_font"]

# Heavier submodules load on first use (``zjgis.maps`` pulls in folium and
# matplotlib), so ``import zjgis`` stays fast in every notebook cell.
_LAZY = ("layers", "maps", "network", "transit", "jobshousing", "landreserve", "raster",
         "schema")


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return importlib.import_module(f"zjgis.{name}")
    msg = f"module 'zjgis' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


def show_versions() -> str:
    """Return (and print) the versions of zjgis and the libraries it stands on."""
    import importlib.metadata as md
    import platform

    lines = [f"zjgis {__version__}", f"python {platform.python_version()} ({platform.machine()})"]
    for dist in ("geopandas", "shapely", "pyproj", "pyogrio", "pandas", "numpy", "scipy",
                 "networkx", "folium", "rasterio", "matplotlib", "mapclassify", "pot"):
        try:
            lines.append(f"{dist} {md.version(dist)}")
        except md.PackageNotFoundError:
            lines.append(f"{dist} (not installed)")
    try:
        import pyogrio

        lines.append(f"GDAL {pyogrio.__gdal_version_string__}")
    except Exception:  # pragma: no cover
        pass
    text = "\n".join(lines)
    print(text)
    return text
