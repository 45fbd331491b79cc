"""Cartographic style of zjgis maps: colours and symbols by layer kind, legends, choropleths.

One style for every briefing: the same layer looks the same in the folium
briefing map (:func:`zjgis.maps.briefing_map`) and the static figure
(:func:`zjgis.maps.figure`).

* ``boundary`` — outlines only: districts thin grey, the science city 2017
  dashed purple, 2022 solid red (the 2022 extension is shaded, so the change
  is visible at a glance);
* ``admin`` — streets/towns, dotted grey outlines;
* ``community`` and ``park`` — filled by their (first) industry with the fixed
  :data:`INDUSTRY_PALETTE`;
* ``axis`` — a broad orange line; ``axis_zone`` — the three zones filled and
  labelled 中国芯 / 智能造 / 创新药;
* ``station`` — small circles in the colour of their Shanghai Metro line
  (:data:`METRO_LINE_COLOURS`); ``park_point`` — dark-blue circles;
* anything else (``extra=`` analysis results) — a :class:`Style` given by the
  caller, e.g. from :func:`choropleth`.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from zjgis.errors import ValidationError
from zjgis.layers import ACCURACY_ZH

__all__ = [
    "ACCURACY_LABELS",
    "INDUSTRY_PALETTE",
    "METRO_LINE_COLOURS",
    "ZONE_INDUSTRY",
    "Style",
    "barrier_style",
    "choropleth",
    "industry_colour",
    "kind_style",
    "legend_html",
    "line_colour",
    "LegendEntry",
]

#: Fixed industry palette: key -> (colour, 中文, English).  The same industry has
#: the same colour on every map of the science city.
INDUSTRY_PALETTE: dict[str, tuple[str, str, str]] = {
    "integrated_circuits": ("#1f5fbf", "集成电路", "Integrated circuits"),
    "biomedicine": ("#2e9e5b", "生物医药", "Biomedicine"),
    "artificial_intelligence": ("#8e44ad", "人工智能", "Artificial intelligence"),
    "advanced_manufacturing": ("#e67e22", "智能制造", "Advanced manufacturing"),
    "aerospace": ("#c0392b", "航空航天", "Aerospace"),
    "new_energy": ("#16a085", "新能源", "New energy"),
    "new_materials": ("#7f6a3c", "新材料", "New materials"),
    "digital_economy": ("#2c8fc9", "数字经济", "Digital economy"),
    "software": ("#5d6d7e", "软件信息", "Software"),
    "culture_creative": ("#d35493", "文化创意", "Culture & creative"),
    "other": ("#9a9a9a", "其他", "Other"),
}
_ZH_TO_INDUSTRY = {zh: key for key, (_, zh, _) in INDUSTRY_PALETTE.items()}
_ZH_TO_INDUSTRY.update({"智能造": "advanced_manufacturing", "高端制造": "advanced_manufacturing",
                        "创新药": "biomedicine", "中国芯": "integrated_circuits",
                        "高端装备": "advanced_manufacturing", "生物医药产业": "biomedicine"})

#: Zones of the science city's axis and the industry whose colour they take.
ZONE_INDUSTRY = {"north": "integrated_circuits", "middle": "advanced_manufacturing",
                 "south": "biomedicine"}

#: Shanghai Metro line colours (the operator's published line colours), by line key.
METRO_LINE_COLOURS: dict[str, str] = {
    "1": "#E4002B", "2": "#97D700", "3": "#FFD100", "4": "#5F259F", "5": "#AC4FC6",
    "6": "#D71671", "7": "#FF6900", "8": "#009EDB", "9": "#71C5E8", "10": "#C1A7E2",
    "11": "#76232F", "12": "#007B5F", "13": "#EF95CF", "14": "#827A04", "15": "#BCA886",
    "16": "#32D2BE", "17": "#BC796F", "18": "#C09C6B", "19": "#A5A5A5", "20": "#6CC24A",
    "21": "#A05EB5",
    "pujiang": "#B5B5B6", "maglev": "#009090", "airport_link": "#0067A5", "jinshan": "#D2A600",
}
_LINE_WORDS = {"浦江": "pujiang", "pujiang": "pujiang", "磁浮": "maglev", "maglev": "maglev",
               "机场联络": "airport_link", "airport": "airport_link", "市域机场": "airport_link",
               "金山": "jinshan", "jinshan": "jinshan"}
_UNKNOWN_LINE = "#555555"
#: Station symbol in legends: a white dot ringed in near-black, the colour of no metro line.
STATION_COLOUR = "#111111"
#: A legend section with more entries than this folds them into one swatch row.
FOLD_ABOVE = 8

#: Accuracy classes (layers catalog) -> (中文, English, explanation zh, explanation en).
ACCURACY_LABELS: dict[str, tuple[str, str, str, str]] = {
    "official": (ACCURACY_ZH["official"], "official", "官方发布数据", "published by the authority"),
    "derived": (ACCURACY_ZH["derived"], "derived", "由公开数据加工", "derived from public data"),
    "schematic": (ACCURACY_ZH["schematic"], "schematic",
                  "示意性数据，位置与范围仅供参考，不可量测",
                  "schematic: positions and extents are indicative only, not for measurement"),
    "sample": (ACCURACY_ZH["sample"], "sample", "样例数据，非真实统计",
               "sample data, not real statistics"),
}


def accuracy_text(accuracy: str | None, language: str = "zh", *, long: bool = False) -> str:
    """Return the display text of an accuracy class (unescaped)."""
    entry = ACCURACY_LABELS.get(str(accuracy or "").lower())
    if entry is None:
        return str(accuracy or ("未注明" if language == "zh" else "not stated"))
    zh, en, lzh, len_ = entry
    if long:
        return lzh if language == "zh" else len_
    return zh if language == "zh" else en


_BADGE = re.compile(r"\s*[（(]\s*(样例|示意|推导|官方|sample|schematic|derived|official)"
                    r"(数据)?\s*[)）]\s*$", re.IGNORECASE)


def strip_badge(title: str, accuracy: str | None, language: str = "zh") -> str:
    """``title`` without a trailing "（样例）"-style mark when the accuracy badge says it."""
    if not accuracy:
        return title
    m = _BADGE.search(title)
    if m and m.group(1).lower() in (accuracy_text(accuracy, "zh"),
                                    accuracy_text(accuracy, "en").lower()):
        return title[:m.start()]
    return title


def words(text: str) -> str:
    """An identifier as English words: ``"Innovation_Source"`` → ``"Innovation source"``."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+", text):
        return text
    out = text.replace("_", " ").lower()
    return out[0].upper() + out[1:]


