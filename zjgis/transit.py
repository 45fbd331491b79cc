"""Rail-station catchments and the people and jobs beyond them (轨交站点覆盖).

Shanghai's planning indicators count the population and jobs within 600 m of a
rail station; 500 m and 800 m are the usual walking catchments elsewhere.
:func:`station_coverage` draws the service areas around stations — by walking
distance along the road network when roads are given, as circles otherwise —
and reports, zone by zone (e.g. the streets and towns of the science city),
the share of population and jobs inside and outside them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
import shapely.ops
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from zjgis import _validate
from zjgis import crs as _crs
from zjgis import network as _network
from zjgis._log import get_logger
from zjgis.errors import SampleDataWarning, SchematicDataWarning, ValidationError

__all__ = ["StationCoverage", "station_coverage", "DEFAULT_DISTANCES_M"]

log = get_logger(__name__)

#: Catchment distances reported by default (metres).
DEFAULT_DISTANCES_M: tuple[int, ...] = (300, 500, 600, 800)
_ACCURACY_ORDER = ("official", "derived", "schematic", "sample")


@dataclass(eq=False)
class StationCoverage:
    """Result of :func:`station_coverage`.

    Attributes
    ----------
    areas : geopandas.GeoDataFrame
        One row per distance: ``distance_m``, ``method`` (``network`` or
        ``buffer``), ``area_km2`` (geodesic), geometry (the dissolved service
        area of all stations), in the stations' CRS.
    zones : geopandas.GeoDataFrame
        The zones (input index and columns kept) with, for each variable
        ``v`` in ``population``/``jobs`` given and each distance ``d``:
        ``v_total``, ``v_in_{d}m``, ``v_share_{d}m`` (0–1) and
        ``v_outside_{d}m`` (the catchment gap), plus ``accuracy`` (the least
        accurate class among the inputs).
    stations : geopandas.GeoDataFrame
        The stations with ``access_node`` and ``access_m`` (straight distance
        to the nearest network node; NaN without roads).
    """

    areas: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame

    def __repr__(self) -> str:
        d = ", ".join(f"{int(x)}" for x in self.areas["distance_m"])
        return (f"StationCoverage({len(self.stations)} stations, {len(self.zones)} zones, "
                f"distances {d} m, method {self.areas['method'].iloc[0]})")


def _accuracy(frame) -> str | None:
    if frame is None or isinstance(frame, str):
        return None
    values = set()
    if isinstance(frame, pd.DataFrame) and "accuracy" in frame.columns:
        values |= set(frame["accuracy"].dropna().astype(str))
    attrs = getattr(frame, "attrs", {}) or {}
    if isinstance(attrs.get("accuracy"), str):
        values.add(attrs["accuracy"])
    ranked = [a for a in _ACCURACY_ORDER if a in values]
    return ranked[-1] if ranked else None


def station_coverage(
    stations: gpd.GeoDataFrame,
    *,
    roads: gpd.GeoDataFrame | _network.RoadGraph | None = None,
    walk_m: float = 800.0,
    zones: gpd.GeoDataFrame | None = None,
    population: gpd.GeoDataFrame | str | None = None,
    jobs: gpd.GeoDataFrame | str | None = None,
    distances_m: Sequence[float] = DEFAULT_DISTANCES_M,
    population_column: str = "population",
    jobs_column: str = "jobs",
    access_m: float = 150.0,
    service_buffer_m: float = 50.0,
) -> StationCoverage:
    """Service areas around rail stations and the share of people and jobs inside them.

    Parameters
    ----------
    stations : geopandas.GeoDataFrame
        Station points (e.g. ``zjgis.layers.load("rail_stations")``).
    roads : GeoDataFrame or RoadGraph, optional
        Walkable road network.  Given: catchments follow network distance.
        Omitted: circles (straight-line buffers) of each distance.
    walk_m : float
        The main walking distance (metres); always among the distances reported.
    zones : geopandas.GeoDataFrame, optional
        Polygons to report by (e.g. streets/towns).  Omitted: one zone ``all``
        holding every point of ``population``/``jobs``.
    population, jobs : GeoDataFrame or str, optional
        Either points with a count column (``population_column`` /
        ``jobs_column``; each point counts 1 when the column is missing), or
        the name of a column of ``zones`` holding the zone totals, spread
        evenly over each zone's area.
    distances_m : sequence of float
        Catchment distances to report (metres); default 300, 500, 600, 800.
    population_column, jobs_column : str
        Count columns of point layers.
    access_m : float
        A station is joined to every network node within this straight
        distance (metres) — and always to the nearest node — with the straight
        distance added to the walk.
    service_buffer_m : float
        Half-width (metres) of the band along reached streets that makes a
        network service area (plots front onto streets).

    Returns
    -------
    StationCoverage
        ``areas``, ``zones`` and ``stations`` frames (see the class).

    Raises
    ------
    GeometryError
        ``stations`` empty or not points; ``zones`` not polygons.
    CRSError
        A layer has no CRS.
    ValidationError
        A count column is missing, or a zone column is named without ``zones``.

    Warns
    -----
    SampleDataWarning
        When an input is sample data (``accuracy == "sample"``).
    SchematicDataWarning
        When an input is schematic (e.g. a schematic boundary).

    Notes
    -----
    Network service area for distance *d*: a multi-source Dijkstra
    (:func:`scipy.sparse.csgraph.dijkstra`, ``limit = max(d)``) from a virtual
    source joined to the access nodes gives the walking distance
    :math:`t(n)` to every node; along an edge (u, v) of length *L* the parts
    within :math:`d - t(u)` of *u* and :math:`d - t(v)` of *v* are reached;
    the area is the union of those parts buffered by ``service_buffer_m``.
    Areal weighting of zone totals assumes even density inside a zone
    (share = area inside / zone area).
    """
    _validate.require_not_empty(stations, "stations")
    _validate.require_crs(stations, "stations")
    _validate.require_geom_types(stations, ("Point",), "stations",
                                 hint="Give station points (use .centroid for station polygons)")
    dists = sorted({float(d) for d in distances_m} | {float(walk_m)})
    if dists[0] <= 0:
        msg = f"distances_m must be positive metres, got {dists}"
        raise ValidationError(msg)
    _warn_accuracy({"stations": stations, "roads": roads if not isinstance(
        roads, _network.RoadGraph) else None, "zones": zones, "population": population,
        "jobs": jobs})
    if isinstance(roads, _network.RoadGraph):
        rg = roads
    elif roads is not None:
        rg = _network.build_graph(roads)
    else:
        rg = None
    metric = rg.crs if rg is not None else pyproj.CRS.from_user_input(_crs.METRIC)
    st = stations.to_crs(metric)
    st_xy = st.get_coordinates().to_numpy()
    st_out = stations.copy()
    if rg is None:
        geoms = [shapely.union_all(shapely.buffer(shapely.points(st_xy), d, quad_segs=16))
                 for d in dists]
        st_out["access_node"] = -1
        st_out["access_m"] = np.nan
        method = "buffer"
    else:
        geoms, node, acc = _network_areas(rg, st_xy, dists, access_m, service_buffer_m)
        st_out["access_node"] = node
        st_out["access_m"] = acc
        method = "network"
    areas = gpd.GeoDataFrame({"distance_m": dists, "method": method},
                             geometry=gpd.array.from_shapely(np.array(geoms, dtype=object),
                                                             crs=metric))
    areas["area_km2"] = _crs.geodesic_area(areas)["area_km2"].to_numpy()
    zone_table = _zone_shares(areas, zones, population, jobs, population_column, jobs_column,
                              metric)
    acc = [a for a in (_accuracy(x) for x in (stations, zones, population, jobs,
                                              None if isinstance(roads, _network.RoadGraph)
                                              else roads)) if a]
    zone_table["accuracy"] = max(acc, key=_ACCURACY_ORDER.index) if acc else None
    log.info("coverage of %d stations (%s) over %d zones at %s m", len(stations), method,
             len(zone_table), ", ".join(f"{d:g}" for d in dists))
    return StationCoverage(areas.to_crs(stations.crs), zone_table, st_out)


def _warn_accuracy(inputs: dict) -> None:
    sample = [k for k, v in inputs.items() if _accuracy(v) == "sample"]
    schematic = [k for k, v in inputs.items() if _accuracy(v) == "schematic"]
    if sample:
        warnings.warn(f"station coverage uses sample data ({', '.join(sample)}): the shares "
                      "are a demonstration, not real statistics", SampleDataWarning,
                      stacklevel=3)
    if schematic:
        warnings.warn(f"station coverage uses schematic geometry ({', '.join(schematic)})",
                      SchematicDataWarning, stacklevel=3)


def _network_areas(rg, st_xy, dists, access_m, service_buffer_m):
    xy = rg.nodes[["x", "y"]].to_numpy()
    n = len(xy)
    tree = cKDTree(xy)
    near_d, near_i = tree.query(st_xy)
    rows, cols, w = [], [], []
    for s, nodes in enumerate(tree.query_ball_point(st_xy, access_m)):
        nodes = set(nodes) | {int(near_i[s])}
        for j in nodes:
            rows.append(n)
            cols.append(j)
            w.append(max(float(np.hypot(*(xy[j] - st_xy[s]))), 1e-6))
    m = rg.matrix.tocoo()
    big = sparse.csr_matrix(
        (np.r_[m.data, w], (np.r_[m.row, rows], np.r_[m.col, cols])), shape=(n + 1, n + 1))
    t = csgraph.dijkstra(big, directed=False, indices=n, limit=max(dists))[:n]
    e = rg.edges
    u, v = e["u"].to_numpy(), e["v"].to_numpy()
    length = e["length_m"].to_numpy()
    lines = rg.edge_geoms
    geoms = []
    for d in dists:
        ru = np.clip(d - t[u], 0, None)
        rv = np.clip(d - t[v], 0, None)
        whole = ru + rv >= length
        parts = list(lines[whole])
        for i in np.nonzero(~whole & (ru > 0))[0]:
            parts.append(shapely.ops.substring(lines[i], 0, ru[i]))
        for i in np.nonzero(~whole & (rv > 0))[0]:
            parts.append(shapely.ops.substring(lines[i], length[i] - rv[i], length[i]))
        geoms.append(shapely.union_all(shapely.buffer(np.array(parts, dtype=object),
                                                      service_buffer_m)) if parts
                     else shapely.Polygon())
    return geoms, near_i.astype(np.int64), near_d


def _values(layer, column: str, name: str, metric):
    if not isinstance(layer, gpd.GeoDataFrame):
        msg = f"{name} must be a GeoDataFrame of points or the name of a zones column"
        raise ValidationError(msg)
    _validate.require_crs(layer, name)
    _validate.require_geom_types(layer, ("Point",), name)
    pts = layer.to_crs(metric)
    if column in pts.columns:
        val = pd.to_numeric(pts[column], errors="coerce").fillna(0).to_numpy(dtype=float)
    else:
        log.info("%s has no column %r: each point counts 1", name, column)
        val = np.ones(len(pts))
    return np.asarray(pts.geometry.values, dtype=object), val


def _zone_shares(areas, zones, population, jobs, pop_col, jobs_col, metric):
    if zones is not None:
        _validate.require_crs(zones, "zones")
        _validate.require_not_empty(zones, "zones")
        _validate.require_geom_types(zones, ("Polygon", "MultiPolygon"), "zones")
        out = zones.copy()
        zgeom = np.asarray(zones.to_crs(metric).geometry.values, dtype=object)
    else:
        out = gpd.GeoDataFrame({"zone": ["all"]}, geometry=[None], crs=areas.crs)
        zgeom = None
    area_geoms = np.asarray(areas.geometry.values, dtype=object)
    dists = areas["distance_m"].to_numpy()
    for var, layer, col in (("population", population, pop_col), ("jobs", jobs, jobs_col)):
        if layer is None:
            continue
        if isinstance(layer, str):
            if zones is None:
                msg = f"{var}={layer!r} names a zones column, but no zones were given"
                raise ValidationError(msg)
            _validate.require_columns(zones, [layer], "zones")
            total = pd.to_numeric(zones[layer], errors="coerce").fillna(0).to_numpy(float)
            zarea = shapely.area(zgeom)
            inside = {d: total * np.divide(shapely.area(shapely.intersection(zgeom, g)), zarea,
                                           out=np.zeros(len(zarea)), where=zarea > 0)
                      for d, g in zip(dists, area_geoms)}
        else:
            pts, val = _values(layer, col, var, metric)
            if zgeom is None:
                zone_of = np.zeros(len(pts), dtype=np.int64)
            else:
                pi, zi = shapely.STRtree(zgeom).query(pts, predicate="intersects")
                zone_of = np.full(len(pts), -1, dtype=np.int64)
                zone_of[pi[::-1]] = zi[::-1]  # first zone wins
            ok = zone_of >= 0
            nz = len(out)
            total = np.bincount(zone_of[ok], weights=val[ok], minlength=nz)
            inside = {}
            for d, g in zip(dists, area_geoms):
                shapely.prepare(g)
                hit = ok & shapely.intersects(g, pts)
                inside[d] = np.bincount(zone_of[hit], weights=val[hit], minlength=nz)
        out[f"{var}_total"] = total
        for d in dists:
            tag = f"{int(d)}m" if float(d).is_integer() else f"{d:g}m"
            out[f"{var}_in_{tag}"] = inside[d]
            out[f"{var}_share_{tag}"] = np.divide(inside[d], total, out=np.full(len(total),
                                                  np.nan), where=total > 0)
            out[f"{var}_outside_{tag}"] = total - inside[d]
    return out
