"""Import parcels into a register from a planner's file (shapefile, GeoPackage, Excel/CSV).

Every file is read through :mod:`zjgis.io` (:func:`zjgis.io.read` for vector
files, :func:`zjgis.io.read_table` for Excel/CSV with a WKT column), so the CRS
policy is the one of ``io``: a table's coordinates have no CRS of their own and
``source_crs`` must name it (``"WGS-84"``, ``"GCJ-02"``, ``"EPSG:4490"`` …).
Rows that break a rule of :meth:`Register.add <zjgis.landreserve.Register.add>`
are rejected with the reason; the others are added in one transaction.

Examples
--------
>>> import tempfile, warnings, pathlib
>>> from zjgis.landreserve import Register, load_sample
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     sample, _, _ = load_sample()
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = sample.export(folder / "parcels.csv")
>>> reg = Register.create(folder / "new.gpkg", study_area=None)
>>> report = import_parcels(reg, folder / "parcels.csv", source_crs="WGS-84")
>>> len(report.accepted) == len(sample), len(report.rejected)
(True, 0)
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import geopandas as gpd
import pandas as pd
import shapely

from zjgis import io as _io
from zjgis._log import get_logger
from zjgis.errors import ReadError
from zjgis.landreserve._rules import iso, prepare

__all__ = ["ImportReport", "import_parcels", "read_import"]

log = get_logger(__name__)

_TABLES = (".xlsx", ".xlsm", ".xls", ".csv", ".txt")


@dataclass
class ImportReport:
    """What :meth:`Register.import_parcels` accepted and rejected.

    Attributes
    ----------
    accepted : geopandas.GeoDataFrame
        Parcels added to the register (as stored, with areas).
    rejected : pandas.DataFrame
        One row per rejected input row: ``row`` (position in the file, 0-based),
        ``parcel_id``, ``reason`` (all reasons joined with "; ").
    source : str
        The file read.
    hint : str
        How to act on the rejections, when zjgis knows (e.g. parcels outside a
        schematic study area: how to relax the check); empty otherwise.
    """

    accepted: gpd.GeoDataFrame
    rejected: pd.DataFrame
    source: str
    hint: str = ""

    def __str__(self) -> str:
        text = (f"{self.source}: {len(self.accepted)} parcel(s) accepted, "
                f"{len(self.rejected)} rejected")
        return f"{text}. {self.hint}" if self.hint else text


class _Target(Protocol):
    """What the import needs of a register (implemented by ``Register``)."""

    user: str

    def _add_prepared(self, new: gpd.GeoDataFrame, *, when: str, note: str, user: str,
                      partial: bool) -> tuple[gpd.GeoDataFrame, pd.DataFrame]: ...


def read_import(path: str | Path, *, layer: str | None = None, wkt_column: str = "wkt",
                source_crs: str | None = None) -> gpd.GeoDataFrame:
    """Read an import file as a GeoDataFrame in its declared (or ``source_crs``) CRS.

    Parameters
    ----------
    path : str or path-like
        Vector file (anything :func:`zjgis.io.read` reads) or ``.xlsx``/``.csv``
        with WKT geometries in ``wkt_column``.
    layer : str, optional
        Layer (GeoPackage) or sheet name (Excel).
    wkt_column : str
        Column of WKT text in tables.
    source_crs : str, optional
        CRS of the coordinates; required for tables (they carry none).

    Raises
    ------
    ReadError
        Unreadable file, no ``wkt_column``.
    CRSError
        A table without ``source_crs``, or a vector file without a CRS.
    """
    path = Path(path)
    if path.suffix.lower() not in _TABLES:
        return _io.read(path, layer=layer, source_crs=source_crs)
    df = _io.read_table(path, sheet=layer, dtype={"land_use_code": str, "parcel_id": str})
    if wkt_column not in df.columns:
        msg = (f"{path}: no WKT column {wkt_column!r} "
               f"(columns: {', '.join(map(str, df.columns))}); pass wkt_column=")
        raise ReadError(msg)
    geoms = []
    for v in df.pop(wkt_column):
        try:
            geoms.append(shapely.from_wkt(v) if isinstance(v, str) and v.strip() else None)
        except shapely.errors.GEOSException:
            geoms.append(None)  # rejected below as "missing or empty geometry"
    gdf = gpd.GeoDataFrame(df, geometry=geoms, crs=None)
    gdf.attrs["source_path"] = str(path)
    return _io._apply_source_crs(gdf, source_crs, str(path))


def import_parcels(
    register: _Target,
    path: str | Path,
    *,
    layer: str | None = None,
    wkt_column: str = "wkt",
    source_crs: str | None = None,
    date: _dt.date | _dt.datetime | str | None = None,
    note: str = "",
) -> ImportReport:
    """Import parcels from a file into ``register``; see :meth:`Register.import_parcels`.

    Returns
    -------
    ImportReport
        ``accepted`` and ``rejected`` tables.
    """
    path = Path(path)
    gdf = read_import(path, layer=layer, wkt_column=wkt_column, source_crs=source_crs)
    new = prepare(gdf, str(path), strict=False)
    stored, problems = register._add_prepared(
        new, when=iso(date), note=note or f"imported from {path.name}", user=register.user,
        partial=True)
    rejected = (problems.groupby("row", sort=True)
                .agg(parcel_id=("parcel_id", "first"),
                     reason=("problem", lambda s: "; ".join(dict.fromkeys(s))))
                .reset_index()) if len(problems) else pd.DataFrame(
                    columns=["row", "parcel_id", "reason"])
    report = ImportReport(stored, rejected, str(path), problems.attrs.get("hint", ""))
    log.info("%s", report)
    return report