def industry_key(value: object) -> str:
    """Return the palette key of the first industry in ``value``.

    ``value`` is a ';'-separated list of keys (``"integrated_circuits;biomedicine"``)
    or of Chinese names (``"集成电路；生物医药"``); unknown or empty gives ``"other"``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "other"
    for part in re.split(r"[;；,，、/|\s]+", str(value)):
        part = part.strip()
        if not part:
            continue
        key = part.lower()
        if key in INDUSTRY_PALETTE:
            return key
        if part in _ZH_TO_INDUSTRY:
            return _ZH_TO_INDUSTRY[part]
        for zh, k in _ZH_TO_INDUSTRY.items():
            if zh in part:
                return k
        return "other"
    return "other"


def industry_colour(value: object) -> str:
    """Return the palette colour of the first industry in ``value`` (see :func:`industry_key`)."""
    return INDUSTRY_PALETTE[industry_key(value)][0]


def line_key(value: object) -> str | None:
    """Return the :data:`METRO_LINE_COLOURS` key of the first line named in ``value``.

    Accepts ``2``, ``"2"``, ``"2号线"``, ``"Line 2"``, ``"2;7"``, ``"浦江线"``, ``"磁浮"``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip().lower()
    for word, key in _LINE_WORDS.items():
        if text.startswith(word):
            return key
    m = re.search(r"\d+", text)
    if m:
        key = str(int(m.group()))
        return key if key in METRO_LINE_COLOURS else None
    for word, key in _LINE_WORDS.items():
        if word in text:
            return key
    return None


