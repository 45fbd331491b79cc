"""Reading and writing geodata the way Shanghai's files actually come.

The trap first: **GeoJSON exported from Chinese web maps (Amap/Gaode, Tencent,
Baidu) is in GCJ-02 or BD-09 while the file says — or GeoJSON defaults to —
EPSG:4326.**  No reader can tell.  Name the frame and zjgis converts::

    import zjgis
    pois = zjgis.io.read("amap_export.geojson", source_crs="GCJ-02")
    pois.attrs["coordinate_conversions"]   # ['GCJ-02 -> WGS-84']

``source_crs`` always overrides what the file declares.  Other rules:

* **Encodings.** Chinese shapefiles are often GBK/GB18030 with no ``.cpg``;
  GDAL then guesses ISO-8859-1 and returns mojibake (pyogrio issue 380).
  :func:`read` reads the ``.dbf`` bytes itself, picks UTF-8 or GB18030 (a
  superset of GBK and GB2312) and passes it to pyogrio; a wrong ``.cpg`` or a
  text that is neither is an :class:`~zjgis.errors.EncodingError`.  Pass
  ``encoding=`` to force one.
* **CRS.** A layer without a CRS (a shapefile without ``.prj``, any CSV) is an
  error unless ``source_crs`` names one.
* **Geometry.** Invalid geometries are reported (feature, reason from
  :func:`shapely.is_valid_reason`) with an
  :class:`~zjgis.errors.InvalidGeometryWarning`, and repaired with
  :func:`shapely.make_valid` only when ``repair=True``.
* **Writes are atomic.** :func:`write` writes to a temporary file beside the
  target and renames it over the target only when complete, so a crash or an
  error never leaves a half-written file in place of a good one.
"""

from __future__ import annotations

import contextlib
import glob
import io as _stdio
import os
import re
import shutil
import tempfile
import time
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from zjgis import crs as _crs
from zjgis import schema as _schema
from zjgis._log import get_logger
from zjgis._validate import (
    geometry_problems,
    listing,
    projected_hint,
    require_finite_coords,
    require_lonlat_range,
)
from zjgis.errors import (
    CoordinateShiftWarning,
    CRSError,
    EncodingError,
    InvalidGeometryWarning,
    ReadError,
    WriteError,
    ZjgisError,
)

__all__ = [
    "require_suffix",
    "read",
    "read_table",
    "table_to_geodata",
    "write",
    "atomic_write",
    "write_bytes",
    "write_text",
    "detect_encoding",
    "geometry_report",
    "repair_geometries",
]

log = get_logger(__name__)

PathLike = str | os.PathLike

_VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".zip", ".fgb", ".csv", ".txt",
                    ".xlsx", ".xlsm", ".xls"}
_WRITE_DRIVERS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".fgb": "FlatGeobuf"}
_CPG_ALIASES = {
    "936": "gb18030",
    "ansi936": "gb18030",
    "cp936": "gb18030",
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "gb18030": "gb18030",
    "65001": "utf-8",
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "1252": "cp1252",
    "88591": "latin-1",
    "iso88591": "latin-1",
}
_GDAL_NAMES = {"gb18030": "GB18030", "utf-8": "UTF-8", "cp1252": "CP1252", "latin-1": "ISO-8859-1"}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN1_RUN = re.compile(r"[\u0080-\u00ff]{2,}")


# --------------------------------------------------------------------------- encodings


def _normalize_encoding(name: str) -> str:
    key = re.sub(r"[\s_\-]", "", name.strip().lower())
    if key in _CPG_ALIASES:
        return _CPG_ALIASES[key]
    try:
        import codecs

        return codecs.lookup(name.strip()).name
    except LookupError:
        msg = f"unknown text encoding {name!r}"
        raise EncodingError(msg) from None


def _decode_guess(raw: bytes) -> str | None:
    """Return 'utf-8' or 'gb18030' when ``raw`` decodes strictly, else None."""
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        return None
    # GB18030 decodes almost any byte string; require that the high bytes
    # produce CJK text, not a soup of rare symbols.
    non_ascii = [c for c in text if ord(c) > 127]
    if non_ascii and sum(bool(_CJK.match(c)) for c in non_ascii) / len(non_ascii) >= 0.6:
        return "gb18030"
    return None


def _dbf_text_bytes(raw: bytes) -> bytes:
    """Return the record area of a dBASE file (header skipped)."""
    if len(raw) < 32:
        return b""
    header_len = int.from_bytes(raw[8:10], "little")
    return raw[header_len:]


def _shapefile_sidecars(path: Path, layer: str | None) -> tuple[bytes | None, bytes | None, str]:
    """Return (.dbf bytes, .cpg bytes or None, label) of a shapefile, zipped or not."""
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            dbfs = [n for n in names if n.lower().endswith(".dbf")]
            if layer is not None:
                dbfs = [n for n in dbfs if Path(n).stem == layer] or dbfs
            if not dbfs:
                return None, None, str(path)
            dbf = dbfs[0]
            stem = dbf[:-4]
            cpg_names = [n for n in names if n.lower() == (stem + ".cpg").lower()]
            cpg = zf.read(cpg_names[0]) if cpg_names else None
            return zf.read(dbf), cpg, f"{path}!{dbf}"
    dbf_path = next(
        (p for p in (path.with_suffix(".dbf"), path.with_suffix(".DBF")) if p.exists()), None
    )
    if dbf_path is None:
        return None, None, str(path)
    cpg_path = next(
        (p for p in (path.with_suffix(".cpg"), path.with_suffix(".CPG")) if p.exists()), None
    )
    cpg = cpg_path.read_bytes() if cpg_path else None
    return dbf_path.read_bytes(), cpg, str(dbf_path)


