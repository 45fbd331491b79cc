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
from typing import Any, Literal

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from zjgis import crs as zcrs
from zjgis._log import get_logger
from zjgis.errors import ValidationError
from zjgis.maps import _prepare as prep
from zjgis.maps import style as st
from zjgis.maps._page import BriefingMap, Slots, html_text, js_literal, json_string_body
from zjgis.maps._page import _escape_json_text as _escape_json

__all__ = ["briefing_map", "BASEMAPS", "LEAFLET_JS_URL", "LEAFLET_CSS_URL"]

log = get_logger(__name__)

LEAFLET_JS_URL = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
LEAFLET_CSS_URL = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"

Basemap = Literal["osm", "amap", "none"]

#: Basemaps: key -> (tile URL or None, attribution HTML, plain attribution, subdomains, frame).
BASEMAPS: dict[str, dict[str, Any]] = {
    "osm": {
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attr": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
                "contributors",
        "text": "© OpenStreetMap contributors (ODbL)",
        "subdomains": "abc",
        "frame": "WGS-84",
        "max_zoom": 19,
    },
    "amap": {
        "url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
               "&x={x}&y={y}&z={z}",
        "attr": '&copy; <a href="https://www.amap.com/">高德地图 AutoNavi</a> (GCJ-02)',
        "text": "© 高德地图 AutoNavi (GCJ-02)",
        "subdomains": "1234",
        "frame": "GCJ-02",
        "max_zoom": 18,
    },
    "none": {"url": None, "attr": "", "text": "", "subdomains": "", "frame": "WGS-84",
             "max_zoom": 18},
}

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
           "accuracy": "精度", "layer": "图层", "source": "来源", "licence": "许可",
           "zjgis": "由 zjgis 生成"},
    "en": {"date": "Map date", "sources": "Data sources", "basemap": "Basemap",
           "nobasemap": "none (offline)",
           "gcj": "Note: Amap tiles use GCJ-02; every vector layer has been shifted from WGS-84 "
                  "to GCJ-02 to line up. Coordinates on this map are not for surveying.",
           "schematic_note": "Schematic: positions and extents are indicative only",
           "sample_note": "Sample data, not real statistics",
           "accuracy": "Accuracy", "layer": "Layer", "source": "Source", "licence": "Licence",
           "zjgis": "made with zjgis"},
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
.zj-legend{bottom:28px;right:10px;max-height:70%;overflow:auto;max-width:300px}
.zj-legend-title{font-weight:700;margin-bottom:3px}
.zj-legend-layer{margin-top:5px}
.zj-legend-item{padding-left:20px}
.zj-legend-note{color:#8a4b00;font-size:11px;padding-left:20px}
.zj-sw{display:inline-block;width:14px;height:10px;margin-right:6px;vertical-align:middle;
 box-sizing:border-box}
.zj-sw-l{height:0;margin-bottom:2px}
.zj-sw-c{width:10px;height:10px;border-radius:50%;border:1px solid #333}
.zj-acc{font-size:10px;border-radius:3px;padding:0 4px;margin-left:4px;color:#fff;
 background:#2b7a3d}
.zj-acc-derived{background:#2c6e9b}.zj-acc-schematic{background:#c0392b}
.zj-acc-sample{background:#8e44ad}
.zj-tip h4{margin:0 0 3px;font-size:13px}
.zj-tip table{border-collapse:collapse}
.zj-tip th{text-align:left;padding:0 8px 0 0;color:#555;font-weight:400;vertical-align:top}
.zj-tip td{padding:0;max-width:260px;word-break:break-all}
.zj-tip .zj-note{color:#c0392b;margin-top:3px;font-size:11px}
.zj-tip .zj-src{color:#777;margin-top:3px;font-size:10px}
.zj-label{background:none;border:none;font:700 15px "Noto Sans CJK SC","Source Han Sans SC",
 "Microsoft YaHei",sans-serif;color:#222;text-shadow:0 0 3px #fff,0 0 3px #fff;
 white-space:nowrap;transform:translate(-50%,-50%)}
@media print{.leaflet-control-layers{display:none}}
"""

# zjgis' own client code (no third-party code): builds tooltips/popups with
# textContent only, so data never becomes markup.
_JS = r"""
window.zjgis = window.zjgis || (function () {
  var registry = {}, canvas = null;
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
      L.marker([m[0], m[1]], {interactive: false, keyboard: false,
        icon: L.divIcon({className: "zj-label zj-label-" + spec.css, html: el, iconSize: null})
      }).addTo(group);
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
    t.once("tileload", function () { map.attributionControl.addAttribution(s.attr); });
    t.addTo(map);
    registry.__tiles = t;
  }
  function ready(map, view) {
    registry.__map = map;
    requestAnimationFrame(function () { requestAnimationFrame(function () {
      window.zjgisRendered = performance.now();
      document.documentElement.setAttribute("data-zjgis-rendered", "1");
    }); });
  }
  return {layer: layer, layers: registry, ready: ready, tiles: tiles, text: txt,
          decode: decode};
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
        return st.LegendEntry("", colour if p.kind != "station" else "#888888", "circle")
    if p.geom_family == "line":
        return st.LegendEntry("", s.color, "dash" if s.dash_array else "line")
    if not s.fill or s.fill_opacity == 0:
        return st.LegendEntry("", s.color, "dash" if s.dash_array else "outline")
    return st.LegendEntry("", colour if p.colours.size == 0 else str(p.colours[0]), "fill")


def _layer_js(p: prep.Prepared, *, language: str, tolerance_deg: float, canvas: bool,
              texts: dict[str, str]) -> tuple[str, str]:
    gdf = p.gdf
    geom_col = gdf.geometry.name
    fields = [c for c in gdf.columns if c != geom_col and not str(c).startswith("_")]
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
    feature_acc = gdf["accuracy"].astype(str) if "accuracy" in fields else None
    records = []
    values = gdf[fields].astype(object).to_numpy()
    for i in range(len(gdf)):
        rec = {f: _json_value(v) for f, v in zip(fields, values[i])}
        if feature_acc is not None:
            acc = feature_acc.iloc[i]
            rec["accuracy"] = st.accuracy_text(acc, language) if acc != "None" else None
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
    foot_parts = [f"{texts['accuracy']}: {st.accuracy_text(p.accuracy, language)}"]
    if p.source:
        foot_parts.append(f"{texts['source']}: {p.source}")
    if p.licence:
        foot_parts.append(f"{texts['licence']}: {p.licence}")
    spec = {
        "name": p.name, "css": css, "title": p.title, "fields": fields, "labels": labels,
        "head": head, "tip": [fields.index(c) for c in tip_cols],
        "pop": [fields.index(c) for c in pop_cols], "styles": styles, "notes": notes,
        "foot": " · ".join(foot_parts), "family": p.geom_family, "canvas": canvas,
        "marks": [[round(la, 6), round(lo, 6), t] for la, lo, t in p.labels],
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


def briefing_map(
    layers: Sequence[str | gpd.GeoDataFrame] | str | gpd.GeoDataFrame | None = None,
    *,
    title: str = "张江科学城 规划图",
    subtitle: str | None = None,
    basemap: Basemap = "osm",
    language: Literal["zh", "en"] = "zh",
    highlight: str | Sequence[str] | None = None,
    extra: Sequence[gpd.GeoDataFrame | tuple[gpd.GeoDataFrame, st.Style | dict]] | None = None,
    date: str | _dt.date | None = None,
    min_zoom: int = 9,
    max_zoom: int = 18,
    simplify_m: float | None = None,
    renderer: Literal["auto", "svg", "canvas"] = "auto",
) -> folium.Map:
    """Draw the science city's layers as a briefing map (folium) in the zjgis house style.

    Parameters
    ----------
    layers : sequence of str or GeoDataFrame, optional
        Catalog layer names (:func:`zjgis.layers.load`) or frames carrying the
        catalog's ``attrs`` (``layer``, ``title_zh``, ``title_en``, ``kind``,
        ``accuracy``, ``source``, ``licence``).  None draws every catalog layer;
        ``[]`` draws only ``extra``.
    title, subtitle : str
        Title block text (escaped).
    basemap : {"osm", "amap", "none"}
        OpenStreetMap tiles; Amap/Gaode tiles, which are in GCJ-02, so every
        vector layer is shifted WGS-84 → GCJ-02 (:func:`zjgis.crs.convert`) and
        the legend says so; or no tiles at all (a blank background that needs
        no network).
    language : {"zh", "en"}
        Language of legend, title block, tooltips' field labels.
    highlight : str or sequence of str, optional
        Layer names to emphasise (double line width, drawn on top) or feature
        names (``name``/``station``/… values) to outline; the map opens on them.
    extra : sequence, optional
        Analysis results: GeoDataFrames, or ``(gdf, style)`` pairs where style is
        a :class:`~zjgis.maps.Style`, a dict of its fields, or the result of
        :func:`~zjgis.maps.choropleth`.  Titles and accuracy come from
        ``style.title`` / ``gdf.attrs``.
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
    folium.Map
        With Leaflet as the only external asset; save it with
        :func:`zjgis.maps.save` (offline by default).

    Raises
    ------
    ValidationError
        Bad ``basemap``/``language``/``extra``/``highlight`` or style columns.
    CRSError
        A layer without CRS.

    Notes
    -----
    Coordinates are rounded to 6 decimals (≈ 0.1 m) after simplification.
    One pixel at zoom *z* and latitude φ is ``2π·6378137·cos φ / (256·2^z)`` metres.
    """
    language = prep.check_language(language)
    if basemap not in BASEMAPS:
        msg = f"basemap must be one of {sorted(BASEMAPS)}, got {basemap!r}"
        raise ValidationError(msg)
    if renderer not in ("auto", "svg", "canvas"):
        msg = f"renderer must be 'auto', 'svg' or 'canvas', got {renderer!r}"
        raise ValidationError(msg)
    texts = _TEXT[language]
    bm = BASEMAPS[basemap]
    frames = prep.resolve(layers)  # None: every catalog layer; [] for extra= only
    prepared = prep.prepare(frames, extra, language=language)
    if not prepared:
        msg = "nothing to draw: no layers and no extra"
        raise ValidationError(msg)
    prepared, _ = prep.apply_highlight(prepared, highlight)
    if bm["frame"] == "GCJ-02":
        prepared = [_shift_gcj(p) for p in prepared]
    bounds = prep.bounds_of(prepared)
    focus = prep.bounds_of(prepared, only_highlight=True) if highlight else None
    if focus is None:  # open on the science city when it is drawn, not on all of Shanghai
        city = [p for p in prepared if p.name in ("science_city_2022", "science_city_2017")]
        focus = prep.bounds_of(city) if city else None
    if bounds is None:
        bounds = np.array([121.55, 31.15, 121.70, 31.25])
    centre_lat = float((bounds[1] + bounds[3]) / 2)
    tol_m = pixel_size_m(max_zoom, centre_lat) if simplify_m is None else float(simplify_m)
    if tol_m < 0:
        msg = f"simplify_m must be >= 0, got {simplify_m}"
        raise ValidationError(msg)
    tolerance_deg = tol_m / _M_PER_DEG_LAT
    total = sum(len(p.gdf) for p in prepared)
    canvas = renderer == "canvas" or (renderer == "auto" and total > 3000)

    m = BriefingMap(
        location=[centre_lat, float((bounds[0] + bounds[2]) / 2)],
        tiles=None, zoom_start=12, min_zoom=min_zoom, max_zoom=max_zoom,
        control_scale=False, prefer_canvas=False,
    )
    # a briefing needs Leaflet only: drop jQuery, Bootstrap, Font Awesome, awesome-markers
    m.default_js = [("leaflet", LEAFLET_JS_URL)]
    m.default_css = [("leaflet_css", LEAFLET_CSS_URL)]
    slots = m.zjgis_slots  # every text goes in after rendering, never as template source
    m.get_root().title = slots.put(html_text(title))
    m.add_child(_Assets(slots))
    if bm["url"]:
        m.add_child(_Tiles(slots, {"url": bm["url"], "attr": bm["attr"],
                                   "subdomains": bm["subdomains"], "maxZoom": max_zoom,
                                   "maxNativeZoom": bm["max_zoom"]}))
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
                                             entries=p.entries, symbol=_symbol(p)))
    # legend footnotes: what each accuracy class on the map means (once), GCJ-02 shift
    classes = [c for c in st.ACCURACY_LABELS if any(p.accuracy == c for p in prepared)]
    sep = "：" if language == "zh" else ": "
    notes = [f"{st.accuracy_text(c, language)}{sep}{st.accuracy_text(c, language, long=True)}"
             for c in classes]
    if bm["frame"] == "GCJ-02":
        notes.append(texts["gcj"])
    legend = st.legend_html(sections, language=language, notes=notes)
    day = date.isoformat() if isinstance(date, _dt.date) else (date or _dt.date.today().isoformat())
    sources = prep.sources_text(prepared, language)
    title_parts = [f"<h1>{html.escape(title)}</h1>"]
    if subtitle:
        title_parts.append(f"<h2>{html.escape(subtitle)}</h2>")
    meta = [f"{texts['date']}：{html.escape(str(day))}" if language == "zh"
            else f"{texts['date']}: {html.escape(str(day))}"]
    meta.append(f"{texts['basemap']}{sep}" + html.escape(bm["text"] or texts["nobasemap"]))
    meta.append(html.escape(texts["zjgis"]))
    title_parts.append('<div class="zj-meta">' + "<br>".join(meta))
    if sources:  # long provenance text: folded, opens on click (plain HTML, no script)
        items = "".join(f"<li>{html.escape(s)}</li>" for s in sources)
        title_parts.append(f'<details class="zj-sources"><summary>{texts["sources"]} '
                           f"({len(sources)})</summary><ul>{items}</ul></details>")
    title_parts.append("</div>")
    fb = _framed(focus if focus is not None else bounds)
    view = {"bounds": [[float(fb[1]), float(fb[0])], [float(fb[3]), float(fb[2])]]}
    m.add_child(_Panels(slots, "".join(title_parts), legend, view))
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    m.fit_bounds(view["bounds"])
    log.info("briefing map: %d layers, %d features, basemap %s, simplify %.2f m, %s renderer",
             len(prepared), total, basemap, tol_m, "canvas" if canvas else "svg")
    m.zjgis_layers = [p.name for p in prepared]  # type: ignore[attr-defined]
    return m