def line_colour(value: object) -> str:
    """Return the colour of the (first) Shanghai Metro line in ``value``; dark grey if unknown."""
    key = line_key(value)
    return METRO_LINE_COLOURS.get(key, _UNKNOWN_LINE) if key else _UNKNOWN_LINE


@dataclass(frozen=True)
class Style:
    """How one layer is drawn (Leaflet path options, in Leaflet's names).

    Parameters
    ----------
    color : str
        Outline / line colour (CSS colour).
    weight : float
        Line width in screen pixels.
    opacity : float
        Line opacity, 0–1.
    fill : bool
        Whether polygons (and circles) are filled.
    fill_color : str, optional
        Fill colour; defaults to ``color``.
    fill_opacity : float
        Fill opacity, 0–1.
    dash_array : str, optional
        SVG dash pattern, e.g. ``"6 4"``.
    radius : float
        Circle-marker radius of points, screen pixels.
    column : str, optional
        Column whose value chooses the colour (with ``categories`` or ``bins``).
    categories : mapping, optional
        Value -> colour, for a categorical ``column`` (e.g. parcel status).
    bins : sequence of float, optional
        Upper bounds of the classes of a numeric ``column`` (see :func:`choropleth`).
    colors : sequence of str, optional
        One colour per class of ``bins``.
    labels : sequence of str, optional
        Legend label of each category/class (default: the value / the range).
    missing_color : str
        Colour of features whose ``column`` value is missing or unmatched.
    title : str, optional
        Legend and layer-control title (default: the layer's ``title_zh``/``title_en``
        attribute, else its name).
    tooltip, popup : sequence of str, optional
        Columns shown on hover / click (default: a name column / all columns).
    aliases : mapping of str to str, optional
        Display names of columns in tooltips and popups (``{"status": "状态"}``),
        overriding zjgis's built-in labels; columns keep their English keys.
    accuracy : str, optional
        Accuracy class of the layer (``"sample"``, ``"schematic"`` …) when its
        frame does not carry one (``attrs["accuracy"]`` or an ``accuracy``
        column): a result computed from sample inputs is sample too.
    label_column : str, optional
        Column whose values label the features on the map (default: ``name``,
        ``label_zh``, ``title``, ``project_name`` or ``parcel_id`` when present;
        ``""`` for no labels).
    show : bool
        Whether the layer is switched on when the map opens.
    """

    color: str = "#3366cc"
    weight: float = 2.0
    opacity: float = 0.9
    fill: bool = True
    fill_color: str | None = None
    fill_opacity: float = 0.35
    dash_array: str | None = None
    radius: float = 5.0
    column: str | None = None
    categories: Mapping[Any, str] | None = None
    bins: Sequence[float] | None = None
    colors: Sequence[str] | None = None
    labels: Sequence[str] | None = None
    missing_color: str = "#bdbdbd"
    title: str | None = None
    tooltip: Sequence[str] | None = None
    popup: Sequence[str] | None = None
    aliases: Mapping[str, str] | None = None
    accuracy: str | None = None
    label_column: str | None = None
    show: bool = True
    legend: tuple[LegendEntry, ...] = field(default=(), compare=False)

    @classmethod
    def coerce(cls, spec: Style | Mapping[str, Any] | None) -> Style:
        """Return ``spec`` as a :class:`Style` (a dict gives keyword arguments)."""
        if spec is None:
            return cls()
        if isinstance(spec, Style):
            return spec
        if isinstance(spec, Mapping):
            names = set(cls.__dataclass_fields__)
            unknown = sorted(set(spec) - names)
            if unknown:
                msg = f"unknown style keys {unknown}; expected some of {sorted(names)}"
                raise ValidationError(msg)
            return cls(**dict(spec))
        msg = f"a style must be a zjgis.maps.Style or a dict, got {type(spec).__name__}"
        raise ValidationError(msg)

    def leaflet(self, *, color: str | None = None, fill_color: str | None = None) -> dict:
        """Leaflet path options (camelCase) with optional colour overrides."""
        c = color or self.color
        out = {
            "color": c,
            "weight": self.weight,
            "opacity": self.opacity,
            "fill": self.fill,
            "fillColor": fill_color or self.fill_color or c,
            "fillOpacity": self.fill_opacity,
            "radius": self.radius,
        }
        if self.dash_array:
            out["dashArray"] = self.dash_array
        return out

    def with_(self, **changes: Any) -> Style:
        """Return a copy with some fields changed."""
        return replace(self, **changes)

    def feature_colours(self, frame: pd.DataFrame) -> tuple[np.ndarray, list[LegendEntry]]:
        """Colour of every feature (by ``column``) and the legend entries it needs."""
        base = self.fill_color or self.color
        n = len(frame)
        if self.column is None:
            return np.full(n, base, dtype=object), []
        if self.column not in frame.columns:
            msg = (f"style column {self.column!r} is not a column of the layer "
                   f"({list(frame.columns)})")
            raise ValidationError(msg)
        values = frame[self.column]
        if self.categories is not None:
            cats = dict(self.categories)
            colours = values.map(lambda v: cats.get(v, self.missing_color)).to_numpy(dtype=object)
            labels = list(self.labels) if self.labels else [str(k) for k in cats]
            entries = [LegendEntry(lab, col) for lab, col in zip(labels, cats.values())]
            if (~values.isin(list(cats))).any():
                entries.append(LegendEntry("其他/缺失", self.missing_color))
            return colours, entries
        if self.bins is not None and self.colors is not None:
            bins = np.asarray(self.bins, dtype="float64")
            cols = list(self.colors)
            if len(cols) != len(bins):
                msg = f"style has {len(bins)} bins but {len(cols)} colours"
                raise ValidationError(msg)
            x = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
            idx = np.searchsorted(bins, x, side="left")
            idx = np.clip(idx, 0, len(cols) - 1)
            colours = np.array([cols[i] for i in idx], dtype=object)
            colours[np.isnan(x)] = self.missing_color
            labels = list(self.labels) if self.labels else _range_labels(bins, float(np.nanmin(x))
                                                                         if n else 0.0)
            entries = [LegendEntry(lab, col) for lab, col in zip(labels, cols)]
            if np.isnan(x).any():
                entries.append(LegendEntry("缺失", self.missing_color))
            return colours, entries
        msg = f"style column {self.column!r} needs categories= or bins= and colors="
        raise ValidationError(msg)