def detect_encoding(path: PathLike, layer: str | None = None) -> str:
    """Detect the text encoding of a shapefile's attributes or of a text file.

    For shapefiles (``.shp`` or a ``.zip`` holding one) the ``.cpg`` is trusted
    only if the ``.dbf`` bytes decode with it; without a ``.cpg`` the bytes
    decide between UTF-8 and GB18030 (which covers GBK and GB2312).

    Parameters
    ----------
    path : str or path-like
        A ``.shp``/``.dbf``, a ``.zip`` holding a shapefile, or a text file
        (CSV, GeoJSON).
    layer : str, optional
        The shapefile inside a zip that holds several.

    Returns
    -------
    str
        A Python codec name: ``"utf-8"``, ``"gb18030"`` or what the ``.cpg`` says.

    Raises
    ------
    EncodingError
        When the ``.cpg`` contradicts the bytes, or no candidate decodes them.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".shp", ".zip", ".dbf"):
        raw_dbf, cpg, label = _shapefile_sidecars(path, layer)
        if raw_dbf is None:
            return "utf-8"
        text = _dbf_text_bytes(raw_dbf)
        if cpg is not None and cpg.strip():
            declared = _normalize_encoding(cpg.decode("ascii", "replace"))
            try:
                text.decode(declared)
            except UnicodeDecodeError as exc:
                guess = _decode_guess(text)
                hint = f" (it looks like {guess})" if guess else ""
                msg = (
                    f"{label}: the .cpg says {cpg.decode('ascii', 'replace').strip()!r} but "
                    f"record bytes at offset {exc.start} are not valid {declared}{hint}; "
                    f"pass encoding='gbk' or 'utf-8' to zjgis.io.read"
                )
                raise EncodingError(msg) from None
            return declared
        guess = _decode_guess(text)
        if guess is None:
            msg = (
                f"{label}: attribute text is neither UTF-8 nor GBK/GB18030 and there is no "
                ".cpg file; pass encoding=... to zjgis.io.read"
            )
            raise EncodingError(msg)
        return guess
    with open(path, "rb") as fh:
        raw = fh.read()
    guess = _decode_guess(raw)
    if guess is None:
        msg = f"{path}: text is neither UTF-8 nor GBK/GB18030; pass encoding=..."
        raise EncodingError(msg)
    return guess


def _check_mojibake(gdf: pd.DataFrame, label: str) -> None:
    """Raise when strings look like GBK bytes decoded as Latin-1 (classic mojibake)."""
    for column in gdf.columns:
        if column == getattr(gdf, "_geometry_column_name", None):
            continue
        values = gdf[column]
        if values.dtype != object and not pd.api.types.is_string_dtype(values):
            continue
        # vectorised screen first: only strings with a run of Latin-1 letters are decoded
        suspects = values.astype("string").str.contains(_LATIN1_RUN, na=False).to_numpy(bool)
        for pos in np.flatnonzero(suspects):
            value = values.iloc[pos]
            if not isinstance(value, str):
                continue
            try:
                fixed = value.encode("latin-1").decode("gb18030")
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
            if _CJK.search(fixed):
                msg = (
                    f"{label}: column {column!r}, feature {pos} reads {value!r}, which is GBK "
                    f"text decoded as Latin-1 (it should read {fixed!r}); pass encoding='gbk'"
                )
                raise EncodingError(msg)


# --------------------------------------------------------------------------- reading


def _coords(gdf: gpd.GeoDataFrame) -> np.ndarray:
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    geoms = geoms[~shapely.is_missing(geoms)]
    return shapely.get_coordinates(geoms) if geoms.size else np.empty((0, 2))


def _no_crs_error(gdf: gpd.GeoDataFrame, label: str) -> CRSError:
    coords = _coords(gdf)
    finite = coords[np.isfinite(coords).all(axis=1)] if coords.size else coords
    if finite.size and ((np.abs(finite[:, 0]) > 180).any() or (np.abs(finite[:, 1]) > 90).any()):
        msg = (f"{label} has no coordinate reference system (no .prj / CRS in the file), and "
               f"its coordinates are not longitude/latitude: {projected_hint(finite)}")
        return CRSError(msg)
    msg = (
        f"{label} has no coordinate reference system (no .prj / CRS in the file). "
        "Name the one its coordinates are in: source_crs='WGS-84' (GPS, OSM), "
        "'GCJ-02' (Amap/Gaode, Tencent), 'BD-09' (Baidu) or an EPSG code such as "
        "'EPSG:4490' (CGCS2000)"
    )
    return CRSError(msg)


def _warn_override(label: str, declared, source_crs, converted: str | None) -> None:
    """One CoordinateShiftWarning line naming the CRS the file declares and the one given."""
    what = f"; converted {converted}" if converted else ""
    warnings.warn(
        f"{label}: the file declares {declared.to_string()} but source_crs={source_crs!r} "
        f"overrides it{what}",
        CoordinateShiftWarning,
        stacklevel=4,
    )


def _apply_source_crs(gdf: gpd.GeoDataFrame, source_crs, label: str, *,
                      check_coords: bool = True) -> gpd.GeoDataFrame:
    declared = gdf.crs
    if source_crs is None:
        if declared is None:
            raise _no_crs_error(gdf, label)
        if declared.is_geographic and check_coords:
            require_lonlat_range(gdf, label)
        return gdf
    gdf.attrs["source_crs"] = str(source_crs)
    if _crs.is_frame(source_crs):
        frame = _crs.normalize_frame(source_crs)
        if declared is not None and not declared.is_geographic:
            msg = (
                f"{label}: source_crs={source_crs!r} is a lon/lat frame but the file's "
                f"coordinates are projected ({declared.to_string()})"
            )
            raise CRSError(msg)
        gdf = gdf.set_crs(_crs.WGS84, allow_override=True)
        require_lonlat_range(gdf, label)
        if declared is not None and (frame != "WGS-84" or not declared.equals(_crs.WGS84)):
            _warn_override(label, declared, source_crs,
                           f"{frame} -> WGS-84" if frame != "WGS-84" else None)
        if frame != "WGS-84":
            gdf = _crs.convert(gdf, source=frame, target="WGS-84", name=label)
        else:
            gdf.attrs.setdefault("coordinate_conversions", [])
            gdf.attrs["frame"] = "WGS-84"
        return gdf
    try:
        target = pyproj.CRS.from_user_input(source_crs)
    except pyproj.exceptions.CRSError:
        msg = (f"{label}: source_crs={source_crs!r} is not a CRS zjgis knows; use 'WGS-84', "
               "'GCJ-02', 'BD-09' or an EPSG code such as 'EPSG:4528'")
        raise CRSError(msg) from None
    if declared is not None and not declared.equals(target):
        _warn_override(label, declared, source_crs, None)
    gdf = gdf.set_crs(target, allow_override=True)
    require_lonlat_range(gdf, label)
    return gdf


_WKT_COLUMNS = ("geometry", "wkt", "WKT", "geom", "Geometry", "WKT_GEOM")
_DEFAULT_LONLAT = ("lon", "lat")


def _table_geometry(df: pd.DataFrame, *, lonlat: Sequence[str], wkt_column: str | None,
                    label: str, bad_wkt: str) -> gpd.GeoDataFrame:
    """Points from lon/lat columns, or geometries from a WKT column; no CRS yet.

    With the default ``lonlat`` and no ``lon``/``lat`` columns, the columns are
    found by the names planners give them (经度/纬度, lng, longitude …:
    :func:`zjgis.schema.lonlat_columns`).
    """
    lon_col, lat_col = lonlat
    if (wkt_column is None and tuple(lonlat) == _DEFAULT_LONLAT
            and not (lon_col in df.columns and lat_col in df.columns)):
        found = _schema.lonlat_columns(list(df.columns), name=label)
        if found is not None:
            lon_col, lat_col = found
            log.info("%s: coordinates from columns %s/%s", label, lon_col, lat_col)
    if wkt_column is None and lon_col in df.columns and lat_col in df.columns:
        lon = pd.to_numeric(df[lon_col], errors="coerce")
        lat = pd.to_numeric(df[lat_col], errors="coerce")
        bad = np.nonzero((lon.isna() | lat.isna()).to_numpy())[0]
        if bad.size:
            rows = ", ".join(str(i + 2) for i in bad[:5])
            msg = (
                f"{label}: {bad.size} row(s) have no numeric {lon_col}/{lat_col} "
                f"(file lines {rows}{' …' if bad.size > 5 else ''})"
            )
            raise ReadError(msg)
        if (lat.abs() > 90).any() and (lat.abs() <= 180).all() and (lon.abs() <= 90).all():
            msg = (f"{label}: {lat_col} beyond ±90° while {lon_col} is within it: are "
                   f"{lon_col} and {lat_col} swapped? pass lonlat=({lat_col!r}, {lon_col!r})")
            raise ReadError(msg)
        return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(lon.to_numpy(), lat.to_numpy()),
                                crs=None)
    wkt_col = wkt_column or next((c for c in _WKT_COLUMNS if c in df.columns), None)
    if wkt_col is None or wkt_col not in df.columns:
        if wkt_column:
            what = f"no WKT column {wkt_column!r}"
        elif tuple(lonlat) == _DEFAULT_LONLAT:
            what = ("no coordinate columns 'lon'/'lat' (nor lng, longitude/latitude, "
                    "经度/纬度) and no WKT column")
        else:
            what = f"no coordinate columns {lon_col!r}/{lat_col!r} and no WKT column"
        msg = (f"{label}: {what}; columns are {', '.join(map(str, df.columns))}. "
               "Pass lonlat=(x_column, y_column) or wkt_column=")
        raise ReadError(msg)
    texts = df[wkt_col]
    geoms = np.empty(len(df), dtype=object)
    failed = []
    for i, value in enumerate(texts):
        if value is None or (isinstance(value, float) and np.isnan(value)) or (
                isinstance(value, str) and not value.strip()):
            geoms[i] = None
            continue
        try:
            geoms[i] = shapely.from_wkt(str(value))
        except shapely.errors.GEOSException:
            geoms[i] = None
            failed.append(i)
    if failed and bad_wkt == "raise":
        rows = listing([str(i + 2) for i in failed])
        msg = (f"{label}: column {wkt_col!r} is not WKT in {len(failed)} row(s) (file lines "
               f"{rows}); e.g. {str(texts.iloc[failed[0]])[:60]!r}")
        raise ReadError(msg)
    out = gpd.GeoDataFrame(df.drop(columns=[wkt_col]), geometry=list(geoms), crs=None)
    out.attrs["unparsed_wkt_rows"] = failed
    return out


def table_to_geodata(
    df: pd.DataFrame,
    *,
    source_crs: str | None,
    lonlat: Sequence[str] = ("lon", "lat"),
    wkt_column: str | None = None,
    bad_wkt: str = "raise",
    name: str = "table",
    check_coords: bool = True,
) -> gpd.GeoDataFrame:
    """Turn a plain table (from :func:`read_table`) into geodata, checked as :func:`read` does.

    Parameters
    ----------
    df : pandas.DataFrame
        With longitude/latitude columns (``lonlat``) or a column of WKT text.
    source_crs : str
        The CRS of the numbers (a table carries none): ``"WGS-84"``,
        ``"GCJ-02"``, ``"BD-09"`` or an EPSG code; as in :func:`read`.
    lonlat : (str, str)
        Coordinate columns; used when present and ``wkt_column`` is not given.
    wkt_column : str, optional
        The WKT column; default the first of ``geometry``, ``wkt``, ``WKT``, ``geom``.
    bad_wkt : {"raise", "null"}
        A cell that is not WKT raises :class:`ReadError` naming the rows, or
        becomes a missing geometry (for imports that reject row by row); the
        rows are in ``attrs["unparsed_wkt_rows"]`` (0-based).
    name : str
        The file or table name used in messages.
    check_coords : bool
        Refuse NaN vertices and coordinates outside the lon/lat range (default), or
        leave them for the caller to reject row by row, as :func:`read`.

    Returns
    -------
    geopandas.GeoDataFrame
        In ``source_crs`` (GCJ-02/BD-09 converted to WGS-84, recorded in attrs).

    Raises
    ------
    ReadError
        No coordinate or WKT column, non-numeric coordinates, unparseable WKT.
    CRSError
        No ``source_crs``, or coordinates that cannot be in it.
    GeometryError
        NaN/infinite coordinates.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"宗地号": ["A1"], "wkt": ["POINT (121.6 31.2)"]})
    >>> g = table_to_geodata(t, source_crs="WGS-84", name="parcels.xlsx")
    >>> g.crs.to_epsg(), g.geometry.iloc[0].wkt, list(g.columns)
    (4326, 'POINT (121.6 31.2)', ['宗地号', 'geometry'])
    """
    if bad_wkt not in ("raise", "null"):
        msg = f"bad_wkt must be 'raise' or 'null', got {bad_wkt!r}"
        raise ValueError(msg)
    gdf = _table_geometry(df, lonlat=lonlat, wkt_column=wkt_column, label=name, bad_wkt=bad_wkt)
    gdf.attrs.update({k: v for k, v in df.attrs.items() if k not in gdf.attrs})
    if check_coords:
        require_finite_coords(gdf, name)
    return _apply_source_crs(gdf, source_crs, name, check_coords=check_coords)


_TABLE_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm", ".xls"}


def _input_file(path: Path, suffixes: set[str], what: str, reads: str) -> str:
    """Return the lower-case suffix of an existing input file, or raise :class:`ReadError`."""
    if not path.exists():
        msg = f"{path}: no such file"
        raise ReadError(msg)
    if path.is_dir():
        msg = f"{path}: is a folder; name the file inside it"
        raise ReadError(msg)
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        msg = f"{path}: unsupported {what} type {suffix!r}; zjgis {reads}"
        raise ReadError(msg)
    return suffix


def _sniff_empty(path: Path, label: str) -> None:
    """Raise :class:`ReadError` for a 0-byte (or whitespace-only) file."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        msg = f"{label}: cannot read ({exc.strerror})"
        raise ReadError(msg) from None
    if size == 0:
        msg = f"{label}: the file is empty (0 bytes); export it again from the source program"
        raise ReadError(msg)


