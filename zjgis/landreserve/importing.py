"""Import parcels into a register from a planner's file (shapefile, GeoPackage, Excel/CSV).

Every file is read through :mod:`zjgis.io` (:func:`zjgis.io.read` for vector
files, :func:`zjgis.io.read_table` for Excel/CSV with a WKT column), so the CRS
policy is the one of ``io``: a table's coordinates have no CRS of their own and
``source_crs`` must name it (``"WGS-84"``, ``"GCJ-02"``, ``"EPSG:4490"`` …).
Rows that break a rule of :meth:`Register.add <zjgis.landreserve.Register.add>`
are rejected with the reason; the others are added in one transaction.

A bureau's file is taken as it comes:

* columns are mapped once by :func:`zjgis.schema.map_columns` (table
  ``"parcels"``): 地块编号/宗地号 → ``parcel_id``, 用地性质 → ``land_use_code``,
  状态 → ``status``, 面积 → ``declared_area``, ``land_use_c`` → ``land_use_code``
  …; ``columns=`` names others.  The mapping is in the report;
* land use by 2023 code or name or an old GB 50137 / GBJ 137 code
  (:func:`zjgis.landreserve.values.land_use_code`); a name standing for several
  classes is rejected with the choices unless ``land_use_defaults`` names one;
  statuses by key, Chinese word or synonym
  (:data:`zjgis.landreserve.lifecycle.STATUS_SYNONYMS`: 已出让, 拟收储 …);
* a declared area (面积 with its unit: 亩, 公顷, m² — from the header or
  ``area_unit``) is kept as ``declared_area_mu`` (with ``declared_area`` and
  ``declared_area_unit``, the values as written) beside the geodesic area; a
  difference above ``area_tolerance`` (default 1 %) is a data-quality warning
  in the report (:class:`~zjgis.errors.DataQualityWarning`);
* a missing 街镇 is taken from the ``streets_towns`` layer by location (the
  parcel's representative point), and the report says so.

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
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zjgis import crs as _crs
from zjgis import io as _io
from zjgis import schema as _schema
from zjgis._log import get_logger, stages
from zjgis._validate import blank, listing
from zjgis.errors import DataQualityWarning, ValidationError
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
    column_mapping : dict
        Columns of the file renamed to register fields (source -> field).
    notes : list of str
        What the import did besides copying (columns mapped, land uses
        translated, 街镇 derived by location) and data-quality warnings.
    area_check : pandas.DataFrame
        Rows whose declared area differs from the geodesic one by more than the
        tolerance: ``row``, ``parcel_id``, ``declared_area_mu``, ``measured_area_mu``,
        ``difference`` (share of the measured area, signed).
    """

    accepted: gpd.GeoDataFrame
    rejected: pd.DataFrame
    source: str
    hint: str = ""
    column_mapping: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    area_check: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["row", "parcel_id", "declared_area_mu", "measured_area_mu", "difference"]))

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
        # impossible coordinates are rejected row by row (prepare), not for the whole file
        return _io.read(path, layer=layer, source_crs=source_crs, check_coords=False)
    df = _io.read_table(path, sheet=layer, dtype={"land_use_code": str, "parcel_id": str})
    # text that is not WKT becomes a missing geometry: that row is rejected with
    # "missing or empty geometry", the others are imported
    gdf = _io.table_to_geodata(df, source_crs=source_crs, wkt_column=wkt_column,
                               bad_wkt="null", name=str(path), check_coords=False)
    gdf.attrs["source_path"] = str(path)
    return gdf


