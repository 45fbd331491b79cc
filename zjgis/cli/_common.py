"""Helpers shared by the subcommand modules (not a subcommand itself).

Every command that reads geodata takes the same two input options
(:func:`add_input_options`) and reads through :func:`read_input`:

``--source-crs CRS`` or ``--source-crs FILE=CRS`` (repeatable)
    the coordinate system the file is really in — same meaning as
    ``zjgis.read(..., source_crs=)``: ``GCJ-02`` (Amap/高德, Tencent), ``BD-09``
    (Baidu) are converted to WGS-84; ``EPSG:4528`` etc. are set when the file
    declares none.  A plain CRS applies to every input file; ``FILE=CRS`` (the
    file's name or path as given) to that file alone, so an Amap station table
    and OSM streets can be read in one command (:func:`source_crs_for`).
``--columns SOURCE=FIELD ...``
    explicit column mapping (``--columns 宗地号=parcel_id 用途=land_use_code``),
    which wins over the guesses of :func:`zjgis.schema.map_columns`.

Exit codes of the ``zjgis`` command: :data:`EXIT_OK` 0, :data:`EXIT_ERROR` 1 (a
problem the message names), :data:`EXIT_USAGE` 2 (bad arguments),
:data:`EXIT_PARTIAL` 3 (``reserve import``: some rows rejected, the others
imported).
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from zjgis import io as _io
from zjgis import schema as _schema
from zjgis.errors import ReadError, ValidationError, WriteError

__all__ = [
    "EXIT_ERROR",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "EXIT_USAGE",
    "add_input_options",
    "source_crs_for",
    "read_input",
    "read_table",
    "refuse_existing",
    "write_csv",
]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
#: ``reserve import``: some rows were rejected and the others imported.
EXIT_PARTIAL = 3

_CRS_HELP = ("coordinate system the file is really in (as zjgis.read(source_crs=)): "
             "GCJ-02 (Amap/高德, Tencent), BD-09 (Baidu) are converted to WGS-84; "
             "EPSG:4528 (CGCS2000 Gauss-Krüger zone 40) etc. when the file names none. "
             "CRS applies to every input file, FILE=CRS to that file only "
             "(repeat the option: --source-crs 车站.xlsx=GCJ-02 --source-crs EPSG:4528)")
_COLUMNS_HELP = ("map column names to zjgis fields, e.g. --columns 宗地号=parcel_id "
                 "用途=land_use_code; wins over the automatic mapping of Chinese and "
                 "shapefile-truncated names (see zjgis.schema)")


#: The library's advice in its own words (keywords, methods) → the command line's.
_CLI_WORDS: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(a, re.S), b) for a, b in (
    (r"\bsource_crs=(['\"])([^'\"]+)\1", r"--source-crs \2"),
    (r"\bsource_crs= when importing", "--source-crs"),
    (r"land_use_defaults=\{[^}]*\} \(command line: ([^)]*)\)", r"\1"),
    (r"\b\w+= \(command line: ([^)]*)\)", r"\1"),
    (r"area_unit='亩' \(or '公顷', 'm²'; command line --area-unit 亩\)",
     "--area-unit 亩 (or 公顷, m²)"),
    (r"declared_area_unit='亩', a header such as 面积\(亩\), or declared_area_mu=",
     "a header such as 面积(亩), or --area-unit 亩"),
    (r"create one with Register\.create\(path\)",
     "create one with zjgis reserve import FILE --register PATH --create"),
    (r"change the status with Register\.transition, not update",
     "change the status with zjgis reserve transition, not --set"),
    (r"with Register\.import_parcels", "with zjgis reserve import"),
    (r"with Register\.update/transition", "with zjgis reserve update/transition"),
    (r"with Register\.add\b", "with zjgis reserve import"),
    (r"To relax the check, open the register with a tolerance in metres:.*?\(CLI: (.*?)\)$",
     r"To relax the check: \1"),
    (r"Pass lonlat=\(x_column, y_column\) or wkt_column=",
     "Name the coordinate columns 经度/纬度 (or lon/lat), or give the geometry as WKT "
     "(--wkt-column where the command has it)"),
    (r"pass lonlat=\(longitude_column, latitude_column\) to choose",
     "rename the one not to use"),
    (r"pass lonlat=\('([^']*)', '([^']*)'\)", r"swap the columns \1 and \2"),
    (r" ?\(QGIS: Fix geometries; zjgis\.io\.read\(\.\.\., repair=True\)\) or pass repair=True",
     " (QGIS: Fix geometries)"),
    (r"\(repair it, e\.g\. zjgis\.io\.read\(\.\.\., repair=True\)\)",
     "(repair it, e.g. QGIS: Fix geometries)"),
    (r"Pass repair=True to fix them with shapely\.make_valid, or see "
     r"zjgis\.io\.geometry_report\(gdf\)", "Repair them (QGIS: Fix geometries)"),
    (r", or zjgis\.read\(path, repair=True\)\)", ")"),
    (r"even with overwrite=True", "even with --overwrite"),
    (r"pass overwrite=True \(CLI: --overwrite\)", "pass --overwrite"),
    (r", or open the register with a longer timeout_s", ""),
    (r"fit_to \(--extent\)", "--extent"),
))


def cli_words(text: object) -> str:
    """A library message as the command line says it (``--source-crs``, not ``source_crs=``).

    The one translation of advice for :mod:`zjgis.cli`: errors, warnings and printed
    notes go through it, so a planner is never told a keyword the command lacks.

    >>> cli_words("create one with Register.create(path)")
    'create one with zjgis reserve import FILE --register PATH --create'
    """
    out = str(text)
    for pattern, replacement in _CLI_WORDS:
        out = pattern.sub(replacement, out)
    return out


def add_input_options(parser: argparse.ArgumentParser, *, columns: bool = True) -> None:
    """Add ``--source-crs`` and (optionally) ``--columns`` to a subcommand's parser."""
    parser.add_argument("--source-crs", action="append", default=None, metavar="CRS",
                        help=_CRS_HELP)
    if columns:
        parser.add_argument("--columns", nargs="+", default=None, metavar="SOURCE=FIELD",
                            help=_COLUMNS_HELP)