@dataclass(frozen=True)
class LegendEntry:
    """One legend row: label (plain text, escaped when rendered), colour and symbol."""

    label: str
    color: str
    symbol: str = "fill"  # fill | line | dash | circle | outline


def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return "∞"
    if abs(x) >= 100 or float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.3g}" if abs(x) < 1 else f"{x:,.2f}"


def _range_labels(bins: np.ndarray, low: float) -> list[str]:
    out = []
    lo = low
    for hi in bins:
        out.append(f"{_fmt(lo)} – {_fmt(hi)}")
        lo = hi
    return out


def choropleth(
    gdf: pd.DataFrame,
    column: str,
    *,
    scheme: str = "quantiles",
    k: int = 5,
    cmap: str = "YlOrRd",
    title: str | None = None,
    **style: Any,
) -> tuple[pd.DataFrame, Style]:
    """Classify a numeric column with mapclassify and return ``(gdf, style)`` for ``extra=``.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer (not modified).
    column : str
        Numeric column to classify (units as in the data, e.g. ``ratio`` jobs per worker).
    scheme : str
        A mapclassify scheme: ``"quantiles"``, ``"natural_breaks"`` (Jenks),
        ``"equal_interval"``, ``"fisher_jenks"``, ``"box_plot"``, ``"std_mean"``,
        ``"headtail_breaks"``, ``"maximum_breaks"`` … (case and separators ignored).
    k : int
        Number of classes (where the scheme takes one).
    cmap : str
        Matplotlib colormap sampled for the class colours.
    title : str, optional
        Legend title.
    **style
        Further :class:`Style` fields (``weight``, ``fill_opacity``, ``tooltip`` …).

    Returns
    -------
    (geopandas.GeoDataFrame, Style)
        The frame itself and a style whose ``bins``/``colors``/``labels`` draw the
        classes; the legend shows each class range and its feature count.

    Raises
    ------
    ValidationError
        If the column is missing, not numeric, or all values are missing.

    Notes
    -----
    Classes follow mapclassify's convention: class *i* holds values
    ``bins[i-1] < x <= bins[i]`` (Rey et al., *mapclassify*, JOSS 2021).
    """
    import mapclassify
    import matplotlib as mpl

    if column not in gdf.columns:
        msg = f"choropleth: column {column!r} not in the layer ({list(gdf.columns)})"
        raise ValidationError(msg)
    values = pd.to_numeric(gdf[column], errors="coerce")
    if values.notna().sum() == 0:
        msg = f"choropleth: column {column!r} has no numeric values"
        raise ValidationError(msg)
    key = re.sub(r"[\s_\-]", "", scheme).lower()
    classifiers = {re.sub(r"_", "", name).lower(): name for name in mapclassify.CLASSIFIERS}
    if key not in classifiers:
        msg = f"choropleth: unknown scheme {scheme!r}; mapclassify offers {mapclassify.CLASSIFIERS}"
        raise ValidationError(msg)
    cls_name = classifiers[key]
    klass = getattr(mapclassify, cls_name)
    x = values.dropna().to_numpy(dtype="float64")
    try:
        classifier = klass(x, k=k)
    except TypeError:
        classifier = klass(x)
    bins = np.asarray(classifier.bins, dtype="float64")
    counts = np.asarray(classifier.counts)
    colormap = mpl.colormaps[cmap]
    n = len(bins)
    colors = [mpl.colors.to_hex(colormap(0.15 + 0.8 * i / max(n - 1, 1))) for i in range(n)]
    ranges = _range_labels(bins, float(x.min()))
    labels = [f"{r} ({c})" for r, c in zip(ranges, counts)]
    spec = Style(column=column, bins=tuple(bins), colors=tuple(colors), labels=tuple(labels),
                 title=title, weight=style.pop("weight", 1.0),
                 fill_opacity=style.pop("fill_opacity", 0.7), color=style.pop("color", "#555555"),
                 **style)
    return gdf, spec


