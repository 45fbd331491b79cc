"""zjgis.maps: briefing map, offline save, styles, choropleth, figure (no browser here)."""

from __future__ import annotations

import json
import re

import folium
import geopandas as gpd
import numpy as np
import pytest
import shapely
from _maps_fixtures import KNOWN_WGS, XSS_NAME, XSS_TITLE, catalog_like, parcels

from zjgis import crs as zcrs
from zjgis import maps
from zjgis.errors import CRSError, ValidationError, WriteError
from zjgis.maps import offline, style
from zjgis.maps.briefing import pixel_size_m


def decode(d: dict) -> dict:
    """Independent Python decoder of zjgis' compact layer encoding -> GeoJSON dict."""
    if d.get("type") == "FeatureCollection":
        return d
    q = np.cumsum(np.asarray(d["c"], dtype=np.int64).reshape(-1, 2), axis=0)
    xy = [[float(x) / 1e6, float(y) / 1e6] for x, y in q]
    o, t = d["o"], d["t"]

    def part(a, lvl):
        return xy[o[lvl][a]:o[lvl][a + 1]]

    feats = []
    for i, row in enumerate(d["r"]):
        props = {k: v for k, v in zip(d["f"], row) if v is not None}
        if t == "Point":
            g = xy[i]
        elif t in ("LineString", "MultiPoint"):
            g = part(i, 0)
        elif t in ("Polygon", "MultiLineString"):
            g = [part(j, 0) for j in range(o[1][i], o[1][i + 1])]
        else:
            g = [[part(j, 0) for j in range(o[1][p], o[1][p + 1])]
                 for p in range(o[2][i], o[2][i + 1])]
        feats.append({"type": "Feature", "geometry": {"type": t, "coordinates": g},
                      "properties": props})
    return {"type": "FeatureCollection", "features": feats}


def layer_data(html_text: str) -> dict[str, tuple[dict, dict]]:
    """Parse every ``zjgis.layer(map, spec, data)`` call of a rendered map: name -> (spec, data)."""
    out = {}
    for m in re.finditer(r"zjgis\.layer\(map_\w+,\s*(\{.*?\}),\s*(\{\"(?:t|type)\":.*?\})\);\n",
                         html_text, re.S):
        spec = json.loads(m.group(1))
        data = decode(json.loads(m.group(2)))
        out[spec["name"]] = (spec, data)
    return out


def render(m) -> str:
    return offline.render_html(m)


@pytest.fixture
def frames():
    return catalog_like()


def test_every_layer_drawn_with_accuracy_in_legend(frames):
    m = maps.briefing_map(frames, title="联席会议", basemap="none")
    html = render(m)
    data = layer_data(html)
    for g in frames:
        name = g.attrs["layer"]
        spec, fc = data[name]
        assert len(fc["features"]) == len(g)
    # the 2017 → 2022 change is drawn as its own layer
    assert "science_city_change" in data
    start = html.index('id="zj-legend"')
    legend = html[start:html.index("</body>", start)]
    assert legend.count("zj-acc-schematic") >= 3
    assert "示意性数据" in legend and "样例" in legend
    # layer control and scale bar
    assert "L.control.layers" in html and "L.control.scale" in html
    # title block with date and sources
    assert "联席会议" in html and "制图日期" in html and "test fixture（许可：CC0）" in html


def test_schematic_note_reaches_tooltips(frames):
    data = layer_data(render(maps.briefing_map(frames, basemap="none")))
    spec, fc = data["axis_zones"]
    notes = [spec["notes"][f["properties"]["_n"]] for f in fc["features"]]
    assert all("示意" in n for n in notes)
    spec, fc = data["rail_stations"]
    assert "_n" not in fc["features"][0]["properties"]  # derived: no warning note


def test_english_legend(frames):
    html = render(maps.briefing_map(frames, basemap="none", language="en", title="Briefing"))
    assert "schematic" in html and "Legend" in html and "Data sources" in html
    assert "Integrated circuits" in html
    spec, _ = layer_data(html)["industrial_communities"]
    assert "Street/town" in spec["labels"]


