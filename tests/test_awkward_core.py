"""The shared awkward-input table (tests/awkward.py) over the core entry points.

``zjgis.read`` (each case first written to a GeoPackage and a GeoJSON with
pyogrio, as another program would), ``zjgis.write``, ``crs.convert``,
``crs.to_metric``, ``crs.geodesic_area``, ``crs.geodesic_length``,
``raster.grid``, ``raster.zonal_stats`` and ``io.read_table``: every case ends
in a correct result or a :class:`~zjgis.errors.ZjgisError`, never a traceback
from inside a library.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from tests.awkward import (
    FILE_CASE_IDS,
    MUST_REFUSE,
    READABLE_FILES,
    cases,
    file_cases,
    frame_cases,
    run_case,
)
from zjgis import crs, io, raster
from zjgis.errors import ZjgisError

KINDS = ("point", "line", "polygon")
ALL = [(kind, cid, gdf) for kind in KINDS for cid, gdf in cases(kind)]
IDS = [f"{kind}-{cid}" for kind, cid, _ in ALL]

# convert accepts a layer without CRS (it declares EPSG:4326 on the result, documented)
CONVERT_REFUSE = MUST_REFUSE - {"no_crs"}


def _finite(df):
    return np.isfinite(np.asarray(df, dtype=float)).all()


@pytest.mark.parametrize("kind, cid, gdf", ALL, ids=IDS)
def test_convert(kind, cid, gdf):
    out = run_case(lambda g: crs.convert(g, source="GCJ-02", target="WGS-84"), gdf, cid,
                   must_refuse=CONVERT_REFUSE)
    if not isinstance(out, ZjgisError):
        assert len(out) == len(gdf) and list(out.index) == list(gdf.index)
        valid_in = shapely.is_valid(np.asarray(gdf.geometry.values))
        valid_out = shapely.is_valid(np.asarray(out.geometry.values))
        assert (valid_out | ~valid_in).all()  # nothing valid became invalid


@pytest.mark.parametrize("kind, cid, gdf", ALL, ids=IDS)
def test_to_metric(kind, cid, gdf):
    out = run_case(crs.to_metric, gdf, cid)
    if not isinstance(out, ZjgisError):
        assert out.crs.to_epsg() == 32651
        present = ~shapely.is_missing(out.geometry.values) & ~out.geometry.is_empty
        assert _finite(shapely.get_coordinates(np.asarray(out.geometry[present].values)))


@pytest.mark.parametrize("kind, cid, gdf", ALL, ids=IDS)
def test_geodesic_area(kind, cid, gdf):
    out = run_case(crs.geodesic_area, gdf, cid, must_refuse=MUST_REFUSE | {"bowtie"})
    if not isinstance(out, ZjgisError):
        assert _finite(out) and (out["area_m2"] >= 0).all()
        if kind != "polygon":
            assert (out["area_m2"] == 0).all()
        else:  # every present polygon is a ≈ 200 m box: ≈ 4 ha (the multipart: two of them)
            present = (~shapely.is_missing(gdf.geometry.values) & ~gdf.geometry.is_empty
                       & gdf.geom_type.isin(["Polygon", "MultiPolygon"])).to_numpy()
            per_part = out["area_m2"][present] / gdf.geometry[present].count_geometries()
            assert per_part.between(3.5e4, 4.5e4).all()


@pytest.mark.parametrize("kind, cid, gdf", ALL, ids=IDS)
def test_geodesic_length(kind, cid, gdf):
    out = run_case(crs.geodesic_length, gdf, cid)
    if not isinstance(out, ZjgisError):
        assert _finite(out) and (out >= 0).all()


@pytest.mark.parametrize("kind, cid, gdf", ALL, ids=IDS)
def test_write(kind, cid, gdf, tmp_path):
    for name in ("out.gpkg", "out.geojson"):
        target = tmp_path / name
        out = run_case(lambda g, t=target: io.write(g, t), gdf, cid)
        if isinstance(out, ZjgisError):
            assert not target.exists()
        else:
            with warnings.catch_warnings():  # empty/missing geometries are reported on read
                warnings.simplefilter("ignore")
                back = pyogrio.read_dataframe(target)
            assert len(back) == len(gdf)
    assert not [p for p in tmp_path.iterdir() if ".tmp." in p.name]


@pytest.mark.parametrize("kind, cid, gdf", ALL, ids=IDS)
def test_read(kind, cid, gdf, tmp_path):
    for name in ("in.gpkg", "in.geojson"):
        path = tmp_path / name
        try:  # written the way another program would, without zjgis's checks
            with warnings.catch_warnings():  # no crs / NaN coordinate: GDAL says so, writes
                warnings.simplefilter("ignore")
                pyogrio.write_dataframe(gdf, path)
        except Exception:  # noqa: BLE001 - a case GDAL itself cannot write is not a read case
            continue

        def read(_, p=path):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", category=io.InvalidGeometryWarning)
                return io.read(p)

        refuse = set(MUST_REFUSE)
        if name.endswith(".geojson"):
            refuse -= {"no_crs"}  # GeoJSON is EPSG:4326 by definition (RFC 7946)
            # GDAL itself writes a geometry with a NaN/inf vertex as null: nothing to refuse
            refuse -= {"nan_coord", "inf_coord"}
        out = run_case(read, gdf, cid, must_refuse=refuse)
        if not isinstance(out, ZjgisError):
            assert out.crs is not None and len(out) == len(gdf)
            if cid in ("nan_coord", "inf_coord"):
                assert out.geometry.iloc[1] is None


@pytest.mark.parametrize("kind, cid, gdf", ALL, ids=IDS)
def test_raster_grid(kind, cid, gdf):
    out = run_case(lambda g: raster.grid(g, cell_m=50), gdf, cid,
                   must_refuse=MUST_REFUSE | {"empty"})
    if not isinstance(out, ZjgisError):
        assert 1 <= out.width < 100 and 1 <= out.height < 100


_POLYS = [(cid, gdf) for cid, gdf in cases("polygon")]


@pytest.mark.parametrize("cid, gdf", _POLYS, ids=[c for c, _ in _POLYS])
def test_zonal_stats(cid, gdf):
    g = raster.grid(cases("polygon")[1][1].iloc[[0, 2, 5]], cell_m=20, margin_m=2000)
    x, _ = g.centres()
    values = (x - x.min()) / (x.max() - x.min())
    out = run_case(lambda z: raster.zonal_stats(z, values, g, all_touched=True), gdf, cid,
                   must_refuse=MUST_REFUSE | {"wrong_type"})
    if not isinstance(out, ZjgisError):
        assert list(out.index) == list(gdf.index)
        assert (out["cells"] >= 0).all()
        present = (~shapely.is_missing(gdf.geometry.values) & ~gdf.geometry.is_empty).to_numpy()
        assert (out["cells"][present] > 0).all()
        assert out["mean"][present].between(0, 1).all()


_TABLES = frame_cases({"project_id": ["P1", "P2", "P3"], "area_mu": [10.0, 20.0, 30.0],
                       "industry": ["集成电路", "生物医药", "人工智能"]}, id_column="project_id")


@pytest.mark.parametrize("cid, df", _TABLES, ids=[c for c, _ in _TABLES])
@pytest.mark.parametrize("fmt", ["csv-utf8", "csv-gbk", "xlsx"])
def test_read_table(cid, df, fmt, tmp_path):
    if fmt == "xlsx":
        path = tmp_path / "t.xlsx"
        df.to_excel(path, index=False)
    else:
        path = tmp_path / "t.csv"
        path.write_bytes(df.to_csv(index=False).encode("utf-8" if fmt == "csv-utf8" else "gbk"))
    out = run_case(lambda _: io.read_table(path), df, cid, must_refuse=set())
    assert not isinstance(out, ZjgisError), out
    assert list(out.columns) == list(df.columns) and len(out) == len(df)
    pd.testing.assert_series_equal(out.iloc[:, 0].astype(str), df.iloc[:, 0].astype(str),
                                   check_names=False)


_FILES = FILE_CASE_IDS


@pytest.mark.parametrize("cid", _FILES)
def test_read_and_read_table_of_files_that_are_not_what_they_claim(cid, tmp_path):
    path = dict(file_cases(tmp_path))[cid]
    refuse = set(_FILES) - READABLE_FILES
    out = run_case(lambda _: io.read(path, source_crs="WGS-84"), None, cid, must_refuse=refuse)
    if isinstance(out, ZjgisError):
        assert str(path.name) in str(out)  # the message names the file
    else:
        assert out["名称"].tolist() == ["张江", "唐镇"] and out.crs.to_epsg() == 4326
    if path.suffix in (".csv", ".xlsx"):
        table = run_case(lambda _: io.read_table(path), None, cid, must_refuse=refuse)
        if isinstance(table, ZjgisError):
            assert str(path.name) in str(table)
        else:
            assert list(table.columns) == ["id", "名称", "lon", "lat"]
