"""The shared table of awkward inputs (in the spirit of shapely's ``tests/common.py``).

Every public entry point is run over these cases in ``tests/test_awkward_*.py``:
each case must either give a correct result or raise a :class:`zjgis.errors.ZjgisError`
— never a traceback from inside a library (``KeyError``, ``IndexError``,
``GEOSException``, scipy's ``ValueError`` …).

Use :func:`cases` to get ``(case_id, GeoDataFrame)`` pairs of a given geometry
family, built around a valid base layer in Zhangjiang (WGS-84), and
:func:`check_entry_point` to run a callable over them.

Case ids (stable, used in test ids and in the closing notes):

``empty``            no rows (with the base columns)
``none_geom``        one geometry is None
``empty_geom``       one geometry is empty
``bowtie``           an invalid self-intersecting polygon (polygon families only)
``multipart``        a Multi* geometry among singles
``z``                3-D coordinates
``wrong_type``       a geometry of another family (a point among lines …)
``no_crs``           the layer has no CRS
``metres_as_4326``   UTM 51N metres labelled EPSG:4326
``swapped_latlon``   lat/lon swapped (latitude 121.6)
``nan_coord``        one vertex is NaN
``inf_coord``        one vertex is infinite
``duplicate_ids``    two rows share the id column
``gcj_as_4326``      GCJ-02 coordinates claiming EPSG:4326 (valid input: must be accepted,
                     cannot be detected — this case checks nothing crashes)

:func:`file_cases` writes the files that are not what they claim (0-byte and
truncated CSV/GeoJSON/GeoPackage/Excel, a ZIP that is no workbook, a folder
named like a file, a GBK CSV and one with a UTF-8 BOM) for every reader and CLI
command: each must give a correct result or a ZjgisError naming the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon

from zjgis.errors import ZjgisError

LON0, LAT0 = 121.60, 31.20  # Zhangjiang
D = 0.002  # ≈ 200 m


def _base_points(n: int = 6) -> list:
    return [Point(LON0 + i * D, LAT0 + (i % 2) * D) for i in range(n)]


def _base_lines(n: int = 6) -> list:
    # a small grid of streets: 3 east–west, 3 north–south
    out = []
    for i in range(n // 2):
        out.append(LineString([(LON0, LAT0 + i * D), (LON0 + 2 * D, LAT0 + i * D)]))
        out.append(LineString([(LON0 + i * D, LAT0), (LON0 + i * D, LAT0 + 2 * D)]))
    return out


def _box(i: int, j: int = 0) -> Polygon:
    x, y = LON0 + i * D, LAT0 + j * D
    return Polygon([(x, y), (x + D, y), (x + D, y + D), (x, y + D)])


def _base_polygons(n: int = 6) -> list:
    return [_box(i % 3, i // 3) for i in range(n)]


BASE = {"point": _base_points, "line": _base_lines, "polygon": _base_polygons}


def base(kind: str, n: int = 6, **columns) -> gpd.GeoDataFrame:
    """A valid layer of ``kind`` ("point", "line", "polygon") in EPSG:4326 with an ``id``."""
    geoms = BASE[kind](n)
    data = {"id": [f"F{i}" for i in range(len(geoms))]}
    for key, value in columns.items():
        data[key] = value if not callable(value) else [value(i) for i in range(len(geoms))]
    return gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:4326")


def _replace(gdf: gpd.GeoDataFrame, pos: int, geom) -> gpd.GeoDataFrame:
    out = gdf.copy()
    geoms = np.asarray(out.geometry.values, dtype=object)
    geoms[pos] = geom
    out = out.set_geometry(gpd.GeoSeries(list(geoms), index=out.index, crs=gdf.crs))
    return out


def _with_coords(gdf: gpd.GeoDataFrame, fn) -> gpd.GeoDataFrame:
    out = gdf.copy()
    out.geometry = shapely.transform(np.asarray(out.geometry.values), fn)
    return out


def _nan_vertex(geom, value=np.nan):
    coords = np.asarray(shapely.get_coordinates(geom)).copy()
    coords[len(coords) // 2 if geom.geom_type != "Polygon" else 1, 0] = value
    with np.errstate(invalid="ignore"):  # GEOS notes the NaN it is asked to store
        return shapely.set_coordinates(shapely.from_wkb(shapely.to_wkb(geom)), coords)


def cases(kind: str, *, id_column: str = "id", n: int = 6,
          **columns) -> list[tuple[str, gpd.GeoDataFrame]]:
    """The awkward variants of a valid ``kind`` layer, as ``(case_id, gdf)``.

    Extra keyword arguments become columns of the base layer (a list, or a
    callable of the row position), e.g. ``jobs=lambda i: 100 * i``.
    """
    good = base(kind, n, **columns)
    if id_column != "id":
        good = good.rename(columns={"id": id_column})
    first = good.geometry.iloc[0]
    out: list[tuple[str, gpd.GeoDataFrame]] = []
    out.append(("empty", good.iloc[0:0].copy()))
    out.append(("none_geom", _replace(good, 1, None)))
    out.append(("empty_geom", _replace(good, 1, {"point": Point(), "line": LineString(),
                                                 "polygon": Polygon()}[kind])))
    if kind == "polygon":
        x, y = LON0, LAT0
        bow = Polygon([(x, y), (x + D, y + D), (x + D, y), (x, y + D)])
        out.append(("bowtie", _replace(good, 1, bow)))
    multi = {"point": lambda g: MultiPoint([g, Point(g.x + D / 4, g.y)]),
             "line": lambda g: MultiLineString([g, shapely.affinity.translate(g, D / 3, D / 3)]),
             "polygon": lambda g: MultiPolygon([g, _box(10, 10)])}[kind]
    out.append(("multipart", _replace(good, 0, multi(first))))
    out.append(("z", _with_coords(good, lambda c: c) .pipe(
        lambda g: g.set_geometry(shapely.force_3d(np.asarray(g.geometry.values), 5.0)))))
    other = {"point": _base_lines(2)[0], "line": _base_points(1)[0],
             "polygon": _base_lines(2)[0]}[kind]
    out.append(("wrong_type", _replace(good, 1, other)))
    out.append(("no_crs", good.set_crs(None, allow_override=True)))
    metres = good.to_crs("EPSG:32651").set_crs("EPSG:4326", allow_override=True)
    out.append(("metres_as_4326", metres))
    out.append(("swapped_latlon", _with_coords(good, lambda c: c[:, ::-1])))
    out.append(("nan_coord", _replace(good, 1, _nan_vertex(good.geometry.iloc[1]))))
    out.append(("inf_coord", _replace(good, 1, _nan_vertex(good.geometry.iloc[1], np.inf))))
    dup = good.copy()
    dup.loc[dup.index[1], id_column] = dup[id_column].iloc[0]
    out.append(("duplicate_ids", dup))
    from zjgis import crs as zcrs

    gcj = zcrs.convert(good, source="WGS-84", target="GCJ-02")
    gcj = gcj.set_crs("EPSG:4326", allow_override=True)
    out.append(("gcj_as_4326", gcj))
    return out


CASE_IDS = ["empty", "none_geom", "empty_geom", "bowtie", "multipart", "z", "wrong_type",
            "no_crs", "metres_as_4326", "swapped_latlon", "nan_coord", "inf_coord",
            "duplicate_ids", "gcj_as_4326"]

# cases whose input is wrong in a way zjgis must refuse (never a silent result)
MUST_REFUSE = {"no_crs", "metres_as_4326", "swapped_latlon", "nan_coord", "inf_coord"}


def run_case(fn: Callable, gdf, case_id: str, *, must_refuse: Iterable[str] = MUST_REFUSE):
    """Run ``fn(gdf)``; a non-zjgis exception fails the test with the case id.

    Returns the result, or the :class:`ZjgisError` raised.  For cases in
    ``must_refuse`` a result (no error) fails the test.
    """
    try:
        result = fn(gdf)
    except ZjgisError as exc:
        assert str(exc).strip(), f"{case_id}: empty error message"
        return exc
    except Exception as exc:  # noqa: BLE001 - the point of the table
        pytest.fail(f"{case_id}: library traceback {type(exc).__name__}: {exc}")
    if case_id in set(must_refuse):
        pytest.fail(f"{case_id}: accepted input that must be refused; got {type(result)}")
    return result


def frame_cases(columns: dict, *, id_column: str = "id") -> list[tuple[str, pd.DataFrame]]:
    """Awkward variants of a plain table (OD, projects …): empty, NaN, inf, negative,
    text in a number column, duplicate ids, missing column."""
    good = pd.DataFrame(columns)
    num = [c for c in good.columns if pd.api.types.is_numeric_dtype(good[c])]
    out = [("empty", good.iloc[0:0].copy())]
    if num:
        c = num[0]
        for cid, val in (("nan_value", np.nan), ("inf_value", np.inf), ("negative", -1),
                         ("text_value", "十二")):
            bad = good.copy()
            bad[c] = bad[c].astype(object)
            bad.loc[bad.index[0], c] = val
            out.append((cid, bad))
    if id_column in good.columns:
        dup = good.copy()
        dup.loc[dup.index[1], id_column] = dup[id_column].iloc[0]
        out.append(("duplicate_ids", dup))
    out.append(("missing_column", good.drop(columns=[good.columns[-1]])))
    return out


FILE_CASE_IDS = ["empty_csv", "blank_csv", "truncated_csv", "gbk_csv", "bom_csv", "empty_geojson",
                 "truncated_geojson", "truncated_gpkg", "empty_xlsx", "broken_xlsx",
                 "truncated_xlsx", "folder_gpkg"]
#: file cases that hold a usable table (the others must be refused)
READABLE_FILES = {"gbk_csv", "bom_csv"}


def file_cases(folder, *, columns: dict | None = None) -> list[tuple[str, object]]:
    """Write the awkward files into ``folder`` and return ``(case_id, path)`` pairs.

    ``columns`` is the table the good files carry (default: points with
    ``id``, ``名称``, ``lon``, ``lat`` in Zhangjiang).
    """
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(columns or {"id": ["F0", "F1"], "名称": ["张江", "唐镇"],
                                     "lon": [LON0, LON0 + D], "lat": [LAT0, LAT0 + D]})
    text = table.to_csv(index=False)
    out: list[tuple[str, object]] = []

    def add(case_id: str, name: str, data: bytes | None) -> None:
        path = folder / name
        if data is None:
            path.mkdir()
        else:
            path.write_bytes(data)
        out.append((case_id, path))

    add("empty_csv", "empty.csv", b"")
    add("blank_csv", "blank.csv", b"\n\n")
    add("truncated_csv", "truncated.csv", text.encode()[:-3] + b'"\n1,')
    add("gbk_csv", "gbk.csv", text.encode("gbk"))
    add("bom_csv", "bom.csv", text.encode("utf-8-sig"))
    layer = base("point", 3)
    layer.to_file(folder / "full.geojson")
    raw = (folder / "full.geojson").read_bytes()
    add("empty_geojson", "empty.geojson", b"")
    add("truncated_geojson", "truncated.geojson", raw[: len(raw) // 2])
    layer.to_file(folder / "full.gpkg")
    raw = (folder / "full.gpkg").read_bytes()
    add("truncated_gpkg", "truncated.gpkg", raw[: len(raw) // 3])
    table.to_excel(folder / "full.xlsx", index=False)
    raw = (folder / "full.xlsx").read_bytes()
    add("empty_xlsx", "empty.xlsx", b"")
    add("broken_xlsx", "broken.xlsx", b"PK\x03\x04 this is no workbook")
    add("truncated_xlsx", "truncated.xlsx", raw[: len(raw) // 2])
    add("folder_gpkg", "folder.gpkg", None)
    for name in ("full.geojson", "full.gpkg", "full.xlsx"):
        (folder / name).unlink()
    return out