def _csv_frame(path: Path, *, encoding: str, label: str, dtype=None) -> pd.DataFrame:
    """``pandas.read_csv`` with every pandas/codec failure turned into a zjgis error."""
    codec = "utf-8-sig" if encoding == "utf-8" else encoding  # Excel writes a BOM
    _refuse_cut_last_row(path, codec, label)
    try:
        return pd.read_csv(path, encoding=codec, dtype=dtype)
    except UnicodeDecodeError as exc:
        msg = f"{label}: not valid {encoding} text ({exc.reason} at byte {exc.start})"
        raise EncodingError(msg) from None
    except pd.errors.EmptyDataError:
        msg = f"{label}: the file has no header row and no data; export it again"
        raise ReadError(msg) from None
    except (pd.errors.ParserError, ValueError) as exc:
        msg = (f"{label}: not a readable CSV table ({str(exc).strip()}); check the file is "
               "complete (not truncated) and uses commas between columns")
        raise ReadError(msg) from None


def _refuse_cut_last_row(path: Path, codec: str, label: str) -> None:
    """Raise when the file stops inside its last row (no newline, fewer fields than the header).

    pandas fills the missing fields of a short row with NaN, so an interrupted
    download or copy would otherwise read as a table with one odd last row.
    """
    import csv

    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(65536)
        if size > 65536:
            fh.seek(max(0, size - 65536))
        tail = fh.read() if size > 65536 else head
    if not tail or tail.endswith((b"\n", b"\r")):
        return
    try:
        header = next(csv.reader([head.decode(codec, "replace").splitlines()[0]]))
        last = next(csv.reader([tail.decode(codec, "replace").splitlines()[-1]]))
    except (StopIteration, IndexError, csv.Error):  # pragma: no cover - odd files
        return
    if len(last) < len(header) and head.count(b"\n") >= 1:
        msg = (f"{label}: the file ends inside its last row ({len(last)} of {len(header)} "
               "columns, no line end) — it looks truncated (an interrupted copy or download); "
               "get the complete file")
        raise ReadError(msg)