def _crs_items(args: argparse.Namespace | None) -> tuple[str | None, dict[str, str]]:
    """The ``--source-crs`` items: the CRS for every file, and the CRS per named file."""
    items = getattr(args, "source_crs", None)
    if items is None:
        return None, {}
    default, named = None, {}
    for item in [items] if isinstance(items, str) else items:
        key, sep, value = str(item).partition("=")
        # "+proj=utm +zone=51 …" is a CRS, not FILE=CRS
        if sep and key.strip() and not key.lstrip().startswith("+"):
            named[key.strip()] = value.strip()
        elif default is not None and default != item:
            msg = (f"--source-crs given twice for every file ({default!r}, {item!r}); name "
                   f"the file of one of them: --source-crs FILE={item}")
            raise ValidationError(msg)
        else:
            default = str(item)
    return default, named


def source_crs_for(path: str | os.PathLike, args: argparse.Namespace | None) -> str | None:
    """The ``--source-crs`` that applies to ``path``: its own ``FILE=CRS``, else the plain one.

    ``FILE`` matches the path as given, its file name or its name without suffix.

    Examples
    --------
    >>> ns = argparse.Namespace(source_crs=["车站.xlsx=GCJ-02", "EPSG:4528"])
    >>> source_crs_for("data/车站.xlsx", ns), source_crs_for("roads.shp", ns)
    ('GCJ-02', 'EPSG:4528')
    """
    default, named = _crs_items(args)
    p = Path(path)
    for key in (str(path), p.name, p.stem):
        if key in named:
            return named[key]
    return default


def check_source_crs_files(args: argparse.Namespace) -> None:
    """Refuse a ``--source-crs FILE=CRS`` whose FILE is none of the command's inputs."""
    _, named = _crs_items(args)
    if not named:
        return
    given = set()
    for value in vars(args).values():
        for v in value if isinstance(value, list | tuple) else [value]:
            if isinstance(v, str | os.PathLike) and not callable(v):
                p = Path(v)
                given.update({str(v), p.name, p.stem})
    unknown = [k for k in named if k not in given]
    if unknown:
        msg = (f"--source-crs names {', '.join(map(repr, unknown))}, which is not one of this "
               f"command's files")
        raise ValidationError(msg)


def _mapping_for(df: pd.DataFrame, args: argparse.Namespace | None, strict: bool
                 ) -> dict[str, str]:
    mapping = _schema.parse_mapping(getattr(args, "columns", None))
    if strict:
        return mapping
    present = {str(c) for c in df.columns}
    return {k: v for k, v in mapping.items() if k in present}


def read_input(
    path: str | os.PathLike,
    args: argparse.Namespace | None,
    table: str | None,
    *,
    layer: str | None = None,
    strict: bool = True,
) -> gpd.GeoDataFrame:
    """Read a geodata file with the command's ``--source-crs`` and ``--columns``.

    Parameters
    ----------
    path : str or path-like
        The file (anything :func:`zjgis.io.read` reads).
    args : argparse.Namespace or None
        The parsed arguments (``source_crs``, ``columns``; missing ones count as unset).
    table : str or None
        Table kind for :func:`zjgis.schema.map_columns` (``"roads"``, ``"stations"``,
        ``"zones"`` …); None reads without mapping columns.
    layer : str, optional
        Layer of a GeoPackage.
    strict : bool
        The ``--columns`` items must all name a column of this file (default);
        False for a command's secondary inputs, which take only the items that fit.

    Returns
    -------
    geopandas.GeoDataFrame
        With ``attrs["column_mapping"]`` when columns were mapped.
    """
    gdf = _io.read(path, layer=layer, source_crs=source_crs_for(path, args))
    if table is None:
        return gdf
    return _schema.map_columns(gdf, table, columns=_mapping_for(gdf, args, strict),
                               name=str(path))