def test_house_style_by_kind(frames):
    data = layer_data(render(maps.briefing_map(frames, basemap="none")))
    spec, fc = data["industrial_communities"]
    fills = {spec["styles"][f["properties"].get("_s", 0)]["fillColor"] for f in fc["features"]}
    assert style.INDUSTRY_PALETTE["integrated_circuits"][0] in fills
    assert style.INDUSTRY_PALETTE["biomedicine"][0] in fills  # first industry of C2
    spec, fc = data["rail_stations"]
    colours = [spec["styles"][f["properties"].get("_s", 0)]["fillColor"] for f in fc["features"]]
    assert colours[0] == style.METRO_LINE_COLOURS["2"]
    assert spec["family"] == "point"
    spec17, _ = data["science_city_2017"]
    spec22, _ = data["science_city_2022"]
    assert spec17["styles"][0].get("dashArray") and not spec22["styles"][0].get("dashArray")
    assert spec17["styles"][0]["color"] != spec22["styles"][0]["color"]
    spec, _ = data["axis_zones"]
    assert [mk[2] for mk in spec["marks"]] == ["中国芯", "智能造", "创新药"]


@pytest.mark.parametrize("value,key", [("2号线", "2"), ("Line 16", "16"), ("2;7", "2"),
                                       ("浦江线", "pujiang"), ("磁浮线", "maglev"), (None, None),
                                       ("xx", None)])
def test_line_key(value, key):
    assert style.line_key(value) == key


@pytest.mark.parametrize("value,key", [("integrated_circuits;biomedicine", "integrated_circuits"),
                                       ("生物医药；人工智能", "biomedicine"), ("", "other"),
                                       (None, "other"), ("量子", "other")])
def test_industry_key(value, key):
    assert style.industry_key(value) == key


def test_text_from_data_is_escaped_in_html():
    frames = catalog_like(xss=True)
    m = maps.briefing_map(frames, title=XSS_TITLE, subtitle="<b>x</b>", basemap="none")
    html = render(m)
    assert "<img src=x" not in html
    assert "<script>window.__xss" not in html
    assert "<b>x</b>" not in html
    assert "&lt;script&gt;window.__xss=2&lt;/script&gt;标题" in html  # title block and <title>
    # the name survives as data (shown via textContent in the browser)
    spec, fc = layer_data(html)["industrial_communities"]
    assert fc["features"][0]["properties"]["name"] == XSS_NAME


def test_folium_geojson_tooltip_would_not_escape():
    # Why zjgis builds its own tooltips: folium's GeoJsonTooltip puts property values
    # into innerHTML as they are.  If folium starts escaping, this test tells us.
    gdf = gpd.GeoDataFrame({"name": [XSS_NAME]}, geometry=[shapely.Point(121.6, 31.2)],
                           crs="EPSG:4326")
    m = folium.Map()
    folium.GeoJson(gdf, tooltip=folium.GeoJsonTooltip(["name"])).add_to(m)
    html = m.get_root().render()
    assert "innerHTML" in html and "handleObject(layer.feature.properties[v])" in html


def test_save_offline_is_self_contained(frames, tmp_path):
    m = maps.briefing_map(frames, basemap="none")
    saved = maps.save(m, tmp_path / "b.html")
    text = saved.path.read_text(encoding="utf-8")
    assert saved.size_bytes == (tmp_path / "b.html").stat().st_size
    assert saved.offline and any("leaflet.js" in a for a in saved.inlined)
    assert maps.external_references(text) == []
    assert not re.search(r"<(script|link)\b[^>]*(src|href)=[\"']?(https?:)?//", text)
    for lib in ("jquery", "bootstrap", "awesome-markers", "font-awesome", "fontawesome"):
        assert lib not in text.lower()
    assert "Leaflet 1.9" in text and "L.map(" in text
    assert "url(images/" not in text  # Leaflet's images inlined as data: URIs
    assert "sourceMappingURL" not in text


def test_save_online_links_only_leaflet(frames, tmp_path):
    saved = maps.save(maps.briefing_map(frames, basemap="none"), tmp_path / "b.html",
                      offline=False)
    refs = maps.external_references(saved.path.read_text(encoding="utf-8"))
    assert sorted(r.rsplit("/", 1)[1] for r in refs) == ["leaflet.css", "leaflet.js"]


def test_save_refuses_assets_it_cannot_inline(tmp_path):
    m = folium.Map()  # folium's defaults: jQuery, Bootstrap, Font Awesome from CDNs
    with pytest.raises(WriteError, match="bootstrap"):
        maps.save(m, tmp_path / "plain.html")
    assert not (tmp_path / "plain.html").exists()