def barrier_style(*, title: str = "河道（障碍）", **style: Any) -> Style:
    """Style of barriers (rivers, canals, rail corridors) on dead-end maps: water blue, unlabelled.

    Parameters
    ----------
    title : str
        Legend and layer-control title.
    **style
        Further :class:`Style` fields.

    Examples
    --------
    >>> barrier_style().color
    '#3b83bd'
    """
    base: dict[str, Any] = {"color": "#3b83bd", "fill_color": "#9ecae1", "fill_opacity": 0.6,
                            "weight": 1.5, "opacity": 0.9, "title": title, "label_column": ""}
    base.update(style)
    return Style(**base)


# --------------------------------------------------------------------------- by layer kind

_BOUNDARY_BY_NAME = {
    "districts": Style(color="#5b5b5b", weight=1.5, fill=False, dash_array="4 3", fill_opacity=0),
    "science_city_2017": Style(color="#6a3d9a", weight=2.5, fill=False, dash_array="8 6",
                               fill_opacity=0),
    "science_city_2022": Style(color="#d7301f", weight=3.0, fill=False, fill_opacity=0),
}

_KIND_STYLES: dict[str, Style] = {
    "boundary": Style(color="#444444", weight=2.0, fill=False, fill_opacity=0),
    "admin": Style(color="#8c8c8c", weight=1.0, fill=False, dash_array="2 3", fill_opacity=0),
    "community": Style(color="#ffffff", weight=1.0, fill_opacity=0.45),
    "axis": Style(color="#ff7f00", weight=6.0, opacity=0.85, fill=False),
    "axis_zone": Style(color="#ffffff", weight=1.0, fill_opacity=0.25),
    "park": Style(color="#333333", weight=1.2, dash_array="3 2", fill_opacity=0.45),
    "park_point": Style(color="#ffffff", weight=1.0, fill_color="#08306b", fill_opacity=0.9,
                        radius=5.0),
    "station": Style(color="#222222", weight=0.8, fill_opacity=0.95, radius=3.5),
    "rail": Style(color="#888888", weight=3.0, opacity=0.8, fill=False),
    "extra": Style(),
}