def read_table(
    path: PathLike,
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    dtype: dict[str, type] | type | None = None,
) -> pd.DataFrame:
    r"""Read a plain table (CSV or Excel) as a DataFrame, with zjgis errors.

    The one reader for planners' tables without geometry (project lists,
    enterprise tables, OD matrices, parcel lists with WKT before they become
    geodata): the register, matching and job–housing all read through it.

    Parameters
    ----------
    path : str or path-like
        ``.csv``/``.txt`` (UTF-8, UTF-8 with BOM as Excel saves it, or GBK/GB18030,
        detected with :func:`detect_encoding`) or ``.xlsx``/``.xlsm``/``.xls``.
    sheet : str or int, optional
        Excel sheet name or 0-based position; default the first sheet.
        Ignored for CSV.
    encoding : str, optional
        Force the CSV text encoding (``"gbk"``, ``"utf-8"`` …).
    dtype : dict or type, optional
        Passed to pandas, e.g. ``{"project_id": str}`` to keep leading zeros.

    Returns
    -------
    pandas.DataFrame
        ``attrs``: ``source_path`` and ``encoding`` (``"xlsx"`` for Excel).

    Raises
    ------
    ReadError
        Missing, empty (0 bytes), truncated or corrupt file, an Excel file that
        is not a workbook (``BadZipFile``), an unknown sheet, or an unsupported suffix.
    EncodingError
        CSV text that is neither UTF-8 nor GBK/GB18030.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "projects.csv"
    >>> _ = p.write_bytes("项目名称,用地需求(亩)\n芯片厂,30\n".encode("gbk"))
    >>> t = read_table(p)
    >>> t.attrs["encoding"], list(t.columns), int(t.iloc[0, 1])
    ('gb18030', ['项目名称', '用地需求(亩)'], 30)
    """
    path = Path(path)
    label = str(path)
    suffix = _input_file(path, _TABLE_SUFFIXES, "table",
                         "reads tables from .csv, .txt, .xlsx, .xlsm and .xls")
    _sniff_empty(path, label)
    if suffix in (".csv", ".txt"):
        enc = _normalize_encoding(encoding) if encoding is not None else detect_encoding(path)
        df = _csv_frame(path, encoding=enc, label=label, dtype=dtype)
    else:
        enc = "xlsx"
        df = _excel_frame(path, sheet=sheet, label=label, dtype=dtype)
    df.attrs["source_path"] = str(path)
    df.attrs["encoding"] = enc
    log.info("%s: read table of %d rows × %d columns", label, len(df), len(df.columns))
    return df