def import_parcels(
    register: _Target,
    path: str | Path,
    *,
    layer: str | None = None,
    wkt_column: str = "wkt",
    source_crs: str | None = None,
    date: _dt.date | _dt.datetime | str | None = None,
    note: str = "",
    columns: Mapping[str, str] | None = None,
    land_use_defaults: Mapping[str, str] | None = None,
    area_unit: str | None = None,
    area_tolerance: float = 0.01,
    street_towns: gpd.GeoDataFrame | str | None = "streets_towns",
) -> ImportReport:
    """Import parcels from a shapefile, GeoPackage, GeoJSON or Excel/CSV with WKT.

    Also :meth:`Register.import_parcels <zjgis.landreserve.Register.import_parcels>`
    (this function, the register as ``self``).  Rows that break a rule of
    :meth:`Register.add <zjgis.landreserve.Register.add>` are rejected (with the
    reason); the others are added in one transaction.

    Parameters
    ----------
    register : Register
        The register to add to.
    path : str or path-like
        ``.shp``/``.zip``, ``.gpkg``, ``.geojson`` (read with :func:`zjgis.io.read`)
        or ``.xlsx``/``.csv`` with a WKT geometry column
        (:func:`zjgis.io.read_table`, :func:`zjgis.io.table_to_geodata`).
    layer : str, optional
        Layer (GeoPackage) or sheet name (Excel).
    wkt_column : str
        Column holding WKT in Excel/CSV files (default ``"wkt"``).
    source_crs : str, optional
        CRS of the coordinates when the file does not say — required for
        Excel/CSV, which carry none (``"WGS-84"``; ``"GCJ-02"`` etc. are
        converted by :mod:`zjgis.crs`).
    date : date, datetime or str, optional
        When the parcels entered the register (default now); recorded in the history.
    note : str
        Recorded in the history (default ``"imported from <file name>"``).
    columns : mapping, optional
        Explicit column mapping, source -> field (``{"宗地号": "parcel_id"}``);
        wins over the automatic one (:func:`zjgis.schema.map_columns`).
    land_use_defaults : mapping, optional
        The 2023 class for a land-use name or old code that stands for several
        (``{"工业用地": "100101"}``).
    area_unit : str, optional
        Unit of the declared area when the header does not say (``"亩"``,
        ``"公顷"``, ``"m²"``); a ``declared_area_unit`` column (as
        :meth:`Register.export` writes) gives one unit per row instead.
    area_tolerance : float
        Share by which declared and geodesic areas may differ before the report
        warns (default 0.01 = 1 %).
    street_towns : GeoDataFrame, str or None
        Polygons with ``name`` to fill a missing ``street_town`` by location;
        default the catalog layer ``streets_towns``; None leaves it empty.

    Returns
    -------
    ImportReport
        ``accepted`` and ``rejected`` tables, the column mapping, notes and the
        area check.

    Raises
    ------
    ReadError
        The file cannot be read or lacks a WKT column.
    CRSError
        Excel/CSV without ``source_crs``; a vector file without a CRS.
    ValidationError
        A declared area without a unit, a bad mapping or tolerance.

    Warns
    -----
    DataQualityWarning
        Declared and geodesic areas differ by more than ``area_tolerance``.
    """
    path = Path(path)
    if not area_tolerance >= 0:
        msg = f"area_tolerance must be a share >= 0 (0.01 = 1 %), not {area_tolerance}"
        raise ValidationError(msg)
    gdf = read_import(path, layer=layer, wkt_column=wkt_column, source_crs=source_crs)
    # vectorised work with per-row value checks: a stage bar on large imports (issue 14)
    with stages(["columns", "values", "街镇 by location", "checks and write"],
                desc="导入地块 / importing parcels", size=len(gdf), min_size=10_000) as steps:
        steps.step()
        gdf = _schema.map_columns(gdf, "parcels", columns=columns, name=str(path))
        mapping = dict(gdf.attrs.get("column_mapping", {}))
        if "parcel_id" in gdf:  # Excel stores 1001 as 1001.0: the id is the text 1001
            gdf["parcel_id"] = [str(int(v)) if isinstance(v, float) and v.is_integer() else v
                                for v in gdf["parcel_id"]]
        notes: list[str] = []
        if mapping:
            notes.append("columns mapped: " + ", ".join(f"{k} → {v}" for k, v in mapping.items()))
        declared_unit = None
        if "declared_area" in gdf:
            declared_unit = _declared_unit(gdf, str(path), area_unit)
            if declared_unit is not None:
                if "declared_area_unit" in gdf:
                    _refuse_other_row_units(gdf, declared_unit, str(path))
                    gdf["declared_area_unit"] = gdf["declared_area_unit"].where(
                        gdf["declared_area_unit"].notna(), declared_unit)
                else:
                    gdf["declared_area_unit"] = declared_unit
        steps.step()
        new = prepare(gdf, str(path), strict=False, land_use_defaults=land_use_defaults)
        if "land_use_code" in gdf:
            raw = gdf["land_use_code"].map(_text).to_numpy()
            codes = new["land_use_code"].to_numpy()
            translated = int((new["land_use"].notna().to_numpy() & (codes != raw)).sum())
            if translated:
                notes.append(f"land use: {translated} value(s) given by name or old code "
                             "translated to 2023 codes")
        steps.step()
        derived = _fill_street_town(new, street_towns)
        if derived:
            notes.append(derived)
        declared = "declared_area" in gdf or "declared_area_mu" in gdf
        area_check = _area_check(new, area_tolerance) if declared else None
        steps.step()
        stored, problems = register._add_prepared(
            new, when=iso(date), note=note or f"imported from {path.name}", user=register.user,
            partial=True)
    rejected = (problems.groupby("row", sort=True)
                .agg(parcel_id=("parcel_id", "first"),
                     reason=("problem", lambda s: "; ".join(dict.fromkeys(s))))
                .reset_index()) if len(problems) else pd.DataFrame(
                    columns=["row", "parcel_id", "reason"])
    report = ImportReport(stored, rejected, str(path), problems.attrs.get("hint", ""),
                          column_mapping=mapping, notes=notes)
    if area_check is not None:
        # only the parcels stored: a rejected row (a copy with the same id, say) is reported
        # once, as rejected
        area_check = area_check[~area_check["row"].isin(set(rejected["row"]))].reset_index(
            drop=True)
        report.area_check = area_check
        if len(area_check):
            shown = f", {_schema.UNIT_ZH[declared_unit]}" if declared_unit in _schema.UNIT_ZH \
                else ""
            text = (f"{path.name}: declared area (面积{shown}) differs from the "
                    f"geodesic area by more than {area_tolerance:.0%} for {len(area_check)} "
                    "parcel(s): " + listing([
                        f"{r.parcel_id} {r.declared_area_mu:,.2f} 亩 declared, "
                        f"{r.measured_area_mu:,.2f} 亩 measured ({r.difference:+.1%})"
                        for r in area_check.itertuples()])
                    + "; check the parcel's outline or the declared figure")
            report.notes.append(f"warning: {text}")
            warnings.warn(text, DataQualityWarning, stacklevel=3)
    log.info("%s", report)
    for line in notes:
        log.info("%s: %s", path.name, line)
    return report


