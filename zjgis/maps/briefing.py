"""Briefing maps for the joint meeting (联席会议「挂图作战」): one folium map of every layer.

:func:`briefing_map` draws the catalog layers (and analysis results given as
``extra=``) in the house style of :mod:`zjgis.maps.style`, with a layer
control, a legend that states each layer's accuracy class, a scale bar, a
title block with date and data sources, and tooltips/popups with the
features' attributes.  :func:`zjgis.maps.save` writes it as one
self-contained HTML file.

Security: every text that comes from data (names, attributes, titles, sources)
reaches the page either escaped with :func:`html.escape` or as DOM
``textContent`` — folium's own ``GeoJsonTooltip``/``GeoJsonPopup`` insert
attribute values into ``innerHTML`` unescaped, so zjgis does not use them.
No text is ever template source either: branca compiles each element's output
again as a Jinja2 template, so every zjgis element renders opaque tokens and
the text (escaped for its place) goes in after rendering
(:mod:`zjgis.maps._page`); ``{{7*7}}`` in a parcel name stays ``{{7*7}}``.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, TypeAlias, cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Figure, MacroElement
from jinja2 import Template

from zjgis import crs as zcrs
from zjgis._log import get_logger
from zjgis._validate import blank, listing
from zjgis.errors import ValidationError
from zjgis.maps import _prepare as prep
from zjgis.maps import style as st
from zjgis.maps._basemap import Basemap as _Basemap
from zjgis.maps._basemap import credit, resolve_basemap
from zjgis.maps._page import BriefingMap, Slots, html_text, js_literal, json_string_body
from zjgis.maps._page import _escape_json_text as _escape_json

__all__ = ["briefing_map", "BASEMAPS", "LEAFLET_JS_URL", "LEAFLET_CSS_URL"]

log = get_logger(__name__)

LEAFLET_JS_URL = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
LEAFLET_CSS_URL = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"

#: ``basemap=``: "none" (default), "osm", "amap", an xyzservices provider name, or a URL template
Basemap = str


def _basemap_table() -> dict[str, dict[str, Any]]:
    out = {}
    for key in ("osm", "amap", "none"):
        b = resolve_basemap(key)
        out[key] = {"url": b.url, "attr": b.credit_html, "text": b.credit,
                    "subdomains": b.subdomains, "frame": b.frame, "max_zoom": b.max_zoom}
    return out


#: The named basemaps: key -> url, attr (HTML), text (plain credit), subdomains, frame,
#: max_zoom.  Tiles come from ``xyzservices``; any provider name or URL template works too.
BASEMAPS: dict[str, dict[str, Any]] = _basemap_table()

#: metres per screen pixel at zoom 0 on the equator (Web Mercator, 256-px tiles)
_M_PER_PX_Z0 = 2 * math.pi * 6378137.0 / 256
_M_PER_DEG_LAT = 111_320.0

_TEXT = {
    "zh": {"date": "制图日期", "sources": "数据来源", "basemap": "底图",
           "nobasemap": "无底图（离线）",
           "gcj": "注意：高德底图使用 GCJ-02 坐标，所有矢量图层已由 WGS-84 转换为 GCJ-02 以便对齐；"
                  "图上坐标不可用于测量。",
           "schematic_note": "示意性数据，位置与范围仅供参考，不可量测",
           "sample_note": "样例数据，非真实统计",
           "accuracy": "精度", "layer": "图层", "source": "数据来源", "licence": "许可",
           "zjgis": "由 zjgis 生成",
           "tiles_wait": "底图：{name}（瓦片加载中）",
           "tiles_fail": "底图：{name} 瓦片无法加载（无网络？），图上未显示底图",
           "items": "{n} 项"},
    "en": {"date": "Map date", "sources": "Data sources", "basemap": "Basemap",
           "nobasemap": "none (offline)",
           "gcj": "Note: Amap tiles use GCJ-02; every vector layer has been shifted from WGS-84 "
                  "to GCJ-02 to line up. Coordinates on this map are not for surveying.",
           "schematic_note": "Schematic: positions and extents are indicative only",
           "sample_note": "Sample data, not real statistics",
           "accuracy": "Accuracy", "layer": "Layer", "source": "Source", "licence": "Licence",
           "zjgis": "made with zjgis",
           "tiles_wait": "Basemap: {name} (loading tiles)",
           "tiles_fail": "Basemap: {name} tiles could not load (offline?); no basemap shown",
           "items": "{n} items"},
}

_CSS = """
.leaflet-container{background:#f2efe9;font-family:"Noto Sans CJK SC","Source Han Sans SC",
 "PingFang SC","Microsoft YaHei","Hiragino Sans GB",sans-serif}