def _excel_frame(path: Path, *, sheet: str | int | None, label: str, dtype=None) -> pd.DataFrame:
    try:
        book = pd.ExcelFile(path)
    except ImportError as exc:
        msg = f"{label}: reading Excel needs openpyxl ({exc}); pip install openpyxl"
        raise ReadError(msg) from None
    except Exception as exc:  # BadZipFile, InvalidFileException, XLRDError, OSError …
        msg = (f"{label}: not a readable Excel workbook ({type(exc).__name__}: {exc}); open it "
               "in Excel/WPS and save it again as .xlsx")
        raise ReadError(msg) from None
    with book:
        names = list(book.sheet_names)
        if sheet is None:
            sheet = 0
        if isinstance(sheet, int) and not 0 <= sheet < len(names) or (
                isinstance(sheet, str) and sheet not in names):
            msg = f"{label}: no sheet {sheet!r}; the workbook has {listing(names)}"
            raise ReadError(msg)
        try:
            return pd.read_excel(book, sheet_name=sheet, dtype=dtype)
        except Exception as exc:  # corrupt sheet XML, bad dtype …
            msg = f"{label}: sheet {sheet!r} cannot be read ({type(exc).__name__}: {exc})"
            raise ReadError(msg) from None


def _zip_source(path: Path, layer, label: str) -> tuple[object, object]:
    """Where GDAL should look in a zip: the archive itself, or the shapefile in a subfolder."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        msg = f"{label}: not a readable zip archive ({exc})"
        raise ReadError(msg) from None
    shps = [n for n in names if n.lower().endswith(".shp") and not n.startswith("__MACOSX/")]
    if not shps or any("/" not in n.rstrip("/") for n in shps):
        return path, layer  # shapefiles at the top level: GDAL opens the archive directly
    if isinstance(layer, str):
        shps = [n for n in shps if Path(n).stem == layer] or shps
    if len(shps) > 1:
        msg = (f"{label}: the zip holds {len(shps)} shapefiles in subfolders — "
               f"{listing(shps)}; pass layer=<name> (the file name without .shp)")
        raise ReadError(msg)
    log.info("%s: reading %s inside the zip", label, shps[0])
    return f"/vsizip/{path.resolve()}/{shps[0]}", None


def read(
    path: PathLike,
    layer: str | int | None = None,
    *,
    encoding: str | None = None,
    source_crs: str | None = None,
    lonlat: Sequence[str] = ("lon", "lat"),
    repair: bool = False,
    check_coords: bool = True,
) -> gpd.GeoDataFrame:
    """Read a vector layer: GeoJSON, GeoPackage, Shapefile (zipped too), CSV or Excel.

    Parameters
    ----------
    path : str or path-like
        The file.  ``.zip`` files holding a shapefile (at the top or in a
        subfolder) are read directly.  CSV and Excel tables need lon/lat
        columns or a WKT column (see :func:`table_to_geodata`).
    layer : str or int, optional
        Layer of a multi-layer source (GeoPackage, zip with several
        shapefiles), or the sheet of an Excel workbook.
    encoding : str, optional
        Force the text encoding (``"gbk"``, ``"utf-8"`` …); default detects it.
    source_crs : str, optional
        The CRS the coordinates are **really** in; overrides the file's claim.
        ``"GCJ-02"`` or ``"BD-09"`` (Chinese web maps) are converted to WGS-84
        and the conversion is recorded in ``attrs["coordinate_conversions"]``;
        ``"WGS-84"`` or any EPSG string is set as the CRS.  Required when the
        file declares none (every CSV).
    lonlat : (str, str)
        Longitude and latitude column names for CSV/Excel input.  A table
        without them may carry WKT in a ``geometry``/``wkt`` column.
    repair : bool
        Repair invalid geometries with :func:`shapely.make_valid`; the count is
        logged and kept in ``attrs["repaired_geometries"]``.
    check_coords : bool
        Refuse NaN/infinite vertices and, in a lon/lat CRS, coordinates beyond
        ±180°/±90° (metres labelled EPSG:4326, swapped lat/lon), naming the
        features and the likely cause (default).  False leaves them for the
        caller to reject feature by feature, as the register import does.

    Returns
    -------
    geopandas.GeoDataFrame
        With ``attrs``: ``source_path``, ``encoding``, ``source_crs``,
        ``coordinate_conversions``, ``invalid_geometries`` (count).

    Raises
    ------
    ReadError
        Missing, unreadable or unsupported file; bad coordinate columns.
    EncodingError
        Text in an undetectable encoding, or GBK read as something else.
    CRSError
        No CRS and no ``source_crs`` (the message names the likely CRS when the
        coordinates look like metres), or coordinates outside the lon/lat range
        of a geographic CRS (metres labelled EPSG:4326, lat/lon swapped).
    GeometryError
        A NaN or infinite vertex.

    Warns
    -----
    InvalidGeometryWarning
        Invalid, empty or missing geometries were found and not repaired.

    Examples
    --------
    GeoJSON saved from Amap, which claims EPSG:4326 but is GCJ-02:

    >>> stations = read("amap_stations.geojson", source_crs="GCJ-02")  # doctest: +SKIP
    """
    path = Path(path)
    label = str(path) if layer is None else f"{path} (layer {layer!r})"
    suffix = _input_file(path, _VECTOR_SUFFIXES, "file", "reads .geojson, .gpkg, .shp, "
                         ".zip (shapefile), .fgb, .csv and .xlsx (lon/lat or WKT)")
    _sniff_empty(path, label)

    forced = encoding is not None
    if encoding is not None:
        enc = _normalize_encoding(encoding)
    elif suffix in (".xlsx", ".xlsm", ".xls"):
        enc = "xlsx"
    elif suffix in (".shp", ".zip", ".csv", ".txt", ".geojson", ".json"):
        enc = detect_encoding(path, layer if isinstance(layer, str) else None)
    else:
        enc = "utf-8"  # GeoPackage text is UTF-8 by specification

    if suffix in _TABLE_SUFFIXES:
        table = read_table(path, sheet=layer if suffix not in (".csv", ".txt") else None,
                           encoding=enc if suffix in (".csv", ".txt") else None)
        gdf = _table_geometry(table, lonlat=lonlat, wkt_column=None, label=label,
                              bad_wkt="raise")
    else:
        kwargs = {}
        source: object = path
        if suffix in (".shp", ".zip"):
            kwargs["encoding"] = _GDAL_NAMES.get(enc, enc)
        elif suffix in (".geojson", ".json") and enc != "utf-8":
            # GeoJSON must be UTF-8 (RFC 7946); re-encode a GBK file in memory.
            source = _stdio.BytesIO(path.read_bytes().decode(enc).encode("utf-8"))
            log.info("%s: decoded as %s (GeoJSON should be UTF-8)", label, enc)
        read_layer: object = layer
        if suffix == ".zip":
            source, read_layer = _zip_source(path, layer, label)
        try:
            with np.errstate(invalid="ignore"):  # NaN vertices are refused below, by name
                gdf = pyogrio.read_dataframe(source, layer=read_layer, **kwargs)
        except Exception as exc:  # pyogrio raises DataSourceError, DataLayerError …
            msg = f"{label}: could not read ({type(exc).__name__}: {exc})"
            raise ReadError(msg) from None
    if not forced:
        _check_mojibake(gdf, label)

    gdf.attrs["source_path"] = str(path)
    gdf.attrs["encoding"] = enc
    if check_coords:
        require_finite_coords(gdf, label)
    gdf = _apply_source_crs(gdf, source_crs, label, check_coords=check_coords)

    problems = geometry_problems(gdf)
    gdf.attrs["invalid_geometries"] = int(len(problems))
    if len(problems):
        if repair:
            gdf, n = repair_geometries(gdf)
            gdf.attrs["repaired_geometries"] = n
            log.info("%s: repaired %d invalid geometries with make_valid", label, n)
        else:
            shown = listing([f"feature {row.position}: {row.reason}"
                             for row in problems.itertuples()])
            warnings.warn(
                f"{label}: {len(problems)} invalid or empty geometries — {shown}. "
                "Pass repair=True to fix them with "
                "shapely.make_valid, or see zjgis.io.geometry_report(gdf)",
                InvalidGeometryWarning,
                stacklevel=2,
            )
    log.info("%s: read %d features (%s)", label, len(gdf), enc)
    return gdf


def geometry_report(gdf: gpd.GeoDataFrame, *, id_column: str | None = None) -> pd.DataFrame:
    """Table of invalid, empty and missing geometries.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Any layer.
    id_column : str, optional
        A column whose value identifies each feature in the report (e.g. ``parcel_id``).

    Returns
    -------
    pandas.DataFrame
        ``feature`` (index label), ``position`` (0-based row), ``id`` and
        ``reason`` (:func:`shapely.is_valid_reason`, or missing/empty
        geometry); empty when all geometries are valid.
    """
    return geometry_problems(gdf, id_column=id_column)


def repair_geometries(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Repair invalid geometries with :func:`shapely.make_valid`.

    Returns
    -------
    (geopandas.GeoDataFrame, int)
        A new frame and the number of geometries changed.  Missing and empty
        geometries are left as they are (they are reported, not invented).
    """
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    present = ~shapely.is_missing(geoms)
    invalid = np.zeros(len(geoms), dtype=bool)
    invalid[present] = ~shapely.is_valid(geoms[present])
    out = gdf.copy()
    if invalid.any():
        fixed = geoms.copy()
        fixed[invalid] = shapely.make_valid(geoms[invalid])
        out = out.set_geometry(gpd.array.from_shapely(fixed, crs=gdf.crs))
        out = out.rename_geometry(gdf.geometry.name) if out.geometry.name != gdf.geometry.name \
            else out
    return out, int(invalid.sum())


