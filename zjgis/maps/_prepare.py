"""Shared by the briefing map and the static figure: resolve layers, styles and legend."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from zjgis._log import get_logger
from zjgis._validate import require_crs, require_finite_coords, require_lonlat_range
from zjgis.errors import SampleDataWarning, SchematicDataWarning, ValidationError
from zjgis.layers import worst_accuracy
from zjgis.maps import style as st

log = get_logger(__name__)

LANGUAGES = ("zh", "en")

#: Display names of well-known columns: column -> (中文, English).
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "name": ("名称", "Name"),
    "name_en": ("英文名", "English name"),
    "adcode": ("行政区划代码", "Admin code"),
    "code": ("统计代码", "Statistical code"),
    "community_id": ("社区编号", "Community ID"),
    "street_town": ("所在街镇", "Street/town"),
    "industries": ("产业（代码）", "Industries (keys)"),
    "industries_zh": ("主导产业", "Industries"),
    "zone": ("分区", "Zone"),
    "label_zh": ("名称", "Label"),
    "role": ("功能定位", "Role"),
    "block": ("片区", "Block"),
    "district": ("所在区", "District"),
    "station": ("站名", "Station"),
    "line": ("线路", "Line"),
    "lines": ("线路", "Lines"),
    "accuracy": ("精度", "Accuracy"),
    "source": ("来源", "Source"),
    "status": ("状态", "Status"),
    "area_ha": ("面积（公顷）", "Area (ha)"),
    "area_mu": ("面积（亩）", "Area (mu)"),
    "area_km2": ("面积（平方公里）", "Area (km²)"),
    "ratio": ("比值", "Ratio"),
    "jobs": ("就业岗位", "Jobs"),
    "workers": ("就业人口", "Resident workers"),
    "population": ("人口", "Population"),
    "class_zh": ("类别", "Class"),
    "home": ("居住地", "Home zone"),
    "work": ("工作地", "Work zone"),
    "count": ("人数", "Commuters"),
    "length_m": ("长度（米）", "Length (m)"),
}

#: Catalog layers drawn when ``layers=None`` and the catalog cannot list them (drawing order).
KIND_ORDER = ("boundary", "admin", "axis_zone", "community", "park", "axis", "extra",
              "park_point", "station")


def column_label(column: str, language: str) -> str:
    """Display label of a column."""
    pair = COLUMN_LABELS.get(column)
    if pair is None:
        return column
    return pair[0] if language == "zh" else pair[1]


@dataclass
class Prepared:
    """One layer ready to draw (lon/lat, cleaned) with everything the legend needs."""

    name: str
    title: str
    kind: str
    accuracy: str | None
    source: str | None
    licence: str | None
    gdf: gpd.GeoDataFrame
    style: st.Style
    colours: np.ndarray
    entries: list[st.LegendEntry]
    geom_family: str  # polygon | line | point
    highlight: bool = False
    labels: list[tuple[float, float, str]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)


def check_language(language: str) -> Literal["zh", "en"]:
    """Validate the ``language`` option."""
    if language not in LANGUAGES:
        msg = f"language must be one of {LANGUAGES}, got {language!r}"
        raise ValidationError(msg)
    return "zh" if language == "zh" else "en"


def _catalog():
    from zjgis import layers as catalog  # imported lazily: maps work on frames without it

    return catalog


def load_catalog_layer(name: str) -> gpd.GeoDataFrame:
    """Load one catalog layer; its accuracy warnings are shown on the map instead."""
    catalog = _catalog()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SchematicDataWarning)
        warnings.simplefilter("ignore", SampleDataWarning)
        return catalog.load(name)


def catalog_names() -> list[str]:
    """Names of every catalog layer, in the catalog's order."""
    return [str(n) for n in _catalog().list_layers()["name"]]


def resolve(layers: Sequence[str | gpd.GeoDataFrame] | str | gpd.GeoDataFrame | None
            ) -> list[gpd.GeoDataFrame]:
    """Turn ``layers=`` (None, names, frames) into frames carrying catalog attrs."""
    if layers is None:
        layers = catalog_names()
    elif isinstance(layers, (str, gpd.GeoDataFrame)):
        layers = [layers]
    out = []
    for i, item in enumerate(layers):
        if isinstance(item, str):
            gdf = load_catalog_layer(item)
            gdf.attrs.setdefault("layer", item)
        elif isinstance(item, gpd.GeoDataFrame):
            gdf = item
        else:
            msg = (f"layers[{i}] is a {type(item).__name__}; give catalog layer names "
                   "or GeoDataFrames")
            raise ValidationError(msg)
        out.append(gdf)
    return out


def _family(gdf: gpd.GeoDataFrame) -> str:
    types = set(gdf.geom_type.dropna().unique())
    if types <= {"Point", "MultiPoint"}:
        return "point"
    if types <= {"LineString", "MultiLineString", "LinearRing"}:
        return "line"
    return "polygon"


