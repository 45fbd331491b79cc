"""Briefing maps in a real browser: headless Chromium with networking off (CDP)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from _browser import Page, find_chromium
from _maps_fixtures import XSS_NAME, XSS_TITLE, catalog_like, parcels

from zjgis import maps

pytestmark = pytest.mark.browser

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium not installed (apt-get install chromium; scripts/setup_env.sh test does it)",
)


@pytest.fixture(scope="module")
def page():
    pytest.importorskip("websocket", reason="pip install websocket-client (test extra)")
    if CHROMIUM is None:
        pytest.skip("Chromium not installed (apt-get install chromium)")
    with Page(CHROMIUM) as p:
        yield p


def _fresh(page: Page) -> Page:
    page.events.clear()
    return page


LAYER_COUNTS_JS = """
(() => {
  const out = {};
  for (const [name, r] of Object.entries(zjgis.layers)) {
    if (name === '__map') continue;
    out[name] = {count: r.count, css: r.spec.css, onMap: zjgis.layers.__map.hasLayer(r.group),
                 paths: document.querySelectorAll('path.zj-l-' + r.spec.css).length};
  }
  return JSON.stringify(out);
})()
"""


def _check_rendered(page: Page, expected: dict[str, int]) -> dict:
    assert page.console_errors() == []
    assert page.requests() == []  # offline: not one request left the page
    dom = json.loads(page.evaluate(LAYER_COUNTS_JS))
    for name, n in expected.items():
        assert dom[name]["count"] == n, name
        assert dom[name]["onMap"], name
        assert dom[name]["paths"] == n, name  # one SVG path per feature
    assert page.evaluate("!!document.querySelector('.leaflet-container .leaflet-map-pane')")
    assert page.evaluate("document.querySelectorAll('.leaflet-control-layers-overlays "
                         "input').length") == len(dom)
    assert page.evaluate("!!document.querySelector('.leaflet-control-scale-line')")
    assert "图例" in page.evaluate("document.getElementById('zj-legend').textContent")
    img = np.asarray(page.screenshot(), dtype="float64")
    assert img.std() > 15, "screenshot looks blank"
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 50
    return dom


@needs_chromium
def test_offline_briefing_renders_with_network_off(page, tmp_path):
    frames = catalog_like()
    saved = maps.save(maps.briefing_map(frames, basemap="none", title="联席会议"),
                      tmp_path / "b.html")
    ms = _fresh(page).open(saved.path)
    expected = {g.attrs["layer"]: len(g) for g in frames}
    dom = _check_rendered(page, expected)
    assert "science_city_change" in dom
    assert ms > 0
    # the page's decoder rebuilt the same geometries the Python side wrote
    from test_maps import layer_data

    from zjgis.maps.offline import render_html

    written = layer_data(saved.path.read_text(encoding="utf-8"))
    js = json.loads(page.evaluate(VERTICES_JS))
    for name, (_, fc) in written.items():
        coords = [c for f in fc["features"] for c in _vertices(f["geometry"])]
        assert js[name]["n"] == len(coords), name
        assert js[name]["first"] == pytest.approx(coords[0], abs=1e-9), name
    assert render_html  # imported for symmetry with the unit tests


VERTICES_JS = """
(() => {
  const out = {};
  const flat = a => Array.isArray(a) ? a.flatMap(flat) : [a];
  for (const [name, r] of Object.entries(zjgis.layers)) {
    if (name === '__map') continue;
    let pts = [];
    r.group.eachLayer(g => { if (!g.eachLayer) return; g.eachLayer(l => {
      pts = pts.concat(l.getLatLngs ? flat(l.getLatLngs()) : [l.getLatLng()]); }); });
    out[name] = {n: pts.length, first: [pts[0].lng, pts[0].lat]};
  }
  return JSON.stringify(out);
})()
"""


def _vertices(geom):
    """Vertices as Leaflet holds them: polygon rings without their closing vertex."""
    t, c = geom["type"], geom["coordinates"]
    if t == "Polygon":
        return [v for ring in c for v in ring[:-1]]
    if t == "MultiPolygon":
        return [v for poly in c for ring in poly for v in ring[:-1]]
    return _flat(c)


def _flat(c):
    if c and isinstance(c[0], (int, float)):
        return [c]
    return [x for part in c for x in _flat(part)]
    # zone labels as text
    labels = page.evaluate("Array.from(document.querySelectorAll('.zj-label'))"
                           ".map(e => e.textContent).join(',')")
    assert labels == "中国芯,智能造,创新药"


XSS_JS = """
new Promise(resolve => {
  const r = zjgis.layers['industrial_communities'];
  // an analysis map starts with the community fills off: switch them on as a user would
  if (!zjgis.layers.__map.hasLayer(r.group)) { r.group.addTo(zjgis.layers.__map); }
  const found = [];
  r.group.eachLayer(g => { if (!g.eachLayer) return; g.eachLayer(l => {
    if (l.feature.properties.community_id !== 'C1') return;
    l.openPopup();
    const p = document.querySelector('.leaflet-popup-content');
    found.push({text: p.textContent, imgs: p.querySelectorAll('img').length});
    l.closePopup();
    l.openTooltip();
    const t = document.querySelector('.leaflet-tooltip');
    found.push({text: t.textContent, imgs: t.querySelectorAll('img').length});
  }); });
  setTimeout(() => resolve(JSON.stringify({found, xss: window.__xss === undefined ? null
    : window.__xss, scripts: document.querySelectorAll('script').length,
    title: document.title, h1: document.querySelector('#zj-title h1').textContent})), 600);
})
"""


@needs_chromium
def test_xss_payloads_stay_text(page, tmp_path):
    frames = catalog_like(xss=True)
    evil = parcels(2).assign(status=["<img src=y onerror=window.__xss=3>", "ok"])
    extra = [(evil, {"title": "<img src=z onerror=window.__xss=4>", "column": "status",
                     "categories": {"<img src=y onerror=window.__xss=3>": "#ff0000"}}),
             (parcels(2, seed=2), {"title": "<img src=z onerror=window.__xss=4>"})]
    m = maps.briefing_map(frames, basemap="none", title=XSS_TITLE, extra=extra)
    saved = maps.save(m, tmp_path / "xss.html")
    _fresh(page).open(saved.path)
    scripts_before = page.evaluate("document.querySelectorAll('script').length")
    res = json.loads(page.evaluate(XSS_JS, await_promise=True))
    assert res["xss"] is None  # neither onerror nor the <script> in the title ran
    assert len(res["found"]) == 2
    for item in res["found"]:
        assert XSS_NAME in item["text"] and item["imgs"] == 0
    assert res["h1"] == XSS_TITLE and res["title"] == XSS_TITLE
    assert res["scripts"] == scripts_before
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    controls = page.evaluate("Array.from(document.querySelectorAll("
                             "'.leaflet-control-layers-overlays label')).map(e => e.textContent)")
    assert sum("<img src=z" in c for c in controls) == 2  # shown as text, both kept
    assert "<img src=y" in page.evaluate("document.getElementById('zj-legend').textContent")
    assert page.console_errors() == []
    assert page.requests() == []  # the img src=x was never created, so never fetched


@needs_chromium
def test_shipped_catalog_briefing_from_cli(page, tmp_path):
    from zjgis import layers
    from zjgis.cli.main import main

    out = tmp_path / "briefing.html"
    assert main(["briefing", "--out", str(out), "--basemap", "none"]) == 0
    _fresh(page).open(out)
    assert page.console_errors() == [] and page.requests() == []
    dom = json.loads(page.evaluate(LAYER_COUNTS_JS))
    for name in layers.list_layers()["name"]:
        assert dom[name]["onMap"] and dom[name]["count"] > 0, name
        assert dom[name]["paths"] > 0, name
    img = np.asarray(page.screenshot(), dtype="float64")
    assert img.std() > 15


@needs_chromium
def test_large_layer_uses_canvas_and_renders(page, tmp_path):
    g = parcels(4000, vertices=40)
    saved = maps.save(maps.briefing_map([g], basemap="none"), tmp_path / "big.html")
    ms = _fresh(page).open(saved.path)
    assert page.console_errors() == [] and page.requests() == []
    assert page.evaluate("zjgis.layers.parcels.count") == 4000
    assert page.evaluate("document.querySelectorAll('.leaflet-overlay-pane canvas').length") >= 1
    assert ms < 20000
    img = np.asarray(page.screenshot(), dtype="float64")
    assert img.std() > 10
