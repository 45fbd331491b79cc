"""Benchmark of zjgis.scenario.evaluate at the scale of the 220 km² science city.

1,000 zones (a grid of cells over the 2022 outline, generated jobs and workers),
a ~100k-edge road grid with stubs, the shipped rail stations, and a scenario of
five changes (zones' jobs and dwellings, a drawn link, a new station).  The time
of each analysis inside ``evaluate`` is reported (``ScenarioResult.timings``).
Target (issue: scenario briefings): under 30 s on the 2-core machine.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from _harness import case

from zjgis import layers, scenario


def _base() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="zjgis-bench-scenario-"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outline = layers.load("science_city_2022").to_crs("EPSG:32651")
    x0, y0, x1, y1 = outline.total_bounds
    rng = np.random.default_rng(0)
    # 1,000 zones: the cells of a grid over the bounding box that meet the outline
    n = 40
    xs, ys = np.linspace(x0, x1, n + 1), np.linspace(y0, y1, n + 1)
    cells = [shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(n) for j in range(n)]
    cells = [c for c in cells if c.intersects(outline.geometry.iloc[0])]
    while len(cells) < 1000:  # split cells until there are 1,000
        big = max(range(len(cells)), key=lambda k: cells[k].area)
        c = cells.pop(big)
        a, b, c2, d = c.bounds
        cells += [shapely.box(a, b, (a + c2) / 2, d), shapely.box((a + c2) / 2, b, c2, d)]
    cells = cells[:1000]
    zones = gpd.GeoDataFrame({"zone": [f"Z{i:04d}" for i in range(1000)],
                              "jobs": rng.integers(0, 3000, 1000),
                              "workers": rng.integers(0, 3000, 1000)},
                             geometry=cells, crs="EPSG:32651").to_crs("EPSG:4326")
    zones.to_file(folder / "zones.gpkg")
    # ~100k edges: a 224 x 224 street grid plus short stubs
    k = 224
    gx, gy = np.linspace(x0, x1, k), np.linspace(y0, y1, k)
    lines = [shapely.LineString([(gx[i], gy[j]), (gx[i + 1], gy[j])])
             for i in range(k - 1) for j in range(k)]
    lines += [shapely.LineString([(gx[i], gy[j]), (gx[i], gy[j + 1])])
              for i in range(k) for j in range(k - 1)]
    step = (gx[1] - gx[0]) * 0.4
    lines += [shapely.LineString([(gx[i], gy[j]), (gx[i] + step, gy[j] + step)])
              for i in range(1, k - 1, 7) for j in range(1, k - 1, 7)]
    roads = gpd.GeoDataFrame({"road_id": np.arange(len(lines))}, geometry=lines,
                             crs="EPSG:32651").to_crs("EPSG:4326")
    roads.to_file(folder / "roads.gpkg")
    (folder / "s.toml").write_text("""
name = "benchmark"
workers_per_dwelling = 1.2
[base]
zones = "zones.gpkg"
roads = "roads.gpkg"
stations = "catalog"
[[changes]]
type = "zone"
zone = "Z0100"
jobs = 5000
[[changes]]
type = "zone"
zone = "Z0200"
dwellings = 3000
[[changes]]
type = "zone"
zone = "Z0300"
workers = -200
[[changes]]
type = "station"
action = "add"
station = "new"
lon = 121.65
lat = 31.20
[[changes]]
type = "link"
coordinates = [[121.60, 31.20], [121.601, 31.201]]
""", encoding="utf-8")
    return folder / "s.toml"


@case("scenario.evaluate[1000 zones, 100k edges, 220 km²]", setup=_base, target_s=30.0,
      note="load + jobs–housing + coverage by 4 area sets + dead ends before/after")
def evaluate_city(path):
    result = scenario.evaluate(scenario.read_scenario(path))
    out = {f"t_{k}": round(v, 3) for k, v in result.timings.items()}
    out["indicators"] = len(result.indicators)
    return out