def test_save_refuses_to_overwrite(frames, tmp_path):
    path = tmp_path / "b.html"
    path.write_text("old")
    with pytest.raises(WriteError, match="exists"):
        maps.save(maps.briefing_map(frames, basemap="none"), path, overwrite=False)
    assert path.read_text() == "old"


def test_amap_shifts_every_layer_to_gcj02(frames):
    html = render(maps.briefing_map(frames, basemap="amap"))
    data = layer_data(html)
    lon, lat = data["rail_stations"][1]["features"][0]["geometry"]["coordinates"]
    glon, glat = zcrs.wgs84_to_gcj02(*KNOWN_WGS)
    assert lon == pytest.approx(float(glon), abs=2e-6) and lat == pytest.approx(float(glat),
                                                                              abs=2e-6)
    # the GCJ-02 offset at Shanghai: ~+0.0045° lon, ~-0.0020° lat (≈ 480 m)
    assert 0.004 < lon - KNOWN_WGS[0] < 0.005 and -0.0025 < lat - KNOWN_WGS[1] < -0.0015
    # every layer moved, polygons too
    x0 = data["science_city_2022"][1]["features"][0]["geometry"]["coordinates"][0]
    assert min(c[0] for c in x0) == pytest.approx(121.55 + 0.0045, abs=3e-4)
    assert "GCJ-02" in html and "所有矢量图层已由 WGS-84 转换为 GCJ-02" in html
    assert "autonavi" in html and "高德地图" in html  # tiles and attribution
    # zone labels shifted too
    lat_l, lon_l, _ = data["axis_zones"][0]["marks"][0]
    assert lon_l > 121.59 + 0.004


def test_osm_and_none_keep_wgs84(frames):
    for basemap in ("osm", "none"):
        html = render(maps.briefing_map(frames, basemap=basemap))
        lon, lat = layer_data(html)["rail_stations"][1]["features"][0]["geometry"]["coordinates"]
        assert (lon, lat) == pytest.approx(KNOWN_WGS, abs=1e-6)
    assert "openstreetmap.org/copyright" in render(maps.briefing_map(frames, basemap="osm"))
    none = render(maps.briefing_map(frames, basemap="none"))
    assert "zjgis.tiles(" not in none  # no tile layer at all


def test_coordinates_rounded_and_simplified_invisibly():
    g = parcels(12, vertices=80)
    # add sub-millimetre digits
    g = g.set_geometry(shapely.transform(g.geometry.values, lambda c: c + 3.33333e-9))
    html = render(maps.briefing_map([g], basemap="none", max_zoom=18))
    fc = layer_data(html)["parcels"][1]
    numbers = re.findall(r"\d+\.\d+", json.dumps([f["geometry"] for f in fc["features"]]))
    assert max(len(n.split(".")[1]) for n in numbers) <= 6
    tol_m = pixel_size_m(18, 31.17)
    for orig, feat in zip(g.geometry, fc["features"]):
        out = shapely.geometry.shape(feat["geometry"])
        assert shapely.get_num_coordinates(out) < shapely.get_num_coordinates(orig)
        # deviation in metres: Hausdorff distance in UTM 51N
        a, b = gpd.GeoSeries([orig, out], crs="EPSG:4326").to_crs(zcrs.METRIC)
        assert a.hausdorff_distance(b) <= tol_m + 0.15  # + rounding (≤ 0.1 m)


def test_extra_layers_with_style_and_choropleth(frames):
    p = parcels(30)
    zones = parcels(10, seed=3).assign(ratio=np.linspace(0.2, 3.0, 10))
    zones.attrs = {}
    extra = [
        (p, {"column": "status", "categories": {"储备": "#1a9850", "已出让": "#d73027",
                                                "规划": "#fee08b"}, "title": "地块状态"}),
        maps.choropleth(zones, "ratio", scheme="natural_breaks", k=4, title="职住比"),
    ]
    html = render(maps.briefing_map(frames, extra=extra, basemap="none"))
    data = layer_data(html)
    assert len(data["parcels"][1]["features"]) == 30
    assert {s["fillColor"] for s in data["parcels"][0]["styles"]} == {"#1a9850", "#d73027",
                                                                      "#fee08b"}
    assert "地块状态" in html and "职住比" in html and "储备" in html
    spec, fc = data["extra_8"]
    assert len(spec["styles"]) == 4  # one per class
    # built-in field labels: status -> 状态
    assert spec_label(data["parcels"][0], "status") == "状态"