def _text(v: object) -> object:
    return None if v is None or (isinstance(v, float) and v != v) else str(v).strip()


def _declared_unit(gdf: pd.DataFrame, name: str, area_unit: str | None) -> str | None:
    """The unit of the declared-area column: its header's, else ``area_unit``.

    None when neither says and the file has a ``declared_area_unit`` column (one
    unit per row, as :meth:`Register.export` writes it).
    """
    header = gdf.attrs.get("column_units", {}).get("declared_area")
    given = None
    if area_unit is not None:
        given = _schema.unit_key(area_unit)
    if header and given and header != given:
        msg = (f"{name}: the declared-area header says {header} but area_unit says "
               f"{area_unit!r}; drop one")
        raise ValidationError(msg)
    unit = header or given
    if unit is None and "declared_area_unit" in gdf:
        return None
    present, bare = (_cells_without_unit(gdf["declared_area"]) if unit is None
                     else (0, []))
    if unit is None and present and not bare:
        return None  # 0.8公顷, 12亩: each figure says its own unit
    if unit is None:
        source = next((k for k, v in gdf.attrs.get("column_mapping", {}).items()
                       if v == "declared_area"), "declared_area")
        if 0 < len(bare) < present:
            ids = gdf["parcel_id"] if "parcel_id" in gdf else pd.Series(range(1, len(gdf) + 1))
            shown = listing([f"{ids.iloc[i]}: {gdf['declared_area'].iloc[i]!r}" for i in bare])
            msg = (f"{name}: the declared area column {source!r} says its unit in some cells "
                   f"but not in {len(bare)}: {shown}; write the unit in those cells "
                   "(12亩, 0.8公顷)")
            raise ValidationError(msg)
        msg = (f"{name}: the declared area column {source!r} names no unit; say which with "
               "area_unit='亩' (or '公顷', 'm²'; command line --area-unit 亩), or write it in "
               "the header, e.g. 面积(亩)")
        raise ValidationError(msg)
    return unit


