"""zjgis.raster: grids in metres, distance rasters, weighted overlay, GeoTIFF, zonal stats."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from shapely.geometry import LineString, Point, box

from zjgis import crs, raster
from zjgis.errors import GeometryError, ValidationError, WriteError

X0, Y0 = 360_000.0, 3_450_000.0


def _metric(geoms, **cols):
    return gpd.GeoDataFrame(cols or None, geometry=geoms, crs=crs.METRIC)


@pytest.fixture
def area():
    return _metric([box(X0, Y0, X0 + 1000, Y0 + 500)])


def test_grid_snaps_to_cells_and_guards_size(area):
    g = raster.grid(area.to_crs(4326), cell_m=100)
    assert g.cell_m == 100 and g.crs == crs.METRIC
    assert g.transform.c % 100 == 0 and g.transform.f % 100 == 0
    assert g.width >= 10 and g.height >= 5
    with pytest.raises(ValidationError, match="max_cells"):
        raster.grid(area, cell_m=0.01)
    with pytest.raises(ValidationError):
        raster.grid(area, cell_m=0)


def test_distance_to_points_is_exact_and_to_lines_within_half_a_cell(area):
    g = raster.grid(area, cell_m=10)
    pt = _metric([Point(X0 + 505, Y0 + 255)])
    d = raster.distance(pt.to_crs(4326), g)
    x, y = g.centres()
    reproj = pt.geometry.iloc[0]
    np.testing.assert_allclose(d, np.hypot(x - reproj.x, y - reproj.y), atol=1e-3)
    line = _metric([LineString([(X0, Y0 + 250), (X0 + 1000, Y0 + 250)])])
    dl = raster.distance(line, g)
    np.testing.assert_allclose(dl, np.abs(y - (Y0 + 250)), atol=10 * 0.7072)  # ≤ half a diagonal
    assert np.isinf(raster.distance(line.iloc[:0], g)).all()


def test_weighted_overlay_with_constraints():
    a = np.array([[1.0, 0.0], [0.5, 1.0]])
    b = np.array([[0.0, 0.0], [1.0, 1.0]])
    c = np.array([[False, False], [False, True]])
    s = raster.weighted_overlay({"a": (a, 3), "b": (b, 1)}, constraints=[c])
    np.testing.assert_allclose(s, [[0.75, 0.0], [0.625, 0.0]])
    s2 = raster.weighted_overlay({"a": (a, 1)}, constraints=[c], constrained_value=np.nan)
    assert np.isnan(s2[1, 1])
    with pytest.raises(ValidationError, match="0–1"):
        raster.weighted_overlay({"a": (a * 5, 1)})
    with pytest.raises(ValidationError, match="shape"):
        raster.weighted_overlay({"a": (a, 1), "b": (np.zeros((3, 3)), 1)})
    np.testing.assert_allclose(raster.linear_score(np.array([0, 500, 1750, 3000, 9000]),
                                                   full_m=500, zero_m=3000),
                               [1, 1, 0.5, 0, 0])


def test_geotiff_round_trip_with_crs(area, tmp_path):
    g = raster.grid(area, cell_m=50)
    arr = np.random.default_rng(0).random(g.shape)
    arr[0, 0] = np.nan
    path = raster.write_geotiff(arr, g, tmp_path / "s.tif")
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 32651
        assert src.transform == g.transform
    back, g2 = raster.read_geotiff(path)
    assert g2.shape == g.shape and np.isnan(back[0, 0])
    np.testing.assert_allclose(back[1:, 1:], arr[1:, 1:], rtol=1e-6)
    with pytest.raises(WriteError, match="exists"):
        raster.write_geotiff(arr, g, path)
    with pytest.raises(ValidationError, match="shape"):
        raster.write_geotiff(arr[:1], g, tmp_path / "t.tif", overwrite=True)


def test_zonal_stats_per_parcel(area, tmp_path):
    g = raster.grid(area, cell_m=10)
    x, _ = g.centres()
    values = (x - X0) / 1000.0  # 0 … 1 from west to east
    parcels = _metric([box(X0, Y0, X0 + 200, Y0 + 100),          # west: mean 0.1
                       box(X0 + 800, Y0, X0 + 1000, Y0 + 100),   # east: mean 0.9
                       box(X0 + 502, Y0 + 302, X0 + 504, Y0 + 304),  # tiny: one cell
                       box(X0 + 5000, Y0, X0 + 5100, Y0 + 100)],  # off the grid
                      pid=["W", "E", "T", "O"]).set_index("pid")
    z = raster.zonal_stats(parcels.to_crs(4326), values, g, threshold=0.5)
    assert list(z.index) == ["W", "E", "T", "O"]
    assert z.loc["W", "cells"] == 200
    assert z.loc["W", "mean"] == pytest.approx(0.1)
    assert z.loc["W", "min"] == pytest.approx(0.005) and z.loc["W", "max"] == pytest.approx(0.195)
    assert z.loc["W", "share_above"] == 0 and z.loc["E", "share_above"] == 1
    assert z.loc["T", "cells"] == 1 and z.loc["T", "mean"] == pytest.approx(0.505)
    assert z.loc["O", "cells"] == 0 and np.isnan(z.loc["O", "mean"])
    path = raster.write_geotiff(values, g, tmp_path / "v.tif")
    z2 = raster.zonal_stats(parcels, path, threshold=0.5)
    np.testing.assert_allclose(z2["mean"].to_numpy()[:3], z["mean"].to_numpy()[:3], rtol=1e-6)


def test_mask_marks_constraint_cells(area):
    g = raster.grid(area, cell_m=10)
    m = raster.mask(_metric([box(X0, Y0, X0 + 100, Y0 + 500)]), g, all_touched=False)
    assert m[:, :10].all() and not m[:, 11:].any()


# ------------------------------------------------------ zonal stats against rasterstats

rasterstats = pytest.importorskip("rasterstats", reason="independent reference implementation")
# rasterstats 0.21 multiplies Affine with `*`, which affine 3 marks as pending deprecation
_rs_warnings = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")


def _reference(zones, values, g, *, all_touched):
    """rasterstats on the same array and transform (nodata a value that never occurs)."""
    ref = rasterstats.zonal_stats(list(zones.geometry), values, affine=g.transform,
                                  nodata=-9999.0, all_touched=all_touched,
                                  stats=["count", "mean", "min", "max"])
    return pd.DataFrame(ref, index=zones.index)


@_rs_warnings
def test_all_touched_counts_shared_cells_for_both_adjacent_zones():
    # the case of the issue: two adjacent boxes whose common edge runs through a cell column
    zones = _metric([box(X0 + 3, Y0 + 3, X0 + 23, Y0 + 53), box(X0 + 23, Y0 + 3, X0 + 53, Y0 + 53)],
                    pid=["A", "B"]).set_index("pid")
    g = raster.grid(zones, cell_m=10, margin_m=20)
    values = np.arange(g.width * g.height, dtype=float).reshape(g.shape)
    ref = _reference(zones, values, g, all_touched=True)
    z = raster.zonal_stats(zones, values, g, all_touched=True)
    # 3 and 4 columns x 6 rows, the column under the common edge shared (it went to B only)
    assert ref["count"].tolist() == [18, 24]
    assert z["cells"].tolist() == ref["count"].tolist()
    np.testing.assert_allclose(z["mean"], ref["mean"])
    np.testing.assert_allclose(z["min"], ref["min"])
    np.testing.assert_allclose(z["max"], ref["max"])


@_rs_warnings
@pytest.mark.parametrize("all_touched", [True, False])
def test_zonal_stats_equal_rasterstats_on_a_120_zone_partition(all_touched):
    rng = np.random.default_rng(12)
    frame = box(X0, Y0, X0 + 3000, Y0 + 2000)
    seeds = shapely.points(rng.uniform([X0, Y0], [X0 + 3000, Y0 + 2000], (120, 2)))
    cells = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(seeds), extend_to=frame)), frame)
    zones = _metric(list(cells), pid=[f"Z{i}" for i in range(len(cells))]).set_index("pid")
    assert len(zones) == 120
    g = raster.grid(zones, cell_m=25)
    values = rng.random(g.shape)
    ref = _reference(zones, values, g, all_touched=all_touched)
    z = raster.zonal_stats(zones.to_crs(4326), values, g, all_touched=all_touched)
    assert z["cells"].tolist() == ref["count"].tolist()
    np.testing.assert_allclose(z["mean"], ref["mean"], rtol=1e-9)
    np.testing.assert_allclose(z["min"], ref["min"])
    np.testing.assert_allclose(z["max"], ref["max"])
    if all_touched:  # zones share cells: the counts sum to more than the frame's cells
        assert z["cells"].sum() > g.width * g.height


def test_overlapping_zones_each_count_their_cells():
    zones = _metric([box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 50, Y0, X0 + 150, Y0 + 100)])
    g = raster.grid(zones, cell_m=10)
    z = raster.zonal_stats(zones, np.ones(g.shape), g)
    assert z["cells"].tolist() == [100, 100]


def test_grid_and_zonal_stats_of_awkward_layers_are_zjgis_errors(area):
    with pytest.raises(GeometryError, match="extent has no geometry"):
        raster.grid(area.iloc[:0])
    with pytest.raises(GeometryError, match="extent has no geometry"):
        raster.grid(gpd.GeoSeries([None], crs=crs.METRIC))
    with pytest.raises(ValidationError, match="cell_m"):
        raster.grid(area, cell_m=float("nan"))
    g = raster.grid(area, cell_m=100)
    lines = _metric([LineString([(X0, Y0), (X0 + 500, Y0 + 200)])])
    with pytest.raises(GeometryError, match="not polygons"):
        raster.zonal_stats(lines, np.ones(g.shape), g)
    missing = gpd.GeoDataFrame(geometry=[None, box(X0, Y0, X0 + 300, Y0 + 300)], crs=crs.METRIC)
    z = raster.zonal_stats(missing, np.ones(g.shape), g)
    assert z["cells"].tolist() == [0, 9] and np.isnan(z["mean"].iloc[0])


# ---------------------------------------------------------------- progress (issue 14.6)

def _parcels(k, size=100.0, x0=360_000.0, y0=3_450_000.0):
    i, j = (a.ravel() for a in np.meshgrid(np.arange(k), np.arange(k), indexing="ij"))
    geoms = shapely.box(x0 + i * size, y0 + j * size, x0 + (i + 1) * size, y0 + (j + 1) * size)
    return gpd.GeoDataFrame({"col": i}, geometry=geoms, crs="EPSG:32651")


def test_zonal_stats_of_10k_zones_show_a_stage_bar_when_forced(monkeypatch, capsys):
    from zjgis import _log

    zones = _parcels(100)  # 10,000 parcels of 100 m, 100 cells of 10 m each
    g = raster.grid(zones, cell_m=10)
    x, _ = g.centres()
    monkeypatch.setenv(_log.ENV_VAR, "1")
    z = raster.zonal_stats(zones, x - 360_000.0, g)
    err = capsys.readouterr().err
    assert "zonal stats" in err and "%" in err
    for stage in ("zones", "burn 1/", "statistics"):
        assert f", {stage}" in err
    # by hand: each parcel has 10 x 10 cells whose mean x is the parcel's centre
    assert (z["cells"] == 100).all()
    np.testing.assert_allclose(z["mean"], zones["col"] * 100.0 + 50.0, rtol=0, atol=1e-6)


def test_overlay_and_distance_bars_start_at_the_threshold(monkeypatch, capsys):
    from zjgis import _log

    zones = _parcels(3)
    g = raster.grid(zones, cell_m=10)
    a = np.linspace(0, 1, g.width * g.height).reshape(g.shape)
    b = a[::-1, ::-1].copy()
    constraint = a > 0.9
    plain = raster.weighted_overlay({"rail": (a, 3), "axis": (b, 1)}, constraints=[constraint])
    plain_d = raster.distance(zones.iloc[:1].boundary, g)
    assert capsys.readouterr().err == ""  # under pytest: nothing
    monkeypatch.setenv(_log.ENV_VAR, "1")
    monkeypatch.setattr(raster, "_PROGRESS_MIN_CELLS", g.width * g.height + 1)
    raster.weighted_overlay({"rail": (a, 3), "axis": (b, 1)})
    assert capsys.readouterr().err == ""  # one cell short of the threshold
    monkeypatch.setattr(raster, "_PROGRESS_MIN_CELLS", g.width * g.height)
    out = raster.weighted_overlay({"rail": (a, 3), "axis": (b, 1)}, constraints=[constraint])
    d = raster.distance(zones.iloc[:1].boundary, g)
    err = capsys.readouterr().err
    assert "weighted overlay" in err and "distance" in err and "%" in err
    for stage in ("rail", "axis", "constraints", "burn", "distance transform"):
        assert f", {stage}]" in err
    expected = np.where(constraint, 0.0, (3 * a + b) / 4)  # by hand
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(out, plain)
    np.testing.assert_array_equal(d, plain_d)
