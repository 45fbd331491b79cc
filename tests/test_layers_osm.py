"""Tests of the OSM-based layers: rail_lines and the check of the GCJ-02 station conversion."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
import shapely.ops
from _layers_fixtures import clean_catalog  # noqa: F401 - autouse fixture
from pyproj import Geod

from zjgis import layers

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def osm_transit(shared_data):
    path = shared_data / "transit" / "shanghai_osm_metro_elevated_wgs84.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _distances(osm_transit, *, raw: bool = False) -> dict[str, float]:
    """OSM station -> geodesic distance (m) to the nearest shipped point of the same name.

    ``raw=True`` measures to the source's GCJ-02 coordinate instead (no conversion).
    """
    st = layers.load("rail_stations")
    out = {}
    for s in osm_transit["metroStations"]:
        same = st[st["station"] == s["name"]]
        if same.empty:
            continue
        n = len(same)
        lon, lat = s["position"]
        x, y = ((same["source_lon"], same["source_lat"]) if raw else
                (same.geometry.x, same.geometry.y))
        _, _, d = GEOD.inv(np.full(n, lon), np.full(n, lat), x.to_numpy(), y.to_numpy())
        out[s["name"]] = float(d.min())
    return out


def test_shipped_stations_agree_with_osm_stations_of_the_same_name(osm_transit):
    d = np.array(list(_distances(osm_transit).values()))
    assert len(d) >= 200  # 213 of the 226 OSM stations carry a shipped station's name
    # entrances, platform centres and station nodes differ by tens of metres; a wrong or missing
    # GCJ-02 conversion would put the median near 480 m
    assert np.median(d) < 40
    assert np.percentile(d, 90) < 200


def test_without_the_conversion_the_stations_are_500_m_off(osm_transit):
    raw = np.array(list(_distances(osm_transit, raw=True).values()))
    assert 400 < np.median(raw) < 600


def test_station_figures_in_the_provenance_are_the_measured_ones(osm_transit, root):
    d = np.array(list(_distances(osm_transit).values()))
    meta = json.loads((root / "data" / "boundaries" / "layers.json").read_text(
        encoding="utf-8"))["layers"]["rail_lines"]["station_check"]
    assert meta["matched_by_name"] == len(d)
    assert meta["median_m"] == pytest.approx(np.median(d), abs=0.1)
    assert meta["p90_m"] == pytest.approx(np.percentile(d, 90), abs=0.1)
    assert meta["max_m"] == pytest.approx(d.max(), abs=0.1)
    text = (root / "data" / "boundaries" / "PROVENANCE.md").read_text(encoding="utf-8")
    assert f"{meta['median_m']:.1f} m" in text


def test_rail_lines_are_the_osm_lines(osm_transit):
    rl = layers.load("rail_lines")
    assert rl.attrs["kind"] == "rail"
    assert (rl["accuracy"] == "derived").all()
    assert "ODbL" in rl.attrs["licence"] and "OpenStreetMap contributors" in rl.attrs["licence"]
    named = [ln for ln in osm_transit["metroLines"] if ln["route"] != "network"]
    assert len(rl) == len(named) == 19
    assert {"2号线", "13号线", "16号线", "3/4号线"} <= set(rl["line"])
    # same vertices as the source (rounded to 1e-6°): compare Line 2's total geodesic length
    src = next(ln for ln in named if ln["route"] == "2")
    length = sum(GEOD.line_length([p[0] for p in path], [p[1] for p in path])
                 for path in src["paths"])
    geom = rl.set_index("line").geometry["2号线"]
    shipped = sum(GEOD.geometry_length(part) for part in geom.geoms)
    assert shipped == pytest.approx(length, rel=1e-5)
    # Line 2 passes 张江高科 (shipped station, converted from GCJ-02) within a few tens of m
    st = layers.load("rail_stations")
    zj = st[(st["station"] == "张江高科") & (st["line"] == "2号线")].geometry.iloc[0]
    near = shapely.ops.nearest_points(geom, zj)[0]
    _, _, dist = GEOD.inv(near.x, near.y, zj.x, zj.y)
    assert dist < 60


def test_rail_lines_are_drawn_under_the_stations_with_osm_credit(tmp_path):
    from zjgis import maps
    from zjgis.maps import _prepare

    frames = [layers.load("rail_stations"), layers.load("rail_lines")]  # stations given first
    order = [p.name for p in _prepare.prepare(frames, None, language="zh")]
    assert order.index("rail_lines") < order.index("rail_stations")  # drawn first = under
    m = maps.briefing_map(["rail_lines", "rail_stations"], title="rail", basemap="none")
    maps.save(m, tmp_path / "rail.html")
    html = (tmp_path / "rail.html").read_text(encoding="utf-8")
    assert "OpenStreetMap contributors" in html and "ODbL" in html
    assert "上海轨道交通线路" in html