.zj-panel{position:absolute;z-index:1000;background:rgba(255,255,255,.93);border-radius:4px;
 box-shadow:0 1px 4px rgba(0,0,0,.35);font:12px/1.45 "Noto Sans CJK SC","Source Han Sans SC",
 "PingFang SC","Microsoft YaHei",sans-serif;color:#222;padding:8px 10px}
.zj-title{top:10px;left:54px;max-width:46%}
.zj-title h1{font-size:18px;margin:0 0 2px;font-weight:700}
.zj-title h2{font-size:13px;margin:0 0 4px;font-weight:400;color:#444}
.zj-title .zj-meta{color:#555;font-size:11px}
.zj-sources summary{cursor:pointer}
.zj-sources ul{margin:2px 0 0 14px;padding:0;max-height:40vh;overflow:auto}
.zj-legend{bottom:28px;right:10px;max-height:calc(100% - 150px);overflow:auto;max-width:260px}
.zj-legend-sec[hidden]{display:none}
.zj-fold summary{cursor:pointer;padding-left:20px}
.zj-row{display:inline-flex;flex-wrap:wrap;gap:2px;vertical-align:middle;max-width:150px}
.zj-row .zj-sw{width:9px;height:9px;margin:0}
@media (max-width:760px),(max-height:560px){.zj-legend{max-width:40%;max-height:40%;
 font-size:11px}.zj-title{max-width:62%}.zj-title h1{font-size:15px}}
.zj-legend-title{font-weight:700;margin-bottom:3px}
.zj-legend-layer{margin-top:5px}
.zj-legend-item{padding-left:20px}
.zj-legend-note{color:#8a4b00;font-size:11px;padding-left:20px}
.zj-sw{display:inline-block;width:14px;height:10px;margin-right:6px;vertical-align:middle;
 box-sizing:border-box}
.zj-sw-l{height:0;margin-bottom:2px}
.zj-sw-c{width:10px;height:10px;border-radius:50%;border:1px solid #333}
.zj-acc{font-size:10px;border-radius:3px;padding:0 4px;margin-left:4px;color:#fff;
 background:#2b7a3d;white-space:nowrap;display:inline-block;line-height:1.4}
.zj-acc-derived{background:#2c6e9b}.zj-acc-schematic{background:#c0392b}
.zj-acc-sample{background:#8e44ad}
.zj-tip h4{margin:0 0 3px;font-size:13px}
.zj-tip table{border-collapse:collapse}
.zj-tip th{text-align:left;padding:0 8px 0 0;color:#555;font-weight:400;vertical-align:top}
.zj-tip td{padding:0;max-width:260px;word-break:break-all}
.zj-tip .zj-note{color:#c0392b;margin-top:3px;font-size:11px}
.zj-tip .zj-src{color:#777;margin-top:3px;font-size:10px}
.zj-label{background:none;border:none;width:0;height:0}
.zj-label>span{position:absolute;left:0;top:0;transform:translate(-50%,-50%);
 font:700 15px "Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;color:#222;
 text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 2px #fff;white-space:nowrap;pointer-events:none}
.zj-label-s>span{font-weight:600;font-size:11px;color:#1b1b1b}
.zj-label-p>span{transform:translate(-50%,-135%)}
@media print{.leaflet-control-layers{display:none}}
"""

# zjgis' own client code (no third-party code): builds tooltips/popups with
# textContent only, so data never becomes markup.
_JS = r"""
window.zjgis = window.zjgis || (function () {
  var registry = {}, canvas = null, labels = [], state = {labelsShown: 0};
  function txt(tag, text, cls) {
    var e = document.createElement(tag);
    e.textContent = (text === null || text === undefined) ? "\u2014" : String(text);
    if (cls) { e.className = cls; }
    return e;
  }
  function content(spec, p, idx, full) {
    var d = document.createElement("div"); d.className = "zj-tip";
    if (spec.head && p[spec.head] !== null && p[spec.head] !== undefined) {
      d.appendChild(txt("h4", p[spec.head]));
    } else { d.appendChild(txt("h4", spec.title)); }
    var t = document.createElement("table");
    idx.forEach(function (i) {
      var f = spec.fields[i], v = p[f];
      if (f === spec.head || v === null || v === undefined || v === "") { return; }
      var tr = document.createElement("tr");
      tr.appendChild(txt("th", spec.labels[i])); tr.appendChild(txt("td", v));
      t.appendChild(tr);
    });
    if (t.childNodes.length) { d.appendChild(t); }
    if (p._n !== undefined && spec.notes[p._n]) {
      d.appendChild(txt("div", spec.notes[p._n], "zj-note"));
    }
    if (full && spec.foot) { d.appendChild(txt("div", spec.foot, "zj-src")); }
    return d;
  }
  function decode(d) {
    if (d.type === "FeatureCollection") { return d; }
    var c = d.c, n = c.length / 2, xy = new Array(n), x = 0, y = 0, i, j, k;
    for (i = 0; i < n; i++) { x += c[2 * i]; y += c[2 * i + 1]; xy[i] = [x / 1e6, y / 1e6]; }
    var o = d.o, t = d.t, feats = [];
    function part(a, lvl) { return xy.slice(o[lvl][a], o[lvl][a + 1]); }
    function rings(a, lvl) {
      var r = [];
      for (j = o[lvl][a]; j < o[lvl][a + 1]; j++) { r.push(part(j, lvl - 1)); }
      return r;
    }
    for (i = 0; i < d.r.length; i++) {
      var g, props = {};
      for (k = 0; k < d.f.length; k++) { if (d.r[i][k] !== null) { props[d.f[k]] = d.r[i][k]; } }
      if (t === "Point") { g = xy[i]; }
      else if (t === "LineString" || t === "MultiPoint") { g = part(i, 0); }
      else if (t === "Polygon" || t === "MultiLineString") { g = rings(i, 1); }
      else { g = []; for (var p = o[2][i]; p < o[2][i + 1]; p++) {
        var poly = [];
        for (j = o[1][p]; j < o[1][p + 1]; j++) { poly.push(part(j, 0)); }
        g.push(poly);
      } }
      feats.push({type: "Feature", geometry: {type: t, coordinates: g}, properties: props});
    }
    return {type: "FeatureCollection", features: feats};
  }
  function layer(map, spec, data) {
    data = decode(data);
    var styles = spec.styles, group = L.featureGroup(), count = 0;
    var opts = {
      style: function (f) { return styles[f.properties._s || 0]; },
      pointToLayer: function (f, ll) { return L.circleMarker(ll, styles[f.properties._s || 0]); },
      onEachFeature: function (f, l) {
        count += 1;
        l.bindTooltip(function () { return content(spec, f.properties, spec.tip, false); },
                      {sticky: spec.family !== "point", direction: "top"});
        l.bindPopup(function () { return content(spec, f.properties, spec.pop, true); },
                    {maxWidth: 380});
      }
    };
    if (spec.canvas) { canvas = canvas || L.canvas({padding: 0.3}); opts.renderer = canvas; }
    L.geoJSON(data, opts).addTo(group);
    (spec.marks || []).forEach(function (m) {
      var el = txt("span", m[2]);
      var mk = L.marker([m[0], m[1]], {interactive: false, keyboard: false,
        icon: L.divIcon({className: "zj-label zj-label-" + spec.css + " " + (spec.labelCls || ""),
                         html: el, iconSize: null})
      }).addTo(group);
      labels.push({m: mk, p: spec.labelPrio || 0, i: labels.length});
    });
    group.zjName = spec.name;
    registry[spec.name] = {group: group, count: count, spec: spec};
    if (spec.front) { group.on("add", function () { group.eachLayer(function (l) {
      if (l.bringToFront) { l.bringToFront(); } }); }); }
    return group;
  }
  function tiles(map, s) {
    var t = L.tileLayer(s.url, {subdomains: s.subdomains || "abc", maxZoom: s.maxZoom,
                                maxNativeZoom: s.maxNativeZoom, attribution: ""});
    var state = "wait", note = function (text) {
      var e = document.getElementById("zj-basemap"); if (e) { e.textContent = text; }
    };
    t.on("tileload", function () {
      if (state === "ok") { return; }
      state = "ok"; note(s.ok); map.attributionControl.addAttribution(s.attr);
    });
    t.on("tileerror", function () { if (state === "wait") { state = "fail"; note(s.fail); } });
    t.addTo(map);
    state.tiles = t;
  }
  // labels: drawn in priority order; one that would overlap an earlier one is hidden
  function declutter() {
    var placed = [], shown = 0, said = {};
    labels.slice().sort(function (a, b) { return (a.p - b.p) || (a.i - b.i); })
      .forEach(function (lb) {
        var el = lb.m.getElement(), span = el && el.firstChild;
        if (!span) { return; }
        span.style.visibility = "visible";
        var r = span.getBoundingClientRect();
        var hit = r.width === 0 || said[span.textContent] || placed.some(function (q) {
          return r.left < q.right + 3 && r.right > q.left - 3 && r.top < q.bottom + 1 &&
                 r.bottom > q.top - 1; });
        if (hit) { span.style.visibility = "hidden"; } else {
          placed.push(r); said[span.textContent] = true; shown += 1;
        }
      });
    state.labelsShown = shown;
  }
  function legendSync(name, on) {
    var r = registry[name]; if (!r) { return; }
    var secs = document.querySelectorAll('[data-zj-layer="' + r.spec.css + '"]');
    for (var i = 0; i < secs.length; i++) { secs[i].hidden = !on; }
  }
  function fit(map, view) {
    if (!view || !view.bounds) { return; }
    var size = map.getSize(), top = 10, right = 10;
    var t = document.getElementById("zj-title"), g = document.getElementById("zj-legend");
    if (t) { top = Math.min(t.getBoundingClientRect().bottom + 8, size.y * 0.35); }
    if (g && g.offsetWidth) { right = Math.min(g.offsetWidth + 20, size.x * 0.4); }
    map.fitBounds(view.bounds, {paddingTopLeft: [12, top], paddingBottomRight: [right, 28],
                                maxZoom: view.maxZoom || 18, animate: false});
  }
  function ready(map, view) {
    registry.__map = map;
    state.view = view; state.map = map;
    map.on("overlayadd", function (e) { legendSync(e.layer.zjName, true); declutter(); });
    map.on("overlayremove", function (e) { legendSync(e.layer.zjName, false); declutter(); });
    map.on("zoomend moveend", declutter);
    requestAnimationFrame(function () {
      fit(map, view); declutter();
      requestAnimationFrame(function () {
        declutter();
        window.zjgisRendered = performance.now();
        document.documentElement.setAttribute("data-zjgis-rendered", "1");
      });
    });
  }
  return {layer: layer, layers: registry, ready: ready, tiles: tiles, text: txt,
          decode: decode, declutter: declutter, fit: fit, state: state};
})();
"""


_js_literal = js_literal
_escape_json_text = _escape_json


class _Assets(MacroElement):
    """zjgis' CSS and client JavaScript (first-party), once per map (inserted after rendering)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>{{ this.css }}</style>
        <script>{{ this.js }}</script>
        {% endmacro %}
        """
    )

    def __init__(self, slots: Slots) -> None:
        super().__init__()
        self._name = "ZjgisAssets"
        self.css = slots.put(_CSS)
        self.js = slots.put(_JS)


class _Panels(MacroElement):
    """Title block and legend: pre-escaped HTML fragments, positioned over the map.

    The fragments hold user text, so they never reach a template: the macros
    render tokens of :class:`~zjgis.maps._page.Slots`, filled after rendering.
    """

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <div class="zj-panel zj-title" id="zj-title">{{ this.title_html }}</div>
        <div class="zj-panel zj-legend" id="zj-legend">{{ this.legend_html }}</div>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, maxWidth: 160}).addTo({{ this._parent.get_name() }});
        zjgis.ready({{ this._parent.get_name() }}, {{ this.view_js }});
        {% endmacro %}
        """
    )

    def __init__(self, slots: Slots, title_html: str, legend_html: str,
                 view: dict[str, Any]) -> None:
        super().__init__()
        self._name = "ZjgisPanels"
        self.title_html = slots.put(title_html)
        self.legend_html = slots.put(legend_html)
        self.view_js = slots.put(js_literal(view))


class _Tiles(MacroElement):
    """Basemap tiles; URL and attribution are data (tokens), credited only once tiles load."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        zjgis.tiles({{ this._parent.get_name() }}, {{ this.spec_js }});
        {% endmacro %}
        """
    )

    def __init__(self, slots: Slots, spec: dict[str, Any]) -> None:
        super().__init__()
        self._name = "ZjgisTiles"
        self.spec_js = slots.put(js_literal(spec))


class VectorLayer(folium.map.Layer):
    """A zjgis vector layer: encoded features + a style table, drawn by ``zjgis.layer``.

    ``name`` (the layer-control label) must already be a token of the map's
    :class:`~zjgis.maps._page.Slots`; spec and data are stored there too.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = zjgis.layer({{ this._parent.get_name() }},
            {{ this.spec_js }}, {{ this.data_js }});
        {% endmacro %}
        """
    )

    def __init__(self, slots: Slots, name: str, spec_js: str, data_js: str, *,
                 show: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "ZjgisLayer"
        self.spec_js = slots.put(spec_js)
        self.data_js = slots.put(data_js)


# --------------------------------------------------------------------------- geometry → JSON


def _simplify_round(geoms: np.ndarray, tolerance_deg: float, family: str) -> np.ndarray:
    if family != "point" and tolerance_deg > 0:
        simple = shapely.simplify(geoms, tolerance_deg, preserve_topology=True)
        # a feature that collapsed keeps its original geometry (never drop a parcel)
        bad = shapely.is_empty(simple) | shapely.is_missing(simple)
        geoms = np.where(bad, geoms, simple)
    return shapely.transform(geoms, lambda c: np.round(c, 6))


def _shown_value(v: Any, language: str) -> Any:
    """A value as a tooltip shows it: 是/否 for booleans, figures to 2 decimals.

    Figures below 1 keep 3 significant digits (0.0123), so a small share is not 0.
    """
    out = _json_value(v)
    if isinstance(out, bool):
        return ("是" if out else "否") if language == "zh" else ("yes" if out else "no")
    if isinstance(out, float):
        return round(out, 2) if abs(out) >= 1 else float(f"{out:.3g}")
    return out


def _json_value(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if not math.isfinite(f):
            return None
        return round(f, 6)
    if isinstance(v, str):
        return v
    if v is pd.NaT:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(v, (pd.Timestamp, _dt.date, _dt.datetime)):
        return v.isoformat()
    if isinstance(v, shapely.Geometry):
        return None
    return str(v)


_RAGGED_NAMES = {0: "Point", 1: "LineString", 3: "Polygon", 4: "MultiPoint",
                 5: "MultiLineString", 6: "MultiPolygon"}


def _encode_layer(geoms: np.ndarray, fields: list[str], rows: list[list]) -> str:
    """Compact layer encoding, decoded by ``zjgis.decode`` in the page.

    Coordinates are quantised to 1e-6° (the 6-decimal rounding) and written as
    integer deltas from the previous coordinate of the layer (``c``), with
    shapely's ragged-array offsets (``o``) for parts and rings, and attributes
    as rows (``r``) under one list of field names (``f``): about a third of
    the size of GeoJSON text.  Layers mixing geometry families fall back to
    GeoJSON.
    """
    try:
        gtype, coords, offsets = shapely.to_ragged_array(geoms, include_z=False)
    except (ValueError, NotImplementedError):
        props = [dict(zip(fields, r)) for r in rows]
        return _feature_collection(geoms, props)
    q = np.round(coords * 1e6).astype(np.int64)
    deltas = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()
    body = {
        "t": _RAGGED_NAMES[int(gtype)],
        "o": [np.asarray(o).tolist() for o in offsets],
        "f": fields,
        "r": rows,
    }
    head = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = head[:-1] + ',"c":[' + ",".join(map(str, deltas.tolist())) + "]}"
    return _escape_json_text(text)


def _feature_collection(geoms: np.ndarray, props: list[dict]) -> str:
    gj = shapely.to_geojson(geoms)
    parts = [
        '{"type":"Feature","geometry":' + g + ',"properties":'
        + json.dumps(p, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "}"
        for g, p in zip(gj, props)
    ]
    return _escape_json_text('{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}")


def _css_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)


def _symbol(p: prep.Prepared) -> st.LegendEntry:
    s = p.style
    colour = s.fill_color or s.color
    if p.geom_family == "point":
        if p.kind == "station":  # white dot ringed in black: the colour of no metro line
            return st.LegendEntry("", st.STATION_COLOUR, "ring")
        return st.LegendEntry("", colour, "circle")
    if p.geom_family == "line":
        return st.LegendEntry("", s.color, "dash" if s.dash_array else "line")
    if not s.fill or s.fill_opacity == 0:
        return st.LegendEntry("", s.color, "dash" if s.dash_array else "outline")
    return st.LegendEntry("", colour if p.colours.size == 0 else str(p.colours[0]), "fill")


#: catalog columns that record provenance (files, seeds, rules), not facts for a meeting
_PROVENANCE_COLUMN = re.compile(r"^(source.*|.*_source|.*basis|seed_.*|osm_.*|.*_rule|method|"
                                r"conversion|publication_url|universe)$")


def _layer_js(p: prep.Prepared, *, language: str, tolerance_deg: float, canvas: bool,
              texts: dict[str, str]) -> tuple[str, str]:
    gdf = p.gdf
    geom_col = gdf.geometry.name
    fields = [c for c in gdf.columns if c != geom_col and not str(c).startswith("_")]
    if p.kind != "extra" and p.style.popup is None and p.style.tooltip is None:
        # catalog layers: provenance columns stay in `zjgis layers info`, off the map
        fields = [c for c in fields if not _PROVENANCE_COLUMN.match(str(c))]
    head = next((c for c in st.NAME_COLUMNS if c in fields), None)
    if language == "en" and head == "name" and "name_en" in fields:
        head = "name_en"
    aliases = p.style.aliases or {}
    labels = [aliases.get(str(c)) or prep.column_label(str(c), language) for c in fields]
    if p.style.tooltip is not None:
        tip_cols = list(p.style.tooltip)
    else:
        tip_cols = [c for c in ("name_en" if language == "en" else "name", "industries_zh",
                                "label_zh", "role", "line", "street_town", "status",
                                p.style.column) if c and c in fields and c != head]
    pop_cols = list(p.style.popup) if p.style.popup is not None else fields
    for c in list(tip_cols) + list(pop_cols):
        if c not in fields:
            msg = f"layer {p.name!r}: tooltip/popup column {c!r} not in {fields}"
            raise ValidationError(msg)
    # styles: one per distinct colour
    colours = p.colours if len(p.colours) == len(gdf) else np.full(len(gdf), p.style.color)
    uniq, inverse = np.unique(colours.astype(str), return_inverse=True) if len(gdf) \
        else (np.array([p.style.color]), np.zeros(0, dtype=int))
    base = p.style.with_(weight=p.style.weight * (2 if p.highlight else 1))
    styles = []
    css = _css_name(p.name)
    for colour in uniq:
        if p.geom_family == "line" or (p.kind == "boundary") or not base.fill:
            opts = base.leaflet(color=str(colour))
        elif p.kind in ("community", "axis_zone") or (p.kind == "station"):
            opts = base.leaflet(fill_color=str(colour))
        else:
            opts = base.leaflet(color=str(colour) if p.kind == "extra" and
                                p.geom_family == "point" else None, fill_color=str(colour))
        opts["className"] = f"zj-f zj-l-{css}"
        styles.append(opts)
    notes: list[str] = []
    layer_note = None
    if p.accuracy in ("schematic", "sample"):
        notes.append(texts[f"{p.accuracy}_note"])
        layer_note = 0
    feature_acc = ([None if blank(v) else str(v).strip() for v in gdf["accuracy"]]
                   if "accuracy" in fields else None)
    records = []
    values = gdf[fields].astype(object).to_numpy()
    for i in range(len(gdf)):
        rec = {f: _shown_value(v, language) for f, v in zip(fields, values[i])}
        if feature_acc is not None:
            acc = feature_acc[i]
            rec["accuracy"] = st.accuracy_text(acc, language)  # None: 未注明, never "nan"
            if acc in ("schematic", "sample"):
                note = texts[f"{acc}_note"]
                if note not in notes:
                    notes.append(note)
                rec["_n"] = notes.index(note)
            elif layer_note is not None:
                rec["_n"] = layer_note
        elif layer_note is not None:
            rec["_n"] = layer_note
        if len(uniq) > 1:
            rec["_s"] = int(inverse[i])
        records.append(rec)
    geoms = _simplify_round(np.asarray(gdf.geometry.values), tolerance_deg, p.geom_family)
    keys = list(fields)
    for extra_key in ("_s", "_n"):
        if any(extra_key in r for r in records):
            keys.append(extra_key)
    rows = [[r.get(k) for k in keys] for r in records]
    sep = "：" if language == "zh" else ": "
    foot_parts = [f"{texts['accuracy']}{sep}{st.accuracy_text(p.accuracy, language)}"]
    if p.source or p.licence:
        foot_parts.append(f"{texts['source']}{sep}{credit(p.source, p.licence, language)}")
    spec = {
        "name": p.name, "css": css, "title": p.title, "fields": fields, "labels": labels,
        "head": head, "tip": [fields.index(c) for c in tip_cols],
        "pop": [fields.index(c) for c in pop_cols], "styles": styles, "notes": notes,
        "foot": " · ".join(foot_parts), "family": p.geom_family, "canvas": canvas,
        "marks": [[round(la, 6), round(lo, 6), t] for la, lo, t in p.labels],
        "labelCls": ("" if p.kind == "axis_zone" else "zj-label-s")
        + (" zj-label-p" if p.geom_family == "point" else ""),
        "labelPrio": _LABEL_PRIORITY.get(p.kind, 0),
        "front": bool(p.highlight),
    }
    return _js_literal(spec), _encode_layer(geoms, keys, rows)


def _shift_gcj(p: prep.Prepared) -> prep.Prepared:
    frame = str(p.gdf.attrs.get("frame", "WGS-84"))
    if zcrs.normalize_frame(frame) == "GCJ-02":
        return p
    p.gdf = zcrs.convert(p.gdf, source=frame, target="GCJ-02", name=p.name)
    if p.labels:
        lon, lat = zcrs.transform_lonlat([m[1] for m in p.labels], [m[0] for m in p.labels],
                                         source=frame, target="GCJ-02")
        p.labels = [(float(a), float(b), m[2]) for a, b, m in zip(lat, lon, p.labels)]
    return p


#: smallest opening extent (degrees, ≈ 400 m): a single point still opens on its street
_MIN_EXTENT_DEG = 0.004
#: margin around the subject, as a fraction of its extent on every side
_MARGIN = 0.06


def _framed(b: np.ndarray) -> np.ndarray:
    """The subject's box with a margin, at least :data:`_MIN_EXTENT_DEG` wide and high."""
    minx, miny, maxx, maxy = (float(v) for v in b)
    w, h = maxx - minx, maxy - miny
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    w, h = max(w * (1 + 2 * _MARGIN), _MIN_EXTENT_DEG), max(h * (1 + 2 * _MARGIN),
                                                          _MIN_EXTENT_DEG)
    return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])


def pixel_size_m(zoom: int, lat_deg: float) -> float:
    """Ground size of one screen pixel (metres) at a Web-Mercator zoom level and latitude."""
    return _M_PER_PX_Z0 * math.cos(math.radians(lat_deg)) / 2**zoom


#: label priority by layer kind (lower wins a collision): the subject first, then the axis
#: zones, communities and streets/towns
_LABEL_PRIORITY = {"extra": 0, "axis_zone": 1, "community": 2, "admin": 3}
#: columns labelled by default on analysis layers (parcel name/id, project, road name)
_LABEL_COLUMNS = ("name", "label_zh", "title", "project_name", "parcel_id")
#: layers with more features than this get no labels (tooltips still name every feature)
_MAX_LABELS = 2500
#: catalog kinds switched off on analysis maps: their fills or broad lines cover the subject
_COVERING_KINDS = ("community", "axis_zone", "park", "axis", "park_point")
#: opacity factor of the catalog layers left on under an analysis
_BACKGROUND_FADE = 0.5


def _label_column(p: prep.Prepared, language: str) -> str | None:
    wanted = p.style.label_column
    cols = [c for c in p.gdf.columns if c != p.gdf.geometry.name]
    if wanted == "":
        return None
    if wanted is not None:
        if wanted not in cols:
            msg = f"layer {p.name!r}: label_column {wanted!r} is not one of its columns {cols}"
            raise ValidationError(msg)
        return wanted
    if p.highlight or p.name.startswith("highlight_") or p.name == "science_city_change":
        return None
    if p.kind in ("community", "admin"):
        order: tuple[str, ...] = ("name",)
    elif p.kind == "extra":
        order = _LABEL_COLUMNS
    else:
        return None
    if language == "en" and "name_en" in cols:
        order = ("name_en", *order)
    return next((c for c in order if c in cols), None)


def _feature_labels(p: prep.Prepared, language: str) -> list[tuple[float, float, str]]:
    """(lat, lon, text) of each labelled feature, largest first, one label per text."""
    col = _label_column(p, language)
    if col is None or not len(p.gdf) or len(p.gdf) > _MAX_LABELS:
        return []
    geoms = np.asarray(p.gdf.geometry.values)
    if p.geom_family == "polygon":
        anchors, size = shapely.point_on_surface(geoms), shapely.area(geoms)
    elif p.geom_family == "line":
        anchors = shapely.line_interpolate_point(geoms, 0.5, normalized=True)
        size = shapely.length(geoms)
    else:  # a MultiPoint is labelled at one of its points
        anchors, size = shapely.point_on_surface(geoms), np.zeros(len(geoms))
    values = p.gdf[col].to_numpy(dtype=object)
    out: dict[str, tuple[float, float, float]] = {}
    for pt, v, a in zip(anchors, values, size):
        if v is None or (isinstance(v, float) and not math.isfinite(v)) or pt is None \
                or shapely.is_empty(pt):
            continue
        text = str(v).strip()
        if not text or text == "nan":
            continue
        lat, lon = float(shapely.get_y(pt)), float(shapely.get_x(pt))
        if not (math.isfinite(lat) and math.isfinite(lon)):
            continue
        if text not in out or a > out[text][2]:
            out[text] = (lat, lon, float(a))
    ranked = sorted(out.items(), key=lambda kv: -kv[1][2])
    return [(la, lo, t) for t, (la, lo, _) in ranked]


def _is_subject(p: prep.Prepared) -> bool:
    """An analysis layer given through ``extra=`` (not a highlight, not the 2022 change)."""
    return (p.kind == "extra" and not p.name.startswith("highlight_")
            and p.name != "science_city_change")


def _to_frame(b: np.ndarray, frame: str) -> np.ndarray:
    if frame != "GCJ-02":
        return b
    lon, lat = zcrs.transform_lonlat([b[0], b[2]], [b[1], b[3]], source="WGS-84",
                                     target="GCJ-02")
    return np.array([lon[0], lat[0], lon[1], lat[1]], dtype="float64")


def _bbox(values: Sequence[object], what: str) -> np.ndarray:
    try:
        b = np.asarray([float(v) for v in values], dtype="float64")  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        msg = f"{what}: a bbox is four numbers minx, miny, maxx, maxy (lon/lat), got {values!r}"
        raise ValidationError(msg) from exc
    if b.shape != (4,) or not np.isfinite(b).all() or b[0] > b[2] or b[1] > b[3] \
            or not (-180 <= b[0] <= 180 and -180 <= b[2] <= 180 and -90 <= b[1] <= 90
                    and -90 <= b[3] <= 90):
        msg = (f"{what}: {values!r} is not a lon/lat bbox minx, miny, maxx, maxy in WGS-84 "
               "(e.g. 121.58,31.19,121.62,31.22)")
        raise ValidationError(msg)
    return b


#: ``fit_to=``: a layer name or title, a bbox (sequence or "minx,miny,maxx,maxy"), a frame, a file
FitTo: TypeAlias = "str | Sequence[float] | gpd.GeoDataFrame | gpd.GeoSeries"


def subject_bounds(fit_to: FitTo, prepared: Sequence[prep.Prepared], *,
                   frame: str = "WGS-84") -> np.ndarray:
    """Bounds (lon/lat, in the map's frame) of ``fit_to``: a layer, a bbox, a frame or a file.

    A string is tried as a layer name or title on the map, then as a bbox
    ``"minx,miny,maxx,maxy"``, then as a file readable by :func:`zjgis.read`.
    """
    if isinstance(fit_to, (gpd.GeoDataFrame, gpd.GeoSeries)):
        g = fit_to if isinstance(fit_to, gpd.GeoDataFrame) else gpd.GeoDataFrame(geometry=fit_to)
        lonlat = prep.to_lonlat(g, "fit_to")
        if not len(lonlat):
            msg = "fit_to: the frame has no geometry to open the map on"
            raise ValidationError(msg)
        return _to_frame(np.asarray(lonlat.total_bounds, dtype="float64"), frame)
    if isinstance(fit_to, str):
        for p in prepared:
            if fit_to in (p.name, p.title) and len(p.gdf):
                return np.asarray(p.gdf.total_bounds, dtype="float64")
        parts = [x for x in re.split(r"[,\s]+", fit_to.strip()) if x]
        if len(parts) == 4:
            try:
                return _to_frame(_bbox(parts, "fit_to"), frame)
            except ValidationError:
                pass
        if Path(fit_to).exists():
            from zjgis import io as zio

            return subject_bounds(zio.read(fit_to), prepared, frame=frame)
        names = [p.name for p in prepared]
        msg = (f"fit_to (--extent) {fit_to!r} is neither a layer on the map "
               f"({listing(names)}), a bbox 'minx,miny,maxx,maxy' (lon/lat) nor an existing file")
        raise ValidationError(msg)
    return _to_frame(_bbox(list(fit_to), "fit_to"), frame)


def briefing_map(
    layers: Sequence[str | gpd.GeoDataFrame] | str | gpd.GeoDataFrame | None = None,
    *,
    title: str = "张江科学城 规划图",
    subtitle: str | None = None,
    basemap: Basemap = "none",
    basemap_frame: str | None = None,
    basemap_attribution: str | None = None,
    language: Literal["zh", "en"] = "zh",
    highlight: str | Sequence[str] | None = None,
    extra: Sequence[gpd.GeoDataFrame | tuple[gpd.GeoDataFrame, st.Style | dict]] | None = None,
    fit_to: FitTo | None = None,
    labels: bool = True,
    date: str | _dt.date | None = None,
    min_zoom: int = 9,
    max_zoom: int = 18,
    simplify_m: float | None = None,
    renderer: Literal["auto", "svg", "canvas"] = "auto",
) -> BriefingMap:
    """Draw the science city's layers as a briefing map (folium) in the zjgis house style.

    Parameters
    ----------
    layers : sequence of str or GeoDataFrame, optional
        Catalog layer names (:func:`zjgis.layers.load`) or frames carrying the
        catalog's ``attrs`` (``layer``, ``title_zh``, ``title_en``, ``kind``,
        ``accuracy``, ``source``, ``licence``).  None draws every catalog layer;
        ``[]`` draws only ``extra``.
    title, subtitle : str
        Title block text (shown as text, never interpreted).
    basemap : str
        ``"none"`` (default: no tiles, nothing to fetch — the briefing opens
        offline), ``"osm"`` (OpenStreetMap), ``"amap"`` (Amap/Gaode tiles, in
        GCJ-02, so every vector layer is shifted WGS-84 → GCJ-02 with
        :func:`zjgis.crs.convert` and the legend says so), any ``xyzservices``
        provider name (``"CartoDB.Positron"``), or a tile URL template
        ``https://…/{z}/{x}/{y}.png`` (then ``basemap_frame`` is required).
        A page whose tiles cannot load says so in its title block instead of
        crediting them.
    basemap_frame : {"WGS-84", "GCJ-02"}, optional
        Coordinate frame of a URL template's tiles.
    basemap_attribution : str, optional
        Credit of a URL template's tiles (plain text).
    language : {"zh", "en"}
        Language of legend, title block, tooltips' field labels.
    highlight : str or sequence of str, optional
        Layer names to emphasise (double line width, drawn on top) or feature
        names (``name``/``station``/… values) to outline; the map opens on them.
    extra : sequence, optional
        Analysis results: GeoDataFrames, or ``(gdf, style)`` pairs where style is
        a :class:`~zjgis.maps.Style`, a dict of its fields, or the result of
        :func:`~zjgis.maps.choropleth`.  Titles and accuracy come from
        ``style.title`` / ``gdf.attrs``.  When there are any, the map opens on
        them, and catalog layers that would cover them (community, zone and
        park fills, the axis) start switched off (the layer control turns them on).
    fit_to : str, bbox or GeoDataFrame, optional
        What the map opens on, overriding the default (``highlight``, else the
        ``extra`` layers, else the science city, else everything): a layer
        name or title, a lon/lat bbox ``(minx, miny, maxx, maxy)`` or the string
        ``"minx,miny,maxx,maxy"``, a frame, or a file path.  A margin of 6 %
        is added on every side; the panels (title, legend) are kept clear.
    labels : bool
        Label parcels, projects, roads and other ``extra`` features by their
        ``name`` (or ``Style.label_column``), communities and streets/towns by
        name; labels that would overlap at the current zoom are hidden (the
        larger feature and the subject win).
    date : str or datetime.date, optional
        Map date in the title block (default today).
    min_zoom, max_zoom : int
        Zoom range of the map (Web-Mercator levels).
    simplify_m : float, optional
        Douglas–Peucker tolerance in metres; default one screen pixel at
        ``max_zoom`` (≈ 0.5 m at zoom 18 at 31° N), i.e. invisible.
    renderer : {"auto", "svg", "canvas"}
        Leaflet renderer; ``"auto"`` uses canvas above 3,000 features (faster
        with large parcel layers), SVG otherwise.

    Returns
    -------
    BriefingMap
        A ``folium.Map`` whose text is inserted after rendering; save it with
        :func:`zjgis.maps.save` (offline by default).  As the last line of a
        notebook cell it displays inline with Leaflet inlined (no network).

    Raises
    ------
    ValidationError
        Bad ``basemap``/``language``/``extra``/``highlight``/``fit_to`` or style columns.
    CRSError
        A layer without CRS.

    Notes
    -----
    Coordinates are rounded to 6 decimals (≈ 0.1 m) after simplification.
    One pixel at zoom *z* and latitude φ is ``2π·6378137·cos φ / (256·2^z)`` metres.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from zjgis import maps
    >>> parcels = gpd.GeoDataFrame({"name": ["地块{{7*7}}"]},
    ...                            geometry=[box(121.60, 31.20, 121.61, 31.21)], crs=4326)
    >>> m = maps.briefing_map([], extra=[parcels], title="示例")
    >>> "地块{{7*7}}" in m.render_page()
    True
    """
    language = prep.check_language(language)
    if renderer not in ("auto", "svg", "canvas"):
        msg = f"renderer must be 'auto', 'svg' or 'canvas', got {renderer!r}"
        raise ValidationError(msg)
    texts = _TEXT[language]
    bm: _Basemap = resolve_basemap(basemap, frame=basemap_frame, attribution=basemap_attribution)
    frames = prep.resolve(layers)  # None: every catalog layer; [] for extra= only
    prepared = prep.prepare(frames, extra, language=language)
    if not prepared:
        msg = "nothing to draw: no layers and no extra"
        raise ValidationError(msg)
    prepared, _ = prep.apply_highlight(prepared, highlight)
    if bm.frame == "GCJ-02":
        prepared = [_shift_gcj(p) for p in prepared]
    subject = [p for p in prepared if _is_subject(p)]
    if subject:  # an analysis map: the background must not cover the subject
        for p in prepared:
            if p.kind in _COVERING_KINDS or p.name == "science_city_change":
                p.style = p.style.with_(show=False)
            elif not _is_subject(p) and not p.highlight:  # the rest lighter, behind
                p.style = p.style.with_(opacity=round(p.style.opacity * _BACKGROUND_FADE, 3),
                                        fill_opacity=round(p.style.fill_opacity
                                                           * _BACKGROUND_FADE, 3))
    bounds = prep.bounds_of(prepared)
    focus: np.ndarray | None = None
    if fit_to is not None:
        focus = subject_bounds(fit_to, prepared, frame=bm.frame)
    else:
        focus = prep.bounds_of(prepared, only_highlight=True) if highlight else None
        if focus is None and subject:
            focus = prep.bounds_of(subject)
        if focus is None:  # open on the science city when it is drawn, not on all of Shanghai
            city = [p for p in prepared if p.name in ("science_city_2022", "science_city_2017")]
            focus = prep.bounds_of(city) if city else None
    if bounds is None:
        bounds = np.array([121.55, 31.15, 121.70, 31.25])
    if labels:
        for p in prepared:
            if p.kind != "axis_zone":
                p.labels = _feature_labels(p, language)
    else:
        for p in prepared:
            p.labels = []
    centre_lat = float((bounds[1] + bounds[3]) / 2)
    tol_m = pixel_size_m(max_zoom, centre_lat) if simplify_m is None else float(simplify_m)
    if tol_m < 0:
        msg = f"simplify_m must be >= 0, got {simplify_m}"
        raise ValidationError(msg)
    tolerance_deg = tol_m / _M_PER_DEG_LAT
    total = sum(len(p.gdf) for p in prepared)
    canvas = renderer == "canvas" or (renderer == "auto" and total > 3000)
    fb = _framed(focus if focus is not None else bounds)

    m = BriefingMap(
        location=[float((fb[1] + fb[3]) / 2), float((fb[0] + fb[2]) / 2)],
        tiles=None, zoom_start=12, min_zoom=min_zoom, max_zoom=max_zoom, zoom_snap=0.25,
        zoom_delta=0.5,
        control_scale=False, prefer_canvas=False,
    )
    # a briefing needs Leaflet only: drop jQuery, Bootstrap, Font Awesome, awesome-markers
    m.default_js = [("leaflet", LEAFLET_JS_URL)]
    m.default_css = [("leaflet_css", LEAFLET_CSS_URL)]
    slots = m.zjgis_slots  # every text goes in after rendering, never as template source
    cast(Figure, m.get_root()).title = slots.put(html_text(title))
    m.add_child(_Assets(slots))
    bm_name = bm.name_zh if language == "zh" else bm.name_en
    if bm.url:
        m.add_child(_Tiles(slots, {
            "url": bm.url, "attr": bm.credit_html, "subdomains": bm.subdomains,
            "maxZoom": max_zoom, "maxNativeZoom": bm.max_zoom,
            "ok": f"{texts['basemap']}{'：' if language == 'zh' else ': '}{bm.credit or bm_name}",
            "fail": texts["tiles_fail"].format(name=bm_name)}))
    sections = []
    control_names: set[str] = set()
    for p in prepared:
        spec_js, data_js = _layer_js(p, language=language, tolerance_deg=tolerance_deg,
                                     canvas=canvas, texts=texts)
        show = p.style.show
        # Leaflet's layer control writes names with innerHTML: escape; keep them unique
        # (folium keys the control by name, a duplicate would hide a layer)
        control = html.escape(p.title)
        k = 2
        while control in control_names:
            control = f"{html.escape(p.title)} ({k})"
            k += 1
        control_names.add(control)
        m.add_child(VectorLayer(slots, slots.put(json_string_body(control)), spec_js, data_js,
                                show=show))
        if not p.name.startswith("highlight_"):
            sections.append(st.LegendSection(title=p.title, accuracy=p.accuracy,
                                             entries=p.entries, symbol=_symbol(p),
                                             key=_css_name(p.name), hidden=not show))
    # legend footnotes: what each accuracy class on the map means (once), GCJ-02 shift
    classes = [c for c in st.ACCURACY_LABELS if any(p.accuracy == c for p in prepared)]
    sep = "：" if language == "zh" else ": "
    notes = [f"{st.accuracy_text(c, language)}{sep}{st.accuracy_text(c, language, long=True)}"
             for c in classes]
    if bm.frame == "GCJ-02" and bm.url:
        notes.append(texts["gcj"])
    legend = st.legend_html(sections, language=language, notes=notes)
    day = date.isoformat() if isinstance(date, _dt.date) else (date or _dt.date.today().isoformat())
    sources = prep.sources_text(prepared, language)
    title_parts = [f"<h1>{html.escape(title)}</h1>"]
    if subtitle:
        title_parts.append(f"<h2>{html.escape(subtitle)}</h2>")
    meta = [f"{texts['date']}{sep}{html.escape(str(day))}"]
    if bm.url:
        wait = texts["tiles_wait"].format(name=bm_name)
        meta.append(f'<span id="zj-basemap">{html.escape(wait)}</span>')
    else:
        meta.append(f"{texts['basemap']}{sep}" + html.escape(texts["nobasemap"]))
    meta.append(html.escape(texts["zjgis"]))
    title_parts.append('<div class="zj-meta">' + "<br>".join(meta))
    if sources:  # provenance: folded, opens on click (plain HTML, no script)
        items = "".join(f"<li>{html.escape(s)}</li>" for s in sources)
        title_parts.append(f'<details class="zj-sources"><summary>{texts["sources"]} '
                           f"({len(sources)})</summary><ul>{items}</ul></details>")
    title_parts.append("</div>")
    view = {"bounds": [[float(fb[1]), float(fb[0])], [float(fb[3]), float(fb[2])]],
            "maxZoom": max_zoom}
    m.add_child(_Panels(slots, "".join(title_parts), legend, view))
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    log.info("briefing map: %d layers, %d features, basemap %s, simplify %.2f m, %s renderer",
             len(prepared), total, bm.key, tol_m, "canvas" if canvas else "svg")
    m.zjgis_layers = [p.name for p in prepared]  # type: ignore[attr-defined]
    m.zjgis_view = view  # type: ignore[attr-defined]
    return m