# --------------------------------------------------------------------------- writing


_STALE_AGE_S = 3600.0  # temporaries without a readable owner pid are stale after an hour
_ACTIVE_TEMPS: set[str] = set()  # temporaries this process is writing right now


def _temp_prefix(path: Path) -> str:
    return f".{path.stem}."


def _remove_stale_temporaries(path: Path) -> int:
    """Delete temporaries of earlier writes of ``path`` that were killed before they finished.

    A temporary is named ``.<stem>.<pid>.<random>.tmp<suffix>`` (plus driver
    sidecars such as ``-journal``).  It is stale when its writer process no
    longer runs; one of a live writer (another process writing the same target
    right now) is left alone.  On Windows, where probing a process id is not
    safe, a temporary is stale once it is an hour old.  Returns the number of
    files removed.
    """
    directory = path.parent if str(path.parent) else Path(".")
    prefix = _temp_prefix(path)
    marker = f".tmp{path.suffix}"
    removed = 0
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0
    for entry in entries:
        name = entry.name
        if not name.startswith(prefix) or marker not in name[len(prefix):]:
            continue
        base = name.split(marker, 1)[0] + marker
        if base in _ACTIVE_TEMPS:
            continue
        parts = base[len(prefix):-len(marker)].split(".")
        if len(parts) > 2 or (len(parts) == 2 and not parts[0].isdigit()):
            continue  # another target whose stem starts like this one (".t.x." for t.x.gpkg)
        stale = False
        if len(parts) == 2 and os.name != "nt":  # Windows' os.kill would end the process
            pid = int(parts[0])
            if pid != os.getpid():
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    stale = True
                except (PermissionError, OSError):
                    stale = False  # alive under another user
            else:
                stale = True  # ours, and not active: left by an exception we did not see
        else:
            with contextlib.suppress(OSError):
                stale = (time.time() - entry.stat().st_mtime) > _STALE_AGE_S
        if stale:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed += 1
    if removed:
        log.info("%s: removed %d stale temporary file(s) of killed earlier writes", path, removed)
    return removed