def spec_label(spec: dict, column: str) -> str:
    return spec["labels"][spec["fields"].index(column)]


def test_style_aliases_rename_fields_for_display_only(frames):
    p = parcels(5).assign(supply_year=2025)
    style = {"title": "地块", "aliases": {"supply_year": "计划供应年份",
                                                               "status": "<b>状态</b>"}}
    html = render(maps.briefing_map([], extra=[(p, style)], basemap="none"))
    spec = layer_data(html)["parcels"][0]
    assert spec_label(spec, "supply_year") == "计划供应年份"
    assert "supply_year" in spec["fields"]  # the key stays English
    assert "<b>状态</b>" not in html  # aliases are text from data: escaped or JSON-encoded
    assert "supply_year" in p.columns and "计划供应年份" not in p.columns


def test_choropleth_classes():
    g = parcels(20).assign(v=np.arange(20, dtype=float))
    gdf, spec = maps.choropleth(g, "v", scheme="quantiles", k=4)
    assert gdf is g
    assert len(spec.bins) == 4 and len(spec.colors) == 4 and spec.bins[-1] == 19
    colours, entries = spec.feature_colours(g)
    assert colours[0] == spec.colors[0] and colours[-1] == spec.colors[-1]
    assert [e.label.split("(")[1] for e in entries] == ["5)", "5)", "5)", "5)"]
    with pytest.raises(ValidationError, match="unknown scheme"):
        maps.choropleth(g, "v", scheme="magic")
    with pytest.raises(ValidationError, match="not in the layer"):
        maps.choropleth(g, "nope")


def test_bad_inputs_are_named(frames):
    with pytest.raises(ValidationError, match="basemap"):
        maps.briefing_map(frames, basemap="google")
    with pytest.raises(ValidationError, match="language"):
        maps.briefing_map(frames, language="fr")
    with pytest.raises(ValidationError, match="extra\\[0\\]"):
        maps.briefing_map(frames, extra=["parcels.gpkg"])
    with pytest.raises(ValidationError, match="unknown style keys"):
        maps.briefing_map(frames, extra=[(parcels(2), {"colour": "red"})])
    with pytest.raises(ValidationError, match="highlight"):
        maps.briefing_map(frames, highlight="no such thing", basemap="none")
    nocrs = parcels(2).set_crs(None, allow_override=True)
    with pytest.raises(CRSError):
        maps.briefing_map([nocrs], basemap="none")


def test_highlight_layer_and_feature(frames):
    html = render(maps.briefing_map(frames, highlight=["axis", "金科路"], basemap="none"))
    data = layer_data(html)
    assert data["axis"][0]["front"] and data["axis"][0]["styles"][0]["weight"] == 12
    assert "highlight_1" in data and len(data["highlight_1"][1]["features"]) == 1


def test_inputs_not_mutated(frames):
    before = [(g.copy(), dict(g.attrs)) for g in frames]
    maps.briefing_map(frames, basemap="amap")
    for (g0, a0), g in zip(before, frames):
        assert g.geom_equals(g0).all() and g.attrs == a0


def test_projected_input_is_reprojected(frames):
    metric = frames[5].to_crs(zcrs.METRIC)
    metric.attrs = dict(frames[5].attrs)
    fc = layer_data(render(maps.briefing_map([metric], basemap="none")))["rail_stations"][1]
    assert fc["features"][0]["geometry"]["coordinates"] == pytest.approx(list(KNOWN_WGS),
                                                                         abs=1e-6)


# --------------------------------------------------------------------------- figure


def _chinese_texts(fig):
    return [t for t in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(
        a, "get_fontproperties")) if re.search(r"[\u4e00-\u9fff]", t.get_text() or "")]