def read_table(
    path: str | os.PathLike,
    args: argparse.Namespace | None = None,
    table: str | None = None,
    *,
    sheet: str | int | None = None,
    text_columns: Sequence[str] = (),
    strict: bool = True,
) -> pd.DataFrame:
    """Read an Excel (``.xlsx``/``.xls``) or CSV table, mapping columns like :func:`read_input`.

    CSV text may be UTF-8 (with or without BOM) or GBK/GB18030 (Excel on Chinese
    Windows).  Identifier columns (``text_columns``, after mapping: also every
    ``*_id`` field) are read as text so ``007`` stays ``007``.  ``strict`` as in
    :func:`read_input`.

    Raises
    ------
    ReadError
        Missing or unreadable file, naming it.
    """
    p = Path(path)
    if not p.exists():
        raise ReadError(f"{p}: file not found")
    suffix = p.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            df = pd.read_excel(p, sheet_name=sheet or 0, dtype=object)
        elif suffix in (".csv", ".txt"):
            enc = _io.detect_encoding(p)
            df = pd.read_csv(p, dtype=object, encoding="utf-8-sig" if enc == "utf-8" else enc)
        else:
            raise ReadError(f"{p}: unsupported table type {suffix!r}; use .xlsx or .csv")
    except ReadError:
        raise
    except Exception as exc:  # openpyxl/xlrd/pandas raise many kinds
        raise ReadError(f"{p}: cannot read the table ({type(exc).__name__}: {exc})") from None
    df.attrs["source_path"] = str(p)
    if table is not None:
        df = _schema.map_columns(df, table, columns=_mapping_for(df, args, strict),
                                 name=str(p))
    for col in df.columns:
        if col in text_columns or str(col).endswith("_id"):
            df[col] = df[col].map(_as_text)
    return df


def _as_text(v: object) -> object:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def write_csv(df: pd.DataFrame, path: str | os.PathLike, *, overwrite: bool,
              index: bool = False) -> Path:
    """Write a table as CSV, UTF-8 with BOM (Excel on Chinese Windows opens it right)."""
    text = df.to_csv(index=index)
    return _io.write_bytes(("\ufeff" + text).encode("utf-8"), path, overwrite=overwrite)


def _output_kinds() -> dict[str, tuple[tuple[str, ...], str]]:
    """What each kind of output is written as (the suffixes its writer takes)."""
    from zjgis.maps.figure import FIGURE_SUFFIXES  # here: the maps load folium
    from zjgis.maps.offline import PAGE_SUFFIXES

    return {
        "vector": (tuple(_io._WRITE_DRIVERS), "a GeoPackage (.gpkg), GeoJSON (.geojson) or "
                   "FlatGeobuf (.fgb)"),
        "html": (PAGE_SUFFIXES, "an HTML page"),
        "figure": (FIGURE_SUFFIXES, "a figure"),
        "xlsx": ((".xlsx",), "an Excel workbook"),
        "csv": ((".csv",), "a CSV table"),
    }


def check_output_kinds(outputs: dict) -> None:
    """Stop before any work when an output's suffix is not what the command writes.

    ``outputs`` maps each output path (None: not asked for) to its kind: ``vector``,
    ``html``, ``figure``, ``xlsx`` or ``csv``.  So ``--out x.csv`` is never an Excel
    file named .csv, a map never goes into a .png, and the error names the user's
    file, not a temporary one.

    Raises
    ------
    WriteError
        Naming the output and the suffixes it may have.
    """
    kinds = _output_kinds() if any(p is not None for p in outputs) else {}
    for path, kind in outputs.items():
        if path is None:
            continue
        suffixes, what = kinds[kind]
        _io.require_suffix(path, suffixes, what=f"this output is {what}")


def refuse_existing(paths: Iterable[str | os.PathLike | None], *, overwrite: bool) -> None:
    """Stop before any work when an output cannot or must not be written.

    Refused, naming the output: a folder where the output file should go (even
    with ``--overwrite``), a parent folder that does not exist, is a file or is not
    writable, and an existing file when ``--overwrite`` was not given.  So a command
    with two outputs never writes the first and then fails on the second.  The
    existing-file rule is checked again at write time
    (``zjgis.io.atomic_write(..., overwrite=...)``), so a file that appears while
    the command runs is not replaced either.

    Raises
    ------
    WriteError
        Naming the first output that cannot be written.
    """
    for path in paths:
        if path is None:
            continue
        p = Path(path)
        parent = p.parent
        if p.is_dir():
            msg = f"{p} is a folder, not a file: give the output a file name inside it"
            raise WriteError(msg)
        if parent.exists() and not parent.is_dir():
            msg = f"{p}: {parent} is a file, not a folder; choose another output path"
            raise WriteError(msg)
        if not parent.exists():
            msg = f"{p}: folder {parent} does not exist; create it first or choose another path"
            raise WriteError(msg)
        if not os.access(parent, os.W_OK):
            msg = f"{p}: folder {parent} is not writable; choose another output folder"
            raise WriteError(msg)
        if not overwrite and p.exists():
            msg = f"{path} exists; pass --overwrite to replace it"
            raise WriteError(msg)