def _writable_target(path: Path) -> None:
    """Refuse targets zjgis must not replace: folders and files without write permission."""
    if path.is_dir():
        msg = f"{path} is a folder; give a file name inside it (e.g. {path / 'result.gpkg'})"
        raise WriteError(msg)
    if path.exists():
        mode = path.stat().st_mode
        if not mode & 0o200 or not os.access(path, os.W_OK):
            msg = (f"{path} is read-only (mode {mode & 0o777:o}); zjgis does not replace a file "
                   f"you may not write, even with overwrite=True. Make it writable "
                   f"(chmod u+w, or untick read-only in its Properties) or write elsewhere")
            raise WriteError(msg)


def require_suffix(path: PathLike, suffixes: Sequence[str], *, what: str,
                   error: type[ZjgisError] = WriteError) -> Path:
    """Refuse an output path whose suffix is not one of ``suffixes`` (any case).

    THE check of what an output is named, so a map never goes into a ``.png`` and
    an Excel workbook never into a ``.csv``; the message names the user's path.

    Parameters
    ----------
    path : str or path-like
    suffixes : sequence of str
        The allowed suffixes, with their dot (``(".html", ".htm")``).
    what : str
        What the output is, for the message (``"a map is an HTML page"``).
    error : type
        The error raised (default :class:`~zjgis.errors.WriteError`).

    >>> require_suffix("图.PNG", (".png",), what="a figure").name
    '图.PNG'
    """
    p = Path(path)
    if p.suffix.lower() not in suffixes:
        msg = f"{p}: {what}; give it the suffix {' or '.join(suffixes)}"
        raise error(msg)
    return p