def test_figure_uses_a_cjk_font_for_chinese(frames, tmp_path):
    from matplotlib import font_manager

    family = maps.cjk_font()
    if family is None:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    fig = maps.figure(frames, title="张江科学城 联席会议")
    texts = _chinese_texts(fig)
    assert any("中国芯" in t.get_text() for t in texts)
    assert any("张江科学城" in t.get_text() for t in texts)
    for t in texts:
        path = font_manager.findfont(t.get_fontproperties(), fallback_to_default=False)
        font = font_manager.get_font(path)
        # the font really has the glyphs (not DejaVu drawing boxes)
        for ch in set(re.findall(r"[\u4e00-\u9fff]", t.get_text())):
            assert font.get_char_index(ord(ch)) != 0, (t.get_text(), path)
        assert "DejaVu" not in path
    png = maps.save_figure(fig, tmp_path / "b.png", dpi=60)
    pdf = maps.save_figure(fig, tmp_path / "b.pdf")
    assert png.read_bytes()[:4] == b"\x89PNG" and pdf.read_bytes()[:4] == b"%PDF"
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_figure_warns_without_cjk_font(frames, monkeypatch):
    import importlib

    fig_mod = importlib.import_module("zjgis.maps.figure")  # the module, not the function
    monkeypatch.setattr(fig_mod, "cjk_font", lambda: None)
    with pytest.warns(maps.MissingFontWarning, match="fonts-noto-cjk"):
        fig = maps.figure(frames[:2])
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_save_figure_suffix(frames, tmp_path):
    import matplotlib.pyplot as plt

    fig, _ = plt.subplots()
    with pytest.raises(ValidationError, match="png"):
        maps.save_figure(fig, tmp_path / "x.jpg")
    plt.close(fig)


# --------------------------------------------------------------------------- shipped catalog


def test_extra_only_with_empty_layers():
    data = layer_data(render(maps.briefing_map([], extra=[parcels(3)], basemap="none")))
    assert list(data) == ["parcels"]


def test_default_draws_every_catalog_layer(tmp_path):
    from zjgis import layers

    names = list(layers.list_layers()["name"])
    m = maps.briefing_map(basemap="none", extra=[parcels(3)])
    data = layer_data(render(m))
    assert "parcels" in data
    for name in names:
        assert name in data, name
        assert len(data[name][1]["features"]) > 0
    saved = maps.save(m, tmp_path / "b.html")
    assert saved.size_mb < 5


def test_cli_briefing(tmp_path, capsys):
    from zjgis.cli.main import main

    out = tmp_path / "b.html"
    assert main(["briefing", "--out", str(out), "--basemap", "none",
                 "--png", str(tmp_path / "b.png")]) == 0
    assert out.exists() and (tmp_path / "b.png").exists()
    assert maps.external_references(out.read_text(encoding="utf-8")) == []
    assert "MB" in capsys.readouterr().out
    assert main(["briefing", "--out", str(out), "--basemap", "none"]) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert main(["briefing", "--out", str(out), "--basemap", "amap", "--overwrite",
                 "--layers", "science_city_2022", "--title", "测试"]) == 0


def test_tooltips_show_figures_yes_no_and_not_stated_as_a_planner_reads_them():
    g = gpd.GeoDataFrame({"name": ["甲", "乙"], "ratio": [10 / 3, 0.012345],
                          "crosses_barrier": [False, True], "jobs": [1200, 30],
                          "accuracy": [np.nan, "sample"]},
                         geometry=[shapely.Point(121.6, 31.2), shapely.Point(121.61, 31.21)],
                         crs=4326)
    layers = layer_data(render(maps.briefing_map(extra=[g])))
    spec, data = next(v for k, v in layers.items() if k.startswith("extra"))
    assert spec["labels"][spec["fields"].index("jobs")] == "就业岗位"
    props = [f["properties"] for f in data["features"]]
    assert [p["ratio"] for p in props] == [3.33, 0.0123]  # not 3.333333
    assert [p["crosses_barrier"] for p in props] == ["否", "是"]  # not false/true
    assert [p["accuracy"] for p in props] == ["未注明", "样例"]  # not nan


def test_comparison_tables_show_counts_whole_and_figures_to_two_decimals():
    import pandas as pd

    from zjgis.maps.compare import _table

    text = _table(pd.DataFrame({"指标": ["就业岗位", "职住比"], "方案前": [1237729.0, 0.8333],
                                "方案后": [1238229.0, None]}), "指标对比")
    assert "1,237,729<" in text and "1,237,729.00" not in text
    assert "0.83<" in text and "—" in text