#: Columns used as the feature's heading in tooltips, in order of preference.
NAME_COLUMNS = ("name", "label_zh", "station", "title", "community_id", "zone", "id")


def kind_style(kind: str | None, name: str | None = None) -> Style:
    """Return the base :class:`Style` of a catalog layer kind (layer ``name`` may refine it)."""
    if name in _BOUNDARY_BY_NAME:
        return _BOUNDARY_BY_NAME[name]
    return _KIND_STYLES.get(str(kind or "extra"), _KIND_STYLES["extra"])


def feature_colours(kind: str, frame: pd.DataFrame, style: Style) -> tuple[np.ndarray,
                                                                          list[LegendEntry]]:
    """Fill/line colour of every feature of a catalog layer and the legend entries it needs."""
    n = len(frame)
    if style.column is not None:
        return style.feature_colours(frame)
    if kind in ("community", "park"):
        col = next((c for c in ("industries", "industries_zh") if c in frame.columns), None)
        keys = (frame[col].map(industry_key) if col else pd.Series(["other"] * n,
                                                                     index=frame.index))
        colours = keys.map(lambda k: INDUSTRY_PALETTE[k][0]).to_numpy(dtype=object)
        present = [k for k in INDUSTRY_PALETTE if k in set(keys)]
        return colours, [LegendEntry(k, INDUSTRY_PALETTE[k][0]) for k in present]
    if kind == "axis_zone":
        keys = (frame["zone"].map(lambda z: ZONE_INDUSTRY.get(str(z), "other"))
                if "zone" in frame.columns else pd.Series(["other"] * n, index=frame.index))
        colours = keys.map(lambda k: INDUSTRY_PALETTE[k][0]).to_numpy(dtype=object)
        return colours, []
    if kind in ("station", "rail"):
        lines = frame["line"] if "line" in frame.columns else pd.Series([None] * n,
                                                                         index=frame.index)
        keys = [line_key(v) for v in lines]
        colours = np.array([METRO_LINE_COLOURS.get(k, _UNKNOWN_LINE) if k else _UNKNOWN_LINE
                            for k in keys], dtype=object)
        present = sorted({k for k in keys if isinstance(k, str)}, key=lambda k: (not k.isdigit(),
                                                                int(k) if k.isdigit() else 0, k))
        return colours, [LegendEntry(f"line:{k}", METRO_LINE_COLOURS[k],
                                     "circle" if kind == "station" else "line")
                         for k in present]
    colour = style.fill_color or style.color
    return np.full(n, colour, dtype=object), []


def line_label(key: str, language: str) -> str:
    """Display name of a metro line key (``"2"`` -> ``"2号线"`` / ``"Line 2"``)."""
    names = {"pujiang": ("浦江线", "Pujiang Line"), "maglev": ("磁浮线", "Maglev"),
             "airport_link": ("机场联络线", "Airport Link"), "jinshan": ("金山铁路", "Jinshan Rwy")}
    if key in names:
        return names[key][0 if language == "zh" else 1]
    return f"{key}号线" if language == "zh" else f"Line {key}"


