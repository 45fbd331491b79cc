"""User text is data, never template source (issue 18.1).

branca compiles each element's rendered output again as a Jinja2 template, so
any text that reaches an element's output runs: ``{{7*7}}`` became ``49`` and
``{% set o = lipsum.__globals__.os %}{{ o.makedirs(...) }}`` created a folder.
These tests put template syntax and XSS payloads into every text path of a
briefing map — title, subtitle, date, sources and licences, layer titles,
legend categories and labels, aliases, column names, tooltip/popup values,
highlighted names, register parcel names/land uses/streets and matched project
names (through :func:`zjgis.landreserve.briefing_layers`) — and check that the
saved page shows each one literally, that no folder appears, and (in headless
Chromium) that nothing runs.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from _browser import Page, find_chromium
from shapely import Point, box

from zjgis import landreserve, maps

#: text paths of a map; each gets its own marker so a test can tell which one broke
PATHS = ("title", "subtitle", "date", "source", "licence", "layer_title", "style_title",
         "category", "category_label", "alias", "column", "value", "highlight",
         "parcel_name", "land_use", "street", "project")


def evaluated(path: str) -> str:
    """What the page would show if ``{{7*7}}`` in the ``path`` marker had been evaluated."""
    return f"zjx49zjx{path}"


def payload(path: str, folder: Path) -> str:
    """Template syntax (evaluation, code execution, a syntax error) and XSS for one path."""
    target = json.dumps(str(folder / f"made_by_{path}"))
    return (f"zjx{{{{7*7}}}}zjx{path} "
            f"{{% set o = lipsum.__globals__.os %}}{{{{ o.makedirs({target}) }}}} "
            f"{{{{ cycler.__init__.__globals__.os.makedirs({target}) }}}} "
            f"地块{{{{7*7 {{# open comment "
            f"<img src=x onerror=window.__xss=1> </script><script>window.__xss=2</script> "
            f"\"'><svg onload=window.__xss=3> {{%")


def literal_marker(path: str) -> str:
    return f"zjx{{{{7*7}}}}zjx{path}"


def hostile_map(folder: Path, **options):
    """A briefing map with a payload in every text path."""
    p = {k: payload(k, folder) for k in PATHS}
    area = gpd.GeoDataFrame({"name": ["张江"], "accuracy": ["schematic"]},
                            geometry=[box(121.55, 31.15, 121.68, 31.25)], crs="EPSG:4326")
    area.attrs.update(layer="science_city_2022", kind="boundary", accuracy="schematic",
                      title_zh=p["layer_title"], title_en=p["layer_title"],
                      source=p["source"], licence=p["licence"])
    cat_value = p["category"]
    sites = gpd.GeoDataFrame(
        {"name": [p["highlight"], "普通"], "kind": [cat_value, "other"],
         "note": [p["value"], "ok"], p["column"]: [1, 2]},
        geometry=[Point(121.60, 31.20), Point(121.62, 31.21)], crs="EPSG:4326")
    style = maps.Style(title=p["style_title"], column="kind",
                       categories={cat_value: "#0072b2", "other": "#e69f00"},
                       labels=[p["category_label"], "other"], aliases={"note": p["alias"]})
    parcels = gpd.GeoDataFrame(
        {"parcel_id": ["P1", "P2"], "name": [p["parcel_name"], "地块二"],
         "status": ["pre_acquisition", "reserved"], "area_mu": [30.0, 45.0],
         "land_use": [p["land_use"], "工业"], "street_town": [p["street"], "张江镇"],
         "notes": [p["value"], ""], "accuracy": ["sample", "sample"]},
        geometry=[box(121.590, 31.200, 121.592, 31.202), box(121.600, 31.205, 121.603, 31.207)],
        crs="EPSG:4326")
    assignments = pd.DataFrame({"project_id": ["X1"], "parcel_id": ["P1"],
                                "project_name": [p["project"]]})
    reserve = landreserve.briefing_layers(parcels, assignments=assignments, source=p["source"])
    m = maps.briefing_map([area], extra=[(sites, style), *reserve], title=p["title"],
                          subtitle=p["subtitle"], date=p["date"], basemap="none",
                          highlight=options.pop("highlight", [p["highlight"]]), **options)
    return m, p


@pytest.fixture
def saved(tmp_path):
    folder = tmp_path / "victim"
    folder.mkdir()
    m, p = hostile_map(folder)
    out = maps.save(m, tmp_path / "hostile.html")
    return out.path.read_text(encoding="utf-8"), folder, p


def test_no_text_is_evaluated_or_executed(saved):
    page, folder, _ = saved
    for path in PATHS:
        assert evaluated(path) not in page, path
    assert list(folder.iterdir()) == []  # no makedirs ran


@pytest.mark.parametrize("path", PATHS)
def test_every_text_path_shows_its_text_literally(saved, path):
    page, _, _ = saved
    # braces are neither HTML nor JSON specials: the marker is in the page verbatim
    assert literal_marker(path) in page, path


def test_markup_is_escaped_not_inserted(saved):
    page, _, _ = saved
    body = page.split("<body>", 1)[1]
    assert "<img src=x onerror" not in body
    assert "<svg onload" not in body
    assert "<script>window.__xss" not in page
    assert html.escape("<img src=x onerror=window.__xss=1>") in page


def test_syntax_error_text_does_not_crash_any_render(tmp_path):
    """An unclosed ``{{`` (地块{{7*7) once raised TemplateSyntaxError in ``zjgis reserve map``."""
    parcels = gpd.GeoDataFrame(
        {"parcel_id": ["地块{{7*7"], "name": ["地块{{7*7"], "status": ["reserved"],
         "area_mu": [10.0]}, geometry=[box(121.59, 31.20, 121.60, 31.21)], crs="EPSG:4326")
    m = maps.briefing_map([], extra=landreserve.briefing_layers(parcels), title="{% if",
                          basemap="none")
    page = maps.save(m, tmp_path / "m.html").path.read_text(encoding="utf-8")
    assert "地块{{7*7" in page
    # the folium-level entry points also go through the token table
    m.save(str(tmp_path / "folium.html"))
    assert "地块{{7*7" in (tmp_path / "folium.html").read_text(encoding="utf-8")
    assert "地块{{7*7" in html.unescape(m._repr_html_())


# --------------------------------------------------------------------------- in a browser

CHROMIUM = find_chromium()


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install chromium)")
def test_nothing_runs_in_chromium(tmp_path):
    pytest.importorskip("websocket", reason="pip install websocket-client (test extra)")
    folder = tmp_path / "victim"
    folder.mkdir()
    m, p = hostile_map(folder)
    out = maps.save(m, tmp_path / "hostile.html")
    with Page(CHROMIUM) as page:
        page.open(out.path)
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert page.console_errors() == []
        title = page.evaluate("document.getElementById('zj-title').textContent")
        legend = page.evaluate("document.getElementById('zj-legend').textContent")
        controls = page.evaluate(
            "Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
            ".map(e => e.textContent).join('\\n')")
        assert literal_marker("title") in title and literal_marker("subtitle") in title
        assert literal_marker("source") in title and literal_marker("date") in title
        assert literal_marker("category_label") in legend
        assert literal_marker("style_title") in legend and literal_marker("layer_title") in legend
        assert literal_marker("style_title") in controls
        # a tooltip of the hostile feature, opened for real, shows its text as text
        tip = page.evaluate("""(() => {
          const r = Object.values(zjgis.layers).find(r => r.spec && r.spec.title &&
                                                      r.spec.title.includes('style_title'));
          let out = '';
          r.group.eachLayer(g => { if (g.eachLayer) g.eachLayer(l => {
            l.openPopup(); const e = l.getPopup().getElement();
            if (e) out += e.textContent + '\\n'; l.closePopup(); }); });
          return out; })()""")
        assert literal_marker("value") in tip and literal_marker("alias") in tip
        assert literal_marker("column") in tip
        assert page.evaluate("document.querySelectorAll('img[src=x], svg[onload]').length") == 0
        assert page.evaluate("typeof window.__xss") == "undefined"
    assert list(folder.iterdir()) == []
