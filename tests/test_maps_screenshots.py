"""The README's maps, on the shipped sample data, rendered in headless Chromium.

Five maps — the whole science city, a land-reserve register, a dead-end
analysis, a rail-catchment analysis and a job–housing balance — each must
render offline without errors, open on its subject (the analysis layers are in
the opening view) and draw labels that do not overlap.  With
``ZJGIS_SCREENSHOTS=docs/_static/screenshots`` the screenshots are kept (that is
how the pictures in the docs are made).
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from _browser import Page, find_chromium

from zjgis import maps
from zjgis.errors import ZjgisWarning

CHROMIUM = find_chromium()
SHOTS = os.environ.get("ZJGIS_SCREENSHOTS")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install "
                       "chromium)"),
]


def _quiet():
    """The sample data warn that they are samples; these maps say so on the page."""
    w = warnings.catch_warnings()
    w.__enter__()
    warnings.simplefilter("ignore", ZjgisWarning)
    return w


def science_city(tmp_path):
    return maps.briefing_map(title="张江科学城 规划图"), None


def register(tmp_path):
    from zjgis import landreserve

    w = _quiet()
    try:
        reg, projects, _ = landreserve.load_sample(tmp_path, user="screenshot")
        result = landreserve.match_projects(projects, reg)
        parcels = reg.parcels()
    finally:
        w.__exit__(None, None, None)
    extra = landreserve.briefing_layers(parcels, assignments=result.assignments, year=2026)
    return maps.briefing_map(extra=extra, title="张江科学城 土地储备地块（样例）"), parcels


def dead_ends(tmp_path):
    import zjgis.io
    from zjgis import network

    w = _quiet()
    try:
        roads = zjgis.io.read(network.sample_path("roads"))
        rivers = zjgis.io.read(network.sample_path("rivers"))
        graph = network.build_graph(roads, snap_m=1.0)
        ends = network.dead_ends(graph, max_gap_m=200)
        links = network.missing_links(graph, max_gap_m=300, barriers=rivers)
    finally:
        w.__exit__(None, None, None)
    extra = [(rivers, maps.barrier_style(accuracy="sample")),
             *[(g, {**s, "accuracy": "sample"})
               for g, s in network.briefing_layers(ends, links.head(20), roads=roads)]]
    return maps.briefing_map(extra=extra, title="断头路与候选连通（样例道路）"), roads


def catchments(tmp_path):
    import zjgis.io
    from zjgis import layers, network, transit

    w = _quiet()
    try:
        roads = zjgis.io.read(network.sample_path("roads"))
        graph = network.build_graph(roads, snap_m=1.0)
        stations = layers.load("rail_stations")
        area = roads.to_crs(graph.crs).union_all().convex_hull.buffer(800)
        here = stations[stations.to_crs(graph.crs).intersects(area).to_numpy()]
        cov = transit.station_coverage(here, roads=graph, distances_m=(500, 800))
    finally:
        w.__exit__(None, None, None)
    areas = cov.areas.copy()
    areas["name"] = areas["distance_m"].map(lambda d: f"{int(d)} 米服务范围")
    style = maps.Style(title="轨道站点步行服务范围（样例路网）", column="distance_m",
                       categories={500.0: "#0072B2", 800.0: "#56B4E9"},
                       labels=["500 米", "800 米"], fill_opacity=0.3, accuracy="sample",
                       label_column="")
    stops = here.assign(name=here["station"]) if "station" in here else here
    return maps.briefing_map(extra=[(areas, style), (stops, {"title": "车站", "radius": 5,
                                                             "color": "#111111",
                                                             "fill_color": "#ffffff"})],
                             title="轨道交通站点覆盖（样例路网）"), areas


def jobs_housing(tmp_path):
    from zjgis import jobshousing
    from zjgis.cli.jobs_housing import jobs_housing_map

    w = _quiet()
    try:
        zones, od = jobshousing.load_sample()
        report = jobshousing.analyse(zones, od, zone_id="code")
    finally:
        w.__exit__(None, None, None)
    return jobs_housing_map(report, zones, zone_id="code", basemap="none"), zones


MAPS = {"science_city": science_city, "register": register, "dead_ends": dead_ends,
        "catchments": catchments, "jobs_housing": jobs_housing}

STATE_JS = """
(() => {
  const m = zjgis.layers.__map, b = m.getBounds();
  const spans = Array.from(document.querySelectorAll('.zj-label > span'))
    .filter(s => s.style.visibility !== 'hidden' && s.offsetParent !== null);
  return JSON.stringify({w: b.getWest(), s: b.getSouth(), e: b.getEast(), n: b.getNorth(),
    rects: spans.map(s => { const r = s.getBoundingClientRect();
                            return [r.left, r.top, r.right, r.bottom]; })});
})()
"""


@pytest.mark.parametrize("name", list(MAPS))
def test_readme_map_renders_on_its_subject(tmp_path, name):
    pytest.importorskip("websocket", reason="pip install websocket-client (test extra)")
    m, subject = MAPS[name](tmp_path)
    saved = maps.save(m, tmp_path / f"{name}.html")
    with Page(CHROMIUM, width=1400, height=1000) as page:
        page.open(saved.path)
        assert page.console_errors() == [] and page.requests() == []
        state = json.loads(page.evaluate(STATE_JS))
        img = page.screenshot()
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            from PIL import Image

            # 256 adaptive colours: a third of the size, no visible loss on flat map colours
            img.quantize(256, method=Image.Quantize.MEDIANCUT).save(
                Path(SHOTS) / f"{name}.png", optimize=True)
    assert np.asarray(img, dtype="float64").std() > 10
    if subject is not None:
        b = subject.to_crs(4326).total_bounds
        cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
        assert state["w"] < cx < state["e"] and state["s"] < cy < state["n"]
        # the subject fills the view: in its limiting direction the view is at most a few
        # times its extent (the other direction follows the window's aspect ratio)
        ratio = min((state["e"] - state["w"]) / max(b[2] - b[0], 0.004),
                    (state["n"] - state["s"]) / max(b[3] - b[1], 0.004))
        assert ratio < 3, ratio
    r = state["rects"]
    for i, a in enumerate(r):
        for c in r[i + 1:]:
            assert not (a[0] < c[2] and a[2] > c[0] and a[1] < c[3] and a[3] > c[1])