def to_lonlat(gdf: gpd.GeoDataFrame, label: str) -> gpd.GeoDataFrame:
    """Return the frame in EPSG:4326 without missing/empty geometries (attrs kept)."""
    require_crs(gdf, label)
    require_finite_coords(gdf, label)  # a NaN vertex: GEOSException or a point at -9e12
    require_lonlat_range(gdf, label)  # metres labelled EPSG:4326, swapped lat/lon
    attrs = dict(gdf.attrs)
    crs = pyproj.CRS.from_user_input(gdf.crs)
    out = gdf if crs.equals(pyproj.CRS.from_epsg(4326)) else gdf.to_crs(4326)
    geoms = out.geometry.values
    keep = ~(shapely.is_missing(np.asarray(geoms)) | shapely.is_empty(np.asarray(geoms)))
    if not keep.all():
        log.info("%s: %d features without geometry are not drawn", label, int((~keep).sum()))
        out = out[keep]
    out = out.copy()
    out.attrs = attrs
    return out


def prepare(
    frames: Sequence[gpd.GeoDataFrame],
    extra: Sequence[Any] | None,
    *,
    language: str,
) -> list[Prepared]:
    """Resolve names, titles, kinds, styles and colours of catalog layers and extras."""
    items: list[tuple[gpd.GeoDataFrame, st.Style | None, bool]] = [(g, None, False)
                                                                    for g in frames]
    for i, item in enumerate(extra or []):
        if isinstance(item, gpd.GeoDataFrame):
            items.append((item, None, True))
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], gpd.GeoDataFrame):
            items.append((item[0], st.Style.coerce(item[1]), True))
        else:
            msg = (f"extra[{i}] must be a GeoDataFrame or a (GeoDataFrame, style) pair, "
                   f"got {type(item).__name__}")
            raise ValidationError(msg)
    out: list[Prepared] = []
    used: set[str] = set()
    for i, (gdf, spec, is_extra) in enumerate(items):
        attrs = dict(gdf.attrs)
        name = str(attrs.get("layer") or (f"extra_{i}" if is_extra else f"layer_{i}"))
        base = name
        j = 2
        while name in used:
            name = f"{base}_{j}"
            j += 1
        used.add(name)
        kind = str(attrs.get("kind") or "extra") if not is_extra else "extra"
        lonlat = to_lonlat(gdf, name)
        if spec is None:
            spec = st.kind_style(kind, base)
        title = spec.title or attrs.get("title_zh" if language == "zh" else "title_en") \
            or attrs.get("title_zh") or attrs.get("title_en") or name
        if language == "en":
            title = st.words(str(title))
        accuracy = attrs.get("accuracy") or spec.accuracy
        if accuracy is None and "accuracy" in lonlat.columns and len(lonlat):
            vals = lonlat["accuracy"].dropna().astype(str).unique()
            # the layer is as good as its worst feature (THE ranking is zjgis.layers')
            accuracy = worst_accuracy(vals) or (vals[0] if len(vals) == 1 else None)
        colours, entries = st.feature_colours(kind, lonlat, spec)
        entries = _display_entries(entries, language)
        labels: list[tuple[float, float, str]] = []
        if kind == "axis_zone" and len(lonlat):
            pts = shapely.point_on_surface(np.asarray(lonlat.geometry.values))
            for pt, (_, row) in zip(pts, lonlat.iterrows()):
                text = row.get("label_zh") or row.get("name") or row.get("zone")
                if text is None or (isinstance(text, float) and np.isnan(text)):
                    continue
                text = str(text)
                if language == "en" and row.get("zone") is not None:
                    text = f"{text} ({st.words(str(row.get('zone')).capitalize())})"
                labels.append((shapely.get_y(pt), shapely.get_x(pt), text))
        out.append(Prepared(
            name=name, title=str(title), kind=kind, accuracy=None if accuracy is None
            else str(accuracy), source=attrs.get("source"), licence=attrs.get("licence"),
            gdf=lonlat, style=spec, colours=colours, entries=entries,
            geom_family=_family(lonlat) if len(lonlat) else "polygon", labels=labels,
            attrs=attrs))
    _add_extension(out, language)
    order = {k: i for i, k in enumerate(KIND_ORDER)}
    # stable: catalog kinds in drawing order (polygons under lines under points), extras
    # above polygons; boundaries drawn last so outlines are never hidden by fills
    out.sort(key=lambda p: (_draw_rank(p, order)))
    return out


def _draw_rank(p: Prepared, order: dict[str, int]) -> int:
    if p.kind == "boundary":
        return 6  # outlines over fills, under points
    if p.kind == "extra":
        return {"polygon": 4, "line": 6, "point": 7}[p.geom_family]
    return order.get(p.kind, 5)


def _display_entries(entries: list[st.LegendEntry], language: str) -> list[st.LegendEntry]:
    out = []
    for e in entries:
        label = e.label
        if label.startswith("line:"):
            label = st.line_label(label[5:], language)
        elif label in st.INDUSTRY_PALETTE:
            label = st.industry_label(label, language)
        elif language == "en":
            label = st.words({"其他/缺失": "other/missing", "缺失": "missing"}.get(label, label))
        out.append(st.LegendEntry(label, e.color, e.symbol))
    return out