@contextlib.contextmanager
def atomic_write(path: PathLike, *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` on success.

    If the block raises, the temporary file is removed and ``path`` is untouched.
    A write killed outright (power cut, ``kill -9``) cannot clean up: its
    temporary (``.<stem>.<pid>.<random>.tmp<suffix>``) is removed by the next
    write of the same target, once its process is gone.

    The replacement rule: an existing ``path`` is replaced only when
    ``overwrite`` is true **and** the file may be written (its owner-write bit
    is set and the OS grants write access); a read-only file, a folder, or a
    folder without write permission is a :class:`WriteError`.

    Parameters
    ----------
    path : str or path-like
        The final file.
    overwrite : bool
        When False and ``path`` exists, raise :class:`WriteError` before writing.

    Raises
    ------
    WriteError
        See the rule above, a missing folder, or an OS error (disk full,
        permission denied) while writing; the old file is kept.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> with atomic_write(target) as tmp:
    ...     _ = tmp.write_text("v1")
    >>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
    ('v1', ['note.txt'])
    """
    path = Path(path)
    _writable_target(path)
    if path.exists() and not overwrite:
        msg = f"{path} exists; pass overwrite=True (CLI: --overwrite) to replace it"
        raise WriteError(msg)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        msg = f"{path}: folder {directory} does not exist"
        raise WriteError(msg)
    _remove_stale_temporaries(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f"{_temp_prefix(path)}{os.getpid()}.",
                                        suffix=f".tmp{path.suffix}", dir=directory)
    except OSError as exc:
        msg = (f"cannot write {path}: the folder {directory} does not accept new files "
               f"({exc.strerror}); choose a folder you may write to")
        raise WriteError(msg) from None
    os.close(fd)
    tmp = Path(tmp_name)
    _ACTIVE_TEMPS.add(tmp.name)
    try:
        yield tmp
        try:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            # mkstemp creates 0600 files: give the result the mode of the file it
            # replaces, or the usual 0666 & ~umask of a new file
            umask = _current_umask()
            mode = (path.stat().st_mode & 0o777) if path.exists() else (0o666 & ~umask)
            with contextlib.suppress(OSError):
                os.chmod(tmp, mode)
            os.replace(tmp, path)
        except OSError as exc:
            msg = f"could not write {path} ({exc.strerror or exc}); the old file is kept"
            raise WriteError(msg) from None
        with contextlib.suppress(OSError):  # not every platform can fsync a directory
            dir_fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    finally:
        _ACTIVE_TEMPS.discard(tmp.name)
        for leftover in directory.glob(glob.escape(tmp.name) + "*"):
            with contextlib.suppress(OSError):
                leftover.unlink()


def _current_umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux /proc)."""
    with contextlib.suppress(OSError, ValueError, StopIteration):
        with open("/proc/self/status") as fh:
            return int(next(ln for ln in fh if ln.startswith("Umask:")).split()[1], 8)
    umask = os.umask(0o022)  # elsewhere: set and restore (not thread-safe, brief)
    os.umask(umask)
    return umask


def write_bytes(data: bytes, path: PathLike, *, overwrite: bool = True) -> Path:
    """Write bytes to ``path`` atomically (see :func:`atomic_write`).

    Parameters
    ----------
    data : bytes
        The content.
    path : str or path-like
        The file; its folder must exist.
    overwrite : bool
        When False and ``path`` exists, raise instead of replacing it.

    Returns
    -------
    pathlib.Path
        The written path.

    Raises
    ------
    WriteError
        The file exists and ``overwrite`` is False, or the folder is missing.
    """
    with atomic_write(path, overwrite=overwrite) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(text: str, path: PathLike, *, overwrite: bool = True) -> Path:
    """Write UTF-8 text to ``path`` atomically; parameters as :func:`write_bytes`."""
    return write_bytes(text.encode("utf-8"), path, overwrite=overwrite)


def write(
    gdf: gpd.GeoDataFrame,
    path: PathLike,
    layer: str | None = None,
    *,
    overwrite: bool = True,
) -> Path:
    """Write a GeoDataFrame to GeoPackage, GeoJSON or FlatGeobuf, atomically.

    The data go to a temporary file beside ``path`` which replaces ``path``
    only once complete: a crash or an error leaves the previous file intact.
    Writing a ``layer`` into an existing GeoPackage keeps its other layers.
    GeoJSON is always written in EPSG:4326 (RFC 7946).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Data with a CRS.
    path : str or path-like
        ``.gpkg``, ``.geojson``/``.json`` or ``.fgb``.
    layer : str, optional
        Layer name (GeoPackage); default the file's stem.
    overwrite : bool
        When False, refuse to replace an existing file (or GeoPackage layer).

    Returns
    -------
    pathlib.Path
        The written path.

    Raises
    ------
    WriteError
        Unsupported suffix, existing file with ``overwrite=False``, a read-only
        target or folder, a folder as target, or a failure of the driver (the
        original file is kept).  See :func:`atomic_write` for the replacement rule.
    CRSError
        ``gdf`` has no CRS.
    GeometryError
        A vertex is NaN or infinite (GeoJSON would silently write a null geometry).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> pts = gpd.GeoDataFrame({"name": ["张江高科"]}, geometry=[Point(121.5895, 31.2055)],
    ...                        crs="EPSG:4326")
    >>> out = write(pts, pathlib.Path(tempfile.mkdtemp()) / "stations.gpkg")
    >>> read(out)["name"].tolist()
    ['张江高科']
    """
    path = Path(path)
    driver = _WRITE_DRIVERS.get(path.suffix.lower())
    if driver is None:
        msg = f"{path}: zjgis writes .gpkg, .geojson and .fgb (got {path.suffix!r})"
        raise WriteError(msg)
    if gdf.crs is None:
        msg = f"refusing to write {path}: the data have no CRS (set one with .set_crs)"
        raise CRSError(msg)
    # GeoJSON would turn a NaN vertex into a null geometry, GeoPackage store a
    # shape no reader can use: refuse them before anything is written
    require_finite_coords(gdf, f"refusing to write {path}")
    require_lonlat_range(gdf, f"refusing to write {path}")
    _writable_target(path)
    if driver == "GeoJSON" and not gdf.crs.equals(_crs.WGS84):
        log.info("%s: reprojecting %s -> EPSG:4326 for GeoJSON", path, gdf.crs.to_string())
        gdf = gdf.to_crs(_crs.WGS84)
    layer_name = layer or path.stem
    keep_others = driver == "GPKG" and path.exists()
    if keep_others:
        try:
            present = {name for name, _ in pyogrio.list_layers(path)}
        except Exception as exc:  # not a GeoPackage any more: say so, keep it
            msg = (f"cannot add layer {layer_name!r} to {path}: the existing file is not a "
                   f"readable GeoPackage ({type(exc).__name__}: {exc}); move it away first")
            raise WriteError(msg) from None
        if not overwrite and layer_name in present:
            msg = f"{path} already has a layer {layer_name!r}; pass overwrite=True to replace it"
            raise WriteError(msg)
    with atomic_write(path, overwrite=overwrite or keep_others) as tmp:
        if keep_others:
            shutil.copyfile(path, tmp)
        else:
            tmp.unlink()  # let the driver create the file
        try:
            pyogrio.write_dataframe(
                gdf,
                tmp,
                layer=layer_name if driver in ("GPKG", "GeoJSON") else None,
                driver=driver,
                append=False,
            )
        except Exception as exc:
            msg = f"could not write {path} ({type(exc).__name__}: {exc}); the old file is kept"
            raise WriteError(msg) from exc
    log.info("wrote %d features to %s", len(gdf), path)
    return path
