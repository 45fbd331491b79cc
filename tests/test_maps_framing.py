"""Maps open on their subject, label it without overlaps and keep the legend to what is shown.

Acceptance tests of issue 15: a reserve map of a few parcels somewhere in the
science city and a dead-end map of a small road grid, rendered in headless
Chromium over the full layer catalog; the opening view contains the subject
and is not larger than a few times its extent; labels appear and do not
overlap at that zoom.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from _browser import Page, find_chromium
from shapely import LineString, Point, box

from zjgis import landreserve, maps
from zjgis.errors import ValidationError

CHROMIUM = find_chromium()
SHOTS = os.environ.get("ZJGIS_SCREENSHOTS")  # a folder: keep the screenshots there

#: a few parcels near 金科路 (inside the science city), 150 × 120 m each
PARCEL_XY = [(121.6010, 31.2060), (121.6040, 31.2072), (121.6075, 31.2050),
             (121.6025, 31.2030), (121.6060, 31.2020)]


def few_parcels() -> gpd.GeoDataFrame:
    statuses = ["pre_acquisition", "acquired", "reserved", "supplied", "reserved"]
    rows = [{"parcel_id": f"ZJ-{i + 1:02d}", "name": f"金科路{i + 1}号地块",
             "status": s, "area_mu": 27.0, "accuracy": "sample",
             "geometry": box(x, y, x + 0.0016, y + 0.0011)}
            for i, ((x, y), s) in enumerate(zip(PARCEL_XY, statuses))]
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def road_grid() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """A 3 × 2 km grid of named roads east of 张江 with two dangling stubs (dead ends)."""
    x0, y0, dx, dy = 121.640, 31.180, 0.0105, 0.0090  # ≈ 1 km steps
    roads = []
    for i in range(4):
        roads.append({"name": f"科苑{i + 1}路", "geometry": LineString(
            [(x0 + i * dx, y0), (x0 + i * dx, y0 + 2 * dy)])})
    for j in range(3):
        roads.append({"name": f"高科{j + 1}街", "geometry": LineString(
            [(x0, y0 + j * dy), (x0 + 3 * dx, y0 + j * dy)])})
    stubs = [LineString([(x0 + 1.5 * dx, y0 + 2 * dy), (x0 + 1.5 * dx, y0 + 1.6 * dy)]),
             LineString([(x0 + 3 * dx, y0 + 1.5 * dy), (x0 + 2.6 * dx, y0 + 1.5 * dy)])]
    roads += [{"name": "断头一路", "geometry": stubs[0]}, {"name": "断头二路",
                                                          "geometry": stubs[1]}]
    roads_gdf = gpd.GeoDataFrame(roads, crs="EPSG:4326")
    ends = gpd.GeoDataFrame({"node": [1, 2], "kind": ["cul_de_sac", "cul_de_sac"],
                             "name": ["断头一路", "断头二路"]},
                            geometry=[Point(s.coords[-1]) for s in stubs], crs="EPSG:4326")
    return roads_gdf, ends


def reserve_map(**kw):
    return maps.briefing_map(extra=landreserve.briefing_layers(few_parcels()),
                             title="土地储备地块", **kw)


def deadend_map(**kw):
    roads, ends = road_grid()
    extra = [(roads, {"title": "道路", "color": "#777777", "weight": 1.5}),
             (ends, {"title": "断头路 cul_de_sac", "color": "#1f78b4", "radius": 5,
                     "label_column": ""})]
    return maps.briefing_map(extra=extra, title="断头路", **kw)


# --------------------------------------------------------------------------- without a browser


def test_catalog_background_starts_off_on_analysis_maps():
    m = reserve_map()
    page = m.render_page()
    # layers that would cover the parcels are off (in the control, not on the map) ...
    assert '"industrial_communities"' in page
    hidden = {c.layer_name for c in m._children.values() if getattr(c, "show", True) is False}
    assert len(hidden) >= 3
    # ... and their legend sections start hidden
    assert 'data-zj-layer="industrial_communities" hidden' in page
    assert 'data-zj-layer="landreserve_parcels">' in page


def test_opening_view_is_the_subject_with_a_margin():
    view = np.array(reserve_map().zjgis_view["bounds"])  # [[s, w], [n, e]]
    p = few_parcels().total_bounds
    assert view[0, 1] < p[0] and view[1, 1] > p[2] and view[0, 0] < p[1] and view[1, 0] > p[3]
    assert (view[1, 1] - view[0, 1]) < 1.5 * (p[2] - p[0])


@pytest.mark.parametrize("fit_to", ["science_city_2022", "121.55,31.15,121.68,31.25",
                                    (121.55, 31.15, 121.68, 31.25)])
def test_fit_to_overrides_the_subject(fit_to):
    view = np.array(reserve_map(fit_to=fit_to).zjgis_view["bounds"])
    assert view[0, 1] < 121.551 and view[1, 1] > 121.679


def test_fit_to_a_file(tmp_path):
    path = tmp_path / "area.geojson"
    gpd.GeoDataFrame(geometry=[box(121.50, 31.10, 121.52, 31.12)], crs=4326).to_file(path)
    view = np.array(reserve_map(fit_to=str(path)).zjgis_view["bounds"])
    assert view[0, 1] == pytest.approx(121.50 - 0.06 * 0.02, abs=1e-6)


@pytest.mark.parametrize("bad", ["nowhere", "121.6,31.2,121.5,31.3", (0, 1, 2), "1,2,3"])
def test_fit_to_bad_values_are_named(bad):
    with pytest.raises(ValidationError, match="fit_to"):
        reserve_map(fit_to=bad)


def test_labels_name_parcels_and_roads():
    m = deadend_map()
    page = m.render_page()
    for name in ("科苑1路", "高科3街", "断头二路"):
        assert f'"{name}"]' in page  # a label mark [lat, lon, text]
    assert "zj-label-s" in page


def test_labels_can_be_switched_off():
    page = deadend_map(labels=False).render_page()
    assert '"marks":[]' in page and '"marks":[[' not in page


def test_many_members_fold_into_one_row():
    entries = [maps.style.LegendEntry(f"{i}号线", "#123456", "circle") for i in range(18)]
    html = maps.style.legend_html([maps.style.LegendSection("线路", None, entries)])
    assert html.count("<details") == 1 and html.count('class="zj-row"') == 1
    assert "18 项" in html


def test_custom_basemap_needs_its_frame():
    with pytest.raises(ValidationError, match="basemap_frame"):
        reserve_map(basemap="https://t.example.invalid/{z}/{x}/{y}.png")
    m = reserve_map(basemap="https://t.example.invalid/{z}/{x}/{y}.png", basemap_frame="GCJ-02",
                    basemap_attribution="© 某测绘院")
    page = m.render_page()
    assert "t.example.invalid" in page and "© 某测绘院" in page
    assert "GCJ-02" in page  # the layers were shifted and the legend says so
    with pytest.raises(ValidationError, match="xyzservices"):
        reserve_map(basemap="NoSuch.Provider")


def test_default_basemap_is_none_and_osm_credit_waits_for_tiles():
    page = reserve_map().render_page()
    assert "zjgis.tiles(" not in page and "无底图（离线）" in page
    osm = reserve_map(basemap="osm").render_page()
    # the credit goes in when a tile has loaded; until then (or offline) the page says so
    assert "© OpenStreetMap contributors, ODbL 1.0" in osm and "瓦片无法加载" in osm


# --------------------------------------------------------------------------- in Chromium

VIEW_JS = """
(() => {
  const m = zjgis.layers.__map, b = m.getBounds();
  const spans = Array.from(document.querySelectorAll('.zj-label > span'))
    .filter(s => s.style.visibility !== 'hidden' && s.offsetParent !== null);
  const rects = spans.map(s => { const r = s.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom]; });
  return JSON.stringify({w: b.getWest(), s: b.getSouth(), e: b.getEast(), n: b.getNorth(),
    zoom: m.getZoom(), labels: spans.map(s => s.textContent), rects,
    legend: Array.from(document.querySelectorAll('.zj-legend-sec')).filter(e => !e.hidden)
      .map(e => e.textContent)});
})()
"""


def _overlaps(rects: list[list[float]]) -> list[tuple[int, int]]:
    out = []
    for i, a in enumerate(rects):
        for j in range(i + 1, len(rects)):
            b = rects[j]
            if a[0] < b[2] and a[2] > b[0] and a[1] < b[3] and a[3] > b[1]:
                out.append((i, j))
    return out


def _open(m, tmp_path: Path, name: str, *, width: int = 1400, height: int = 1000) -> dict:
    pytest.importorskip("websocket", reason="pip install websocket-client (test extra)")
    saved = maps.save(m, tmp_path / f"{name}.html")
    with Page(CHROMIUM, width=width, height=height) as page:
        page.open(saved.path)
        assert page.console_errors() == [] and page.requests() == []
        state = json.loads(page.evaluate(VIEW_JS))
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot().save(Path(SHOTS) / f"{name}.png")
    return state


def _check_frame(state: dict, subject: np.ndarray, *, at_most: float = 3.0) -> None:
    assert state["w"] <= subject[0] and state["e"] >= subject[2]
    assert state["s"] <= subject[1] and state["n"] >= subject[3]
    sw, sh = max(subject[2] - subject[0], 0.004), max(subject[3] - subject[1], 0.004)
    # in its limiting direction the view is at most a few times the subject (the other
    # direction follows the window's aspect ratio)
    ratio = min((state["e"] - state["w"]) / sw, (state["n"] - state["s"]) / sh)
    assert ratio <= at_most, ratio


needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed "
                                    "(apt-get install chromium)")


@pytest.mark.browser
@needs_chromium
def test_reserve_map_of_a_few_parcels_opens_on_them(tmp_path):
    state = _open(reserve_map(), tmp_path, "reserve_few_parcels")
    _check_frame(state, few_parcels().total_bounds)
    assert state["zoom"] >= 15
    assert any("金科路" in t for t in state["labels"])
    assert _overlaps(state["rects"]) == []
    # the legend lists the parcels, not the switched-off community fills
    assert any("土地储备" in t for t in state["legend"])
    assert not any(t.startswith("产业社区") for t in state["legend"])


@pytest.mark.browser
@needs_chromium
def test_deadend_map_of_a_small_grid_opens_on_it(tmp_path):
    roads, _ = road_grid()
    state = _open(deadend_map(), tmp_path, "deadends_grid")
    _check_frame(state, roads.total_bounds)
    assert sum(("科苑" in t or "高科" in t) for t in state["labels"]) >= 4
    assert _overlaps(state["rects"]) == []


@pytest.mark.browser
@needs_chromium
def test_labels_never_overlap_on_a_crowded_register(tmp_path):
    rng = np.random.default_rng(7)
    xs, ys = rng.uniform(121.58, 121.63, 300), rng.uniform(31.18, 31.22, 300)
    parcels = gpd.GeoDataFrame(
        {"parcel_id": [f"P{i:03d}" for i in range(300)], "status": ["reserved"] * 300,
         "area_mu": [10.0] * 300},
        geometry=[box(x, y, x + 0.0008, y + 0.0006) for x, y in zip(xs, ys)], crs=4326)
    m = maps.briefing_map([], extra=landreserve.briefing_layers(parcels), title="300 地块")
    state = _open(m, tmp_path, "crowded", width=1000, height=700)
    assert 5 <= len(state["labels"]) < 300  # thinned, not all dropped
    assert _overlaps(state["rects"]) == []


def test_barriers_drawn_and_sample_badge_carried_to_results():
    roads, ends = road_grid()
    river = gpd.GeoDataFrame({"name": ["川杨河"]}, geometry=[box(121.640, 31.1885, 121.672,
                                                              31.1895)], crs=4326)
    extra = [(roads, {"title": "道路", "accuracy": "sample"}),
             (river, maps.barrier_style(title="河道（障碍）")),
             (ends, maps.Style(title="断头路", accuracy="sample"))]
    m = maps.briefing_map(extra=extra, title="断头路")
    page = m.render_page()
    legend = page.split('id="zj-legend"', 1)[1].split('<div class="zj-legend-note">', 1)[0]
    assert "河道（障碍）" in legend
    # both results computed from sample roads carry the 样例 badge (the river has none)
    assert legend.count('zj-acc-sample') == 2
    assert not re.search(r'[0-9],"川杨河"\]', page)  # barriers get no label mark [lat, lon, t]


def test_no_internal_words_on_the_catalog_map():
    """Footnotes in plain Chinese by default; no seeds, code licences or rules on the page."""
    import warnings

    from zjgis.errors import ZjgisWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ZjgisWarning)
        zh = maps.briefing_map().render_page()
        en = maps.briefing_map(language="en").render_page()
    text = re.sub(r'"c":\[[^\]]*\]', "", zh)  # drop coordinates
    for word in ("seed 0", "WTFPL", "codes MIT", "expansion_rule"):
        assert word not in text, word
    assert "数据来源" in zh and "© OpenStreetMap contributors, ODbL 1.0" in zh
    assert "Data sources" in en and "policy texts" in en


@pytest.mark.browser
@needs_chromium
def test_tiles_that_cannot_load_are_not_credited(tmp_path):
    """Offline with basemap='osm': the page says the tiles failed and credits nobody."""
    pytest.importorskip("websocket", reason="pip install websocket-client (test extra)")
    saved = maps.save(reserve_map(basemap="osm"), tmp_path / "osm.html")
    with Page(CHROMIUM) as page:
        page.open(saved.path)
        page.pump(1.5)  # the tile requests fail against the dead proxy
        note = page.evaluate("document.getElementById('zj-basemap').textContent")
        attribution = page.evaluate(
            "document.querySelector('.leaflet-control-attribution').textContent")
    assert "瓦片无法加载" in note
    assert "OpenStreetMap" not in attribution