def _add_extension(out: list[Prepared], language: str) -> None:
    """Add the 2022 extension (2022 minus 2017) when both science-city outlines are drawn."""
    by_name = {p.name: p for p in out}
    a, b = by_name.get("science_city_2017"), by_name.get("science_city_2022")
    if a is None or b is None or not len(a.gdf) or not len(b.gdf):
        return
    old = shapely.union_all(np.asarray(a.gdf.geometry.values))
    new = shapely.union_all(np.asarray(b.gdf.geometry.values))
    ext = shapely.difference(new, old)
    if ext.is_empty:
        return
    removed = shapely.difference(old, new)
    rows = [{"name": "2022年扩区范围" if language == "zh" else "Extension in 2022",
             "change": "added", "geometry": ext}]
    if not removed.is_empty and shapely.area(removed) > 1e-9:
        rows.append({"name": "2017年范围中调出部分" if language == "zh" else "Removed in 2022",
                     "change": "removed", "geometry": removed})
    gdf = gpd.GeoDataFrame(rows, crs="EPSG:4326")
    acc = worst_accuracy([a.accuracy, b.accuracy]) or b.accuracy or a.accuracy
    colours = np.array(["#d7301f" if c == "added" else "#6a3d9a" for c in gdf["change"]],
                       dtype=object)
    entries = [st.LegendEntry("2022年新增" if language == "zh" else "added in 2022", "#d7301f")]
    if len(rows) > 1:
        entries.append(st.LegendEntry("2022年调出" if language == "zh" else "removed in 2022",
                                      "#6a3d9a"))
    out.append(Prepared(
        name="science_city_change", title="科学城范围变化 2017→2022" if language == "zh"
        else "Science city boundary change 2017→2022", kind="extra", accuracy=acc,
        source=b.source, licence=b.licence, gdf=gdf,
        style=st.Style(weight=0, opacity=0, fill_opacity=0.15), colours=colours,
        entries=entries, geom_family="polygon",
        attrs={"derived_from": "science_city_2022 − science_city_2017"}))


def apply_highlight(prepared: list[Prepared], highlight: str | Sequence[str] | None
                    ) -> tuple[list[Prepared], list[str]]:
    """Mark highlighted layers; return extra 'highlight' layers for matched feature names."""
    if highlight is None:
        return prepared, []
    wanted = [highlight] if isinstance(highlight, str) else list(highlight)
    names = {p.name: p for p in prepared}
    missing = []
    found_features: list[str] = []
    for w in wanted:
        if w in names:
            names[w].highlight = True
            continue
        hit = False
        for p in prepared:
            for col in st.NAME_COLUMNS:
                if col in p.gdf.columns:
                    mask = p.gdf[col].astype(str) == str(w)
                    if mask.any():
                        hit = True
                        found_features.append(w)
                        prepared.append(Prepared(
                            name=f"highlight_{len(found_features)}", title=str(w), kind="extra",
                            accuracy=p.accuracy, source=p.source, licence=p.licence,
                            gdf=p.gdf[mask], style=st.Style(color="#00bcd4", weight=5,
                                                            fill=False, fill_opacity=0,
                                                            radius=9),
                            colours=np.full(int(mask.sum()), "#00bcd4", dtype=object),
                            entries=[], geom_family=p.geom_family, highlight=True))
                        break
            if hit:
                break
        if not hit:
            missing.append(w)
    if missing:
        msg = (f"highlight: {missing} is neither a layer on the map ({sorted(names)}) nor the "
               "name of a feature in it")
        raise ValidationError(msg)
    return prepared, found_features


def bounds_of(prepared: Sequence[Prepared], only_highlight: bool = False) -> np.ndarray | None:
    """Total bounds (minx, miny, maxx, maxy) of the drawn layers (highlighted ones if asked)."""
    boxes = [p.gdf.total_bounds for p in prepared
             if len(p.gdf) and (p.highlight or not only_highlight)]
    if not boxes:
        return None
    arr = np.array(boxes)
    return np.array([arr[:, 0].min(), arr[:, 1].min(), arr[:, 2].max(), arr[:, 3].max()])


def sources_text(prepared: Sequence[Prepared], language: str) -> list[str]:
    """Footnotes in plain words: each data holder once, with the layers it supplied.

    Holders are named as they write it ("© OpenStreetMap contributors, ODbL
    1.0"); accuracy classes are in the legend, and the catalog's full provenance
    (files, seeds, code licences) stays in ``zjgis layers info``.
    """
    from zjgis.maps._basemap import credit

    groups: dict[str, list[str]] = {}
    for p in prepared:
        if not (p.source or p.licence) or p.name.startswith("highlight_"):
            continue
        titles = groups.setdefault(credit(p.source, p.licence, language), [])
        if p.title not in titles:
            titles.append(p.title)
    if language == "zh":
        return [f"{who}（{'、'.join(t)}）" for who, t in groups.items()]
    return [f"{who} ({', '.join(t)})" for who, t in groups.items()]