def _cells_without_unit(column: pd.Series) -> tuple[int, list[int]]:
    """How many cells hold a figure, and where a figure carries no unit of its own.

    ``20`` beside ``12亩`` is bare; ``约12`` is neither (the row is refused later, by
    name).  Each distinct cell is read once.
    """
    from zjgis.landreserve.values import declared_area

    def bare(v: object) -> bool:
        try:
            declared_area(v)
            return False
        except ValidationError:
            try:
                declared_area(v, "mu")  # readable once a unit is given: a bare figure
                return True
            except ValidationError:
                return False

    seen: dict[tuple[type, object], bool] = {}
    present, out = 0, []
    for i, v in enumerate(column.to_numpy(dtype=object)):
        if blank(v):
            continue
        present += 1
        key = (type(v), v)
        if key not in seen:
            seen[key] = bare(v)
        if seen[key]:
            out.append(i)
    return present, out


def _refuse_other_row_units(gdf: pd.DataFrame, unit: str, name: str) -> None:
    """A header or area_unit saying one unit and a row's declared_area_unit another: refused."""
    rows = gdf["declared_area_unit"]
    keys = rows.map(lambda v: None if blank(v) else _schema.normalize_unit(v))
    other = np.flatnonzero((rows.map(lambda v: not blank(v)) & (keys != unit)).to_numpy())
    if len(other):
        ids = gdf["parcel_id"] if "parcel_id" in gdf else pd.Series(range(1, len(gdf) + 1))
        shown = listing([f"{ids.iloc[i]}: {rows.iloc[i]!r}" for i in other])
        msg = (f"{name}: the declared area is in {unit} (header or area_unit) but the "
               f"declared_area_unit column says otherwise — {shown}; drop one")
        raise ValidationError(msg)


def _fill_street_town(new: gpd.GeoDataFrame, street_towns: object) -> str:
    """Fill missing street_town from polygons by location; return the note (or "")."""
    if street_towns is None:
        return ""
    # None, "", NaN (an empty DBF text as pyogrio reads it) or pandas NA
    empty = np.array([blank(v) for v in new["street_town"]], dtype=bool)
    geoms = np.asarray(new.geometry.values, dtype=object)
    usable = empty & ~shapely.is_missing(geoms)
    usable[usable] = ~shapely.is_empty(geoms[usable]) & shapely.is_valid(geoms[usable])
    if not usable.any():
        return ""
    if isinstance(street_towns, str):
        from zjgis import layers

        layer = layers.load(street_towns)
        label = f"the {street_towns} layer ({layer.attrs.get('accuracy', 'unknown')} accuracy)"
    else:
        layer, label = street_towns, "the given street/town polygons"
    if "name" not in layer.columns:
        msg = "street_towns needs a 'name' column (the 街镇 name)"
        raise ValidationError(msg)
    layer = layer.to_crs(_crs.WGS84)
    points = shapely.point_on_surface(geoms[usable])
    tree = shapely.STRtree(np.asarray(layer.geometry.values, dtype=object))
    pi, gi = tree.query(points, predicate="within")
    names = layer["name"].to_numpy(dtype=object)
    found: dict[int, str] = {}
    for p, g in zip(pi, gi, strict=True):
        found.setdefault(int(p), str(names[g]))
    rows = np.nonzero(usable)[0]
    values = new["street_town"].to_numpy(dtype=object).copy()
    for k, name in found.items():
        values[rows[k]] = name
    new["street_town"] = values
    missing = int(usable.sum()) - len(found)
    text = (f"街镇 (street_town) taken from {label} by location for {len(found)} parcel(s)")
    return text + (f"; {missing} lie in none of its polygons" if missing else "")


def _area_check(new: gpd.GeoDataFrame, tolerance: float) -> pd.DataFrame:
    declared = pd.to_numeric(pd.Series(new["declared_area_mu"].to_numpy()), errors="coerce")
    geoms = np.asarray(new.geometry.values, dtype=object)
    ok = ~shapely.is_missing(geoms)
    ok[ok] = ~shapely.is_empty(geoms[ok]) & shapely.is_valid(geoms[ok])
    ok &= declared.notna().to_numpy()
    measured = np.full(len(new), np.nan)
    if ok.any():
        areas = _crs.geodesic_area(gpd.GeoSeries(geoms[ok], crs=_crs.WGS84))
        measured[ok] = areas["area_mu"].to_numpy()
    diff = (declared.to_numpy() - measured) / np.where(measured > 0, measured, np.nan)
    off = np.nonzero(ok & (np.abs(np.nan_to_num(diff)) > tolerance))[0]
    return pd.DataFrame({"row": off, "parcel_id": new["parcel_id"].to_numpy()[off],
                         "declared_area_mu": declared.to_numpy()[off],
                         "measured_area_mu": measured[off], "difference": diff[off]})
