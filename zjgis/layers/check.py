"""Consistency checks of the layers — shipped ones or a planner's replacement files.

:func:`check` answers the questions a planner asks before trusting a layer set:
does the 2017 science city lie inside the 2022 one, and that inside 浦东新区?
Are the communities and streets/towns inside the 2022 area, the Putuo
sub-parks inside 普陀区, each Hi-tech park inside its district?  Do sub-parks or
communities overlap?  Do the areas and counts match the policy texts, and by
how much?

Examples
--------
>>> from zjgis import layers
>>> result = layers.check()
>>> bool(result["passed"].all())
True
>>> checks = result.set_index(["check", "layer"])
>>> checks.loc[("area", "science_city_2017"), "expected"]   # the texts: 约94–95 km²
'94–95 ± 10 %'
>>> bool(checks.loc[("union", "streets_towns{district=普陀区}"), "measured"] > 0.99)
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zjgis import crs as _crs
from zjgis._log import get_logger
from zjgis._validate import (
    geometry_problems,
    require_columns,
    require_geom_types,
    require_not_empty,
)
from zjgis.errors import ValidationError, ZjgisError
from zjgis.layers import catalog

__all__ = ["check", "OFFICIAL_AREAS_KM2", "OFFICIAL_COUNTS", "UNION_IOU_MIN"]

log = get_logger(__name__)

#: Areas stated by the texts, km²: (layer, feature filter, figure or (low, high) range, source).
OFFICIAL_AREAS_KM2: dict[str, tuple[str, str | None, float | tuple[float, float], str]] = {
    "science_city_2017": ("science_city_2017", None, (94.0, 95.0),
                          "2017 plan: 约95 km² (2017 批复); 文汇报 2017-09-18: 约94 km²"),
    "science_city_2022": ("science_city_2022", None, 220.0, "seed 000: 扩大至约220 km²"),
    "putuo_subparks": ("putuo_subparks", None, 10.08, "seed 002: 规划总面积约10.08 km²"),
    "innovation_source": ("axis_zones", "innovation_source", 25.0,
                          "core park 四至, 规划面积25 km² (secondary source)"),
}
#: Feature counts stated by the texts: layer (optionally ``layer[bool column]``, counting the
#: features where the column is true, or ``layer{column=value}``) -> (count, source).
OFFICIAL_COUNTS: dict[str, tuple[int, str]] = {
    "streets_towns{district=浦东新区}": (36, "NBS 2023 codes: 浦东新区 12 街道 + 24 镇"),
    "streets_towns{district=普陀区}": (10, "NBS 2023 codes: 普陀区 8 街道 + 2 镇"),
    "streets_towns[expansion_11]": (11, "seed 000: 扩区范围11个街镇 (which ones: a zjgis rule)"),
    "industrial_communities": (15, "seed 000: 15 个产业社区"),
    "putuo_subparks": (14, "seed 002: 14 个子园"),
    "hitech_parks": (22, "一区22园"),
}
#: Street/town units whose union must equal their district (layer ``districts``): district ->
#: smallest intersection-over-union.  Both are OSM, of different dates (geoBoundaries 2017,
#: the units 2026-08-19); 浦东新区 differs along the coast (tidal flats drawn differently,
#: 55 km² of 1 441, all > 10 km from the science city), 普陀区 by 0.25 km².
UNION_IOU_MIN: dict[str, float] = {"浦东新区": 0.95, "普陀区": 0.99}


class _Rows:
    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, check: str, layer: str, passed: bool, detail: str, measured: float,
            expected: str, unit: str) -> None:
        self.rows.append({"check": check, "layer": layer, "passed": bool(passed),
                          "detail": detail, "measured": float(measured), "expected": expected,
                          "unit": unit})


def _metric(gdf: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    return _crs.to_metric(gdf, name=name)


def _outside_m(inner: gpd.GeoDataFrame, outer_geom) -> np.ndarray:
    """Per feature of ``inner`` (metric): farthest distance (m) of its vertices from ``outer``."""
    shapely.prepare(outer_geom)
    out = np.zeros(len(inner))
    for i, geom in enumerate(inner.geometry.values):
        if geom is None or geom.is_empty:
            continue
        pts = shapely.points(shapely.get_coordinates(geom))
        out[i] = float(np.max(shapely.distance(outer_geom, pts)))
    return out


def _label(gdf: gpd.GeoDataFrame, pos: int) -> str:
    spec = catalog.SPECS.get(gdf.attrs.get("layer", ""))
    col = spec.id_column if spec and spec.id_column in gdf.columns else None
    return f"{gdf[col].iloc[pos]}" if col else f"feature {gdf.index[pos]!r}"


def _contain(rows: _Rows, inner_name: str, inner: gpd.GeoDataFrame, outer_name: str, outer_geom,
             tolerance_m: float) -> None:
    dist = _outside_m(inner, outer_geom)
    worst = int(np.argmax(dist)) if len(dist) else 0
    measured = float(dist.max()) if len(dist) else 0.0
    bad = int((dist > tolerance_m).sum())
    if bad:
        detail = (f"{bad} of {len(inner)} feature(s) reach outside {outer_name}; worst "
                  f"{_label(inner, worst)} by {measured:,.0f} m")
    else:
        detail = f"all {len(inner)} feature(s) inside {outer_name} (max {measured:.1f} m outside)"
    rows.add("within", inner_name, bad == 0, detail, measured, f"<= {tolerance_m:g}", "m")


def _no_overlap(rows: _Rows, name: str, gdf_m: gpd.GeoDataFrame, tolerance_m2: float) -> None:
    geoms = np.asarray(gdf_m.geometry.values)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    areas = shapely.area(shapely.intersection(geoms[left], geoms[right])) if left.size else \
        np.zeros(0)
    over = areas > tolerance_m2
    measured = float(areas.max()) if areas.size else 0.0
    if over.any():
        pairs = [f"{_label(gdf_m, a)} × {_label(gdf_m, b)} ({ar:,.0f} m²)"
                 for a, b, ar in zip(left[over][:3], right[over][:3], areas[over][:3])]
        detail = f"{int(over.sum())} overlapping pair(s): {'; '.join(pairs)}"
    else:
        detail = f"no overlaps among {len(gdf_m)} features (largest {measured:.1f} m²)"
    rows.add("no_overlap", name, not over.any(), detail, measured, f"<= {tolerance_m2:g}", "m2")


def check(
    layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    *,
    tolerance_m: float = 50.0,
    overlap_tolerance_m2: float = 100.0,
    area_tolerance: float = 0.10,
    raise_on_failure: bool = False,
) -> pd.DataFrame:
    """Run the consistency checks on the catalog's layers (or on frames you pass).

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame, optional
        Frames to check instead of the catalog's, by layer name (e.g. a draft
        of ``science_city_2022`` before registering it with ``use``).  Layers
        not given are loaded from the catalog, so replacement files set with
        :func:`zjgis.layers.use` or ``ZJGIS_LAYER_DIR`` are checked too.
    tolerance_m : float
        How far, in metres (EPSG:32651), a feature may reach outside the
        layer that should contain it (digitising and rounding slack).
    overlap_tolerance_m2 : float
        Largest intersection area, m², between two features of a layer whose
        features must not overlap.
    area_tolerance : float
        Allowed relative difference from the area stated by the policy texts
        (0.10 = ±10 %).  The 25 km² 创新源 core figure comes from a secondary
        source and gets twice this tolerance.
    raise_on_failure : bool
        Raise :class:`~zjgis.errors.ValidationError` (with the table as
        ``.problems``) when any check fails.

    Returns
    -------
    pandas.DataFrame
        One row per check: ``check`` (valid_geometry, within, no_overlap,
        area, count, union, load), ``layer``, ``passed`` (bool), ``detail``
        (sentence), ``measured`` (float), ``expected`` (text with the
        tolerance), ``unit``.

    Notes
    -----
    *within*: the largest distance of a feature's vertices from the
    containing polygon, planar in EPSG:32651.  *area*: geodesic area on the
    WGS-84 ellipsoid (:func:`zjgis.crs.geodesic_area`), passed when
    ``|measured / stated - 1| <= area_tolerance`` (for a stated range, against
    its nearer end).  *union*: intersection over union of the street/town
    units of a district with that district (:data:`UNION_IOU_MIN`).
    """
    given = dict(layers or {})
    rows = _Rows()
    frames: dict[str, gpd.GeoDataFrame] = {}

    def get(name: str) -> gpd.GeoDataFrame | None:
        if name in frames:
            return frames[name]
        try:
            gdf = given[name] if name in given else catalog.load(name)
        except Exception as exc:  # noqa: BLE001 - reported as a failed check
            rows.add("load", name, False, f"{type(exc).__name__}: {exc}", np.nan, "loads", "")
            frames[name] = None  # type: ignore[assignment]
            return None
        if gdf.crs is None:
            rows.add("load", name, False, "no CRS", np.nan, "a CRS", "")
            frames[name] = None  # type: ignore[assignment]
            return None
        if name in given:  # a frame passed in: the same contract as a file given to use()
            spec = catalog.SPECS.get(name)
            try:
                require_not_empty(gdf, f"layer {name!r}")
                if spec is not None:
                    require_geom_types(gdf, spec.geom_types, f"layer {name!r}")
                    require_columns(gdf, spec.columns, f"layer {name!r}")
            except ZjgisError as exc:
                rows.add("load", name, False, str(exc), np.nan, "a valid layer", "")
                frames[name] = None  # type: ignore[assignment]
                return None
        gdf = gdf.to_crs(_crs.WGS84) if not gdf.crs.equals(_crs.WGS84) else gdf
        gdf.attrs.setdefault("layer", name)
        frames[name] = gdf
        return gdf

    names = list(catalog.SPECS)
    for name in names:
        if name not in given and catalog._resolve(name) is None:
            continue
        gdf = get(name)
        if gdf is None:
            continue
        probs = geometry_problems(gdf)
        rows.add("valid_geometry", name, probs.empty,
                 "all geometries valid" if probs.empty else
                 f"{len(probs)} invalid/empty: " + "; ".join(
                     f"{_label(gdf, int(p))}: {r}" for p, r in
                     zip(probs.position[:3], probs.reason[:3])),
                 float(len(probs)), "0", "features")
        if not probs.empty:  # reported above; the overlays below run on the valid rest
            keep = np.ones(len(gdf), dtype=bool)
            keep[probs["position"].to_numpy(dtype=int)] = False
            clean = gdf[keep]
            clean.attrs = dict(gdf.attrs)
            frames[name] = clean

    def poly_of(name: str, where: Callable[[gpd.GeoDataFrame], pd.Series] | None = None,
                what: str = ""):
        gdf = get(name)
        if gdf is None:
            return None
        sel = gdf if where is None else gdf[where(gdf)]
        if sel.empty:
            rows.add("load", name, False, f"no feature {what}", np.nan, f"a feature {what}", "")
            return None
        return shapely.union_all(np.asarray(_metric(sel, name).geometry.values))

    districts = get("districts")
    if districts is not None:
        pudong = poly_of("districts", lambda d: d["name"] == "浦东新区", "named 浦东新区")
        putuo = poly_of("districts", lambda d: d["name"] == "普陀区", "named 普陀区")
    else:
        pudong = putuo = None
    sc22 = poly_of("science_city_2022")
    sc17_gdf = get("science_city_2017")

    pairs = [
        ("science_city_2017", "science_city_2022", sc22),
        ("science_city_2022", "浦东新区", pudong),
        ("industrial_communities", "science_city_2022", sc22),
        ("axis", "science_city_2022", sc22),
        ("axis_zones", "science_city_2022", sc22),
        ("putuo_subparks", "普陀区", putuo),
    ]
    for inner_name, outer_name, outer in pairs:
        inner = get(inner_name) if inner_name != "science_city_2017" else sc17_gdf
        if inner is None or outer is None:
            continue
        _contain(rows, inner_name, _metric(inner, inner_name), outer_name, outer, tolerance_m)

    parks = get("hitech_parks")
    if parks is not None and districts is not None:
        dm = _metric(districts, "districts").set_index("name")
        pm = _metric(parks, "hitech_parks")
        dist = np.full(len(pm), np.inf)
        for i, (geom, dname) in enumerate(zip(pm.geometry.values, pm["district"])):
            if dname in dm.index:
                dist[i] = shapely.distance(dm.geometry.loc[dname], geom)
        worst = int(np.argmax(dist))
        bad = int((dist > tolerance_m).sum())
        rows.add("within", "hitech_parks", bad == 0,
                 f"all {len(pm)} parks inside their district" if not bad else
                 f"{bad} park(s) outside their district (or unknown district); worst "
                 f"{_label(pm, worst)}", float(dist.max()), f"<= {tolerance_m:g}", "m")

    for name in ("putuo_subparks", "industrial_communities", "streets_towns"):
        gdf = get(name)
        if gdf is not None:
            _no_overlap(rows, name, _metric(gdf, name), overlap_tolerance_m2)

    for key, (name, zone, stated, source) in OFFICIAL_AREAS_KM2.items():
        gdf = get(name)
        if gdf is None:
            continue
        if zone is not None:
            if "zone" not in gdf.columns or not (gdf["zone"] == zone).any():
                continue  # a replacement without the 创新源 feature: nothing to compare
            gdf = gdf[gdf["zone"] == zone]
        tol = area_tolerance * (2 if key == "innovation_source" else 1)
        area = float(_crs.geodesic_area(gdf, name=name)["area_km2"].sum())
        low, high = stated if isinstance(stated, tuple) else (stated, stated)
        nearest = min(max(area, low), high)
        ok = abs(area / nearest - 1) <= tol
        figure = f"{low:g}–{high:g}" if low != high else f"{low:g}"
        rows.add("area", name if zone is None else f"{name}[{zone}]", ok,
                 f"geodesic {area:.2f} km² vs {figure} km² stated ({source}); "
                 f"{(area / nearest - 1) * 100:+.1f} %", area,
                 f"{figure} ± {tol * 100:.0f} %", "km2")

    for key, (count, source) in OFFICIAL_COUNTS.items():
        name, _, rest = key.partition("[") if "[" in key else key.partition("{")
        gdf = get(name)
        if gdf is None:
            continue
        if rest:
            selector = rest.rstrip("]}")
            column, _, value = selector.partition("=")
            if column not in gdf.columns:
                continue  # a replacement without the selection column: nothing to count
            mask = gdf[column].astype(str) == value if value else gdf[column].fillna(False)
            n = int(mask.astype(bool).sum())
        else:
            n = len(gdf)
        rows.add("count", key, n == count, f"{n} features; {source}", float(n), str(count),
                 "features")

    towns = get("streets_towns")
    if towns is not None and districts is not None and "district" in towns.columns:
        for dname, iou_min in UNION_IOU_MIN.items():
            sel = towns[towns["district"] == dname]

            def named(d: gpd.GeoDataFrame, n: str = dname) -> pd.Series:
                return d["name"] == n

            whole = poly_of("districts", named, f"named {dname}")
            if sel.empty or whole is None:
                continue
            union = shapely.union_all(np.asarray(_metric(sel, "streets_towns").geometry.values))
            inter = float(shapely.area(shapely.intersection(union, whole)))
            iou = inter / float(shapely.area(shapely.union(union, whole)))
            rows.add("union", f"streets_towns{{district={dname}}}", iou >= iou_min,
                     f"union of {len(sel)} units vs {dname} of districts: IoU {iou:.4f}, "
                     f"{float(shapely.area(shapely.symmetric_difference(union, whole))) / 1e6:.2f}"
                     " km² differ", iou, f">= {iou_min:g}", "IoU")

    out = pd.DataFrame(rows.rows, columns=["check", "layer", "passed", "detail", "measured",
                                           "expected", "unit"])
    failed = int((~out["passed"]).sum())
    log.info("layer checks: %d run, %d failed", len(out), failed)
    if raise_on_failure and failed:
        first = out[~out["passed"]].iloc[0]
        msg = (f"{failed} layer check(s) failed, first: {first['check']} {first['layer']}: "
               f"{first['detail']}")
        raise ValidationError(msg, out[~out["passed"]].reset_index(drop=True))
    return out