def industry_label(key: str, language: str) -> str:
    """Display name of an industry key."""
    _, zh, en = INDUSTRY_PALETTE.get(key, INDUSTRY_PALETTE["other"])
    return zh if language == "zh" else en


# --------------------------------------------------------------------------- legend HTML


def _swatch(entry: LegendEntry) -> str:
    c = html.escape(entry.color, quote=True)
    if entry.symbol == "circle":
        return (f'<span class="zj-sw zj-sw-c" style="background:{c}"></span>')
    if entry.symbol == "ring":
        return (f'<span class="zj-sw zj-sw-c" style="background:#fff;border:2px solid {c}">'
                "</span>")
    if entry.symbol in ("line", "dash", "outline"):
        border = "dashed" if entry.symbol == "dash" else "solid"
        width = "3px" if entry.symbol == "line" else "2px"
        if entry.symbol == "outline":
            return f'<span class="zj-sw" style="border:{width} {border} {c}"></span>'
        return (f'<span class="zj-sw zj-sw-l" style="border-top:{width} {border} {c}"></span>')
    return f'<span class="zj-sw" style="background:{c};opacity:.8"></span>'


@dataclass
class LegendSection:
    """Legend block of one layer: title, accuracy class and entries (plain text)."""

    title: str
    accuracy: str | None
    entries: list[LegendEntry]
    symbol: LegendEntry | None = None
    note: str | None = None
    key: str | None = None  # layer key: the page shows the section only while the layer is on
    hidden: bool = False


def legend_html(sections: Sequence[LegendSection], *, language: str = "zh",
                heading: str | None = None, notes: Sequence[str] = ()) -> str:
    """Render legend sections as an HTML fragment; every text is escaped."""
    heading = heading or ("图例" if language == "zh" else "Legend")
    acc_head = "精度" if language == "zh" else "accuracy"
    parts = [f'<div class="zj-legend-title">{html.escape(heading)}</div>']
    for sec in sections:
        attrs = f' data-zj-layer="{html.escape(sec.key, quote=True)}"' if sec.key else ""
        parts.append(f'<div class="zj-legend-sec"{attrs}{" hidden" if sec.hidden else ""}>')
        sym = _swatch(sec.symbol) if sec.symbol else ""
        acc = ""
        if sec.accuracy:
            cls = html.escape(str(sec.accuracy).lower(), quote=True)
            acc = (f' <span class="zj-acc zj-acc-{cls}" title="{acc_head}">'
                   f"{html.escape(accuracy_text(sec.accuracy, language))}</span>")
        title = strip_badge(sec.title, sec.accuracy, language)
        parts.append(f'<div class="zj-legend-layer">{sym}<b>{html.escape(title)}</b>'
                     f"{acc}</div>")
        if sec.note:
            parts.append(f'<div class="zj-legend-note">{html.escape(sec.note)}</div>')
        if len(sec.entries) > FOLD_ABOVE:  # many members (rail lines): one row, unfolds
            row = "".join(f'<span title="{html.escape(e.label, quote=True)}">{_swatch(e)}</span>'
                          for e in sec.entries)
            count = (f"{len(sec.entries)} 项" if language == "zh"
                     else f"{len(sec.entries)} items")
            parts.append(f'<details class="zj-fold"><summary><span class="zj-row">{row}</span> '
                         f"{html.escape(count)}</summary>")
            for e in sec.entries:
                parts.append(f'<div class="zj-legend-item">{_swatch(e)}{html.escape(e.label)}'
                             "</div>")
            parts.append("</details>")
        else:
            for e in sec.entries:
                parts.append(f'<div class="zj-legend-item">{_swatch(e)}{html.escape(e.label)}'
                             "</div>")
        parts.append("</div>")
    for note in notes:
        parts.append(f'<div class="zj-legend-note">{html.escape(note)}</div>')
    return "\n".join(parts)
