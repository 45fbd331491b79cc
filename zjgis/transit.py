"""Rail-station catchments and the people and jobs beyond them (轨交站点覆盖).

Shanghai's planning indicators count the population and jobs within 600 m of a
rail station; 500 m and 800 m are the usual walking catchments elsewhere.
:func:`station_coverage` draws the service areas around stations — by walking
distance along the road network when roads are given, as circles otherwise —
and reports, zone by zone (e.g. the streets and towns of the science city),
the share of population and jobs inside and outside them.

Stations and points join the network at the nearest point on a street (not the
nearest junction), every catchment comes from one bounded multi-source search,
and distances are measured in the input's own metric CRS or in a projection
centred on the data (``areas.attrs["metric_crs"]``).  Layers must share one CRS
(:func:`zjgis._validate.require_same_crs`); counts follow
:func:`zjgis._validate.require_counts` (a missing count raises, never 0).

Examples
--------
Network catchments of two stations on the shipped sample roads:

>>> import warnings
>>> import zjgis.io as zio
>>> import zjgis.network as zn
>>> roads = zio.read(zn.sample_path("roads"))
>>> pts = zio.read(zn.sample_path("population_jobs"))
>>> stations = pts.head(2)[["geometry"]]
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")  # the sample is labelled sample data
...     cov = station_coverage(stations, roads=roads, population=pts, distances_m=[500])
>>> cov.areas["distance_m"].tolist(), cov.areas["method"].iloc[0]
([500.0, 800.0], 'network')
>>> bool((cov.zones["population_share_500m"] <= cov.zones["population_share_800m"]).all())
True
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from zjgis import _validate
from zjgis import crs as _crs
from zjgis import layers as _layers
from zjgis import network as _network
from zjgis._log import Stages, get_logger, stages
from zjgis.errors import (
    CRSError,
    DataQualityWarning,
    GeometryError,
    SampleDataWarning,
    SchematicDataWarning,
    ValidationError,
)

__all__ = ["StationCoverage", "station_coverage", "DEFAULT_DISTANCES_M"]

log = get_logger(__name__)

#: Stations from which building the service-area polygons shows a stage bar.
_AREAS_BAR_STATIONS = 100

#: Catchment distances reported by default (metres).
DEFAULT_DISTANCES_M: tuple[int, ...] = (300, 500, 600, 800)


class StationCoverage:
    """Result of :func:`station_coverage`.

    Attributes
    ----------
    areas : geopandas.GeoDataFrame
        One row per distance: ``distance_m``, ``method`` (``network`` or
        ``buffer``), ``area_km2`` (geodesic), geometry (the dissolved service
        area of all stations), in the stations' CRS.  ``attrs["metric_crs"]``:
        the CRS distances were measured in.  Built on first access (the
        polygons are the slow part; the coverage figures do not need them).
    zones : geopandas.GeoDataFrame
        The zones (input index and columns kept) with, for each variable
        ``v`` in ``population``/``jobs`` given and each distance ``d``:
        ``v_total``, ``v_in_{d}m``, ``v_share_{d}m`` (0–1) and
        ``v_outside_{d}m`` (the catchment gap), plus ``accuracy`` (the least
        accurate class among the inputs).
    stations : geopandas.GeoDataFrame
        The stations with ``access_edge`` (row of the graph's edges it joins),
        ``access_node`` (the nearer end of that edge) and ``access_m``
        (straight distance to the nearest street point); -1 / NaN without roads.
    distances_m : tuple of float
        The distances reported (metres).
    method : str
        ``"network"`` or ``"buffer"``.
    metric_crs : str
        The CRS distances were measured in.
    """

    def __init__(self, zones: gpd.GeoDataFrame, stations: gpd.GeoDataFrame, *,
                 distances_m: Sequence[float], method: str, metric_crs: str,
                 build_areas: Callable[[], tuple[gpd.GeoDataFrame, list]]) -> None:
        self.zones = zones
        self.stations = stations
        self.distances_m = tuple(float(d) for d in distances_m)
        self.method = method
        self.metric_crs = metric_crs
        self._build_areas = build_areas

    @cached_property
    def _built(self) -> tuple[gpd.GeoDataFrame, list]:
        return self._build_areas()

    @property
    def areas(self) -> gpd.GeoDataFrame:
        """The service-area polygons, one row per distance (see the class)."""
        return self._built[0]

    @property
    def _metric_areas(self) -> list:
        """The same polygons in the metric CRS, as built (before any reprojection)."""
        return self._built[1]

    def __repr__(self) -> str:
        d = ", ".join(f"{int(x)}" for x in self.distances_m)
        return (f"StationCoverage({len(self.stations)} stations, {len(self.zones)} zones, "
                f"distances {d} m, method {self.method})")


def _accuracy(frame) -> str | None:
    if frame is None or isinstance(frame, str):
        return None
    values: list[object] = []
    if isinstance(frame, pd.DataFrame) and "accuracy" in frame.columns:
        values += list(frame["accuracy"].dropna().astype(str).unique())
    attrs = getattr(frame, "attrs", {}) or {}
    if isinstance(attrs.get("accuracy"), str):
        values.append(attrs["accuracy"])
    return _layers.worst_accuracy(values)


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
        Walkable road network, in the stations' CRS (a RoadGraph: built from
        roads in that CRS).  Given: catchments follow network distance.
        Omitted: circles (straight-line buffers) of each distance.
    walk_m : float
        The main walking distance (metres); always among the distances reported.
    zones : geopandas.GeoDataFrame, optional
        Polygons to report by (e.g. streets/towns), in the stations' CRS.
        Omitted: one zone ``all`` holding every point of ``population``/``jobs``.
    population, jobs : GeoDataFrame or str, optional
        Either points with a count column (``population_column`` /
        ``jobs_column``; each point counts 1 when the column is missing), in
        the stations' CRS, or the name of a column of ``zones`` holding the
        zone totals, spread evenly over each zone's area.  Counts must be
        present, numeric and not negative (a missing count raises, it never
        becomes 0).
    distances_m : sequence of float
        Catchment distances to report (metres); default 300, 500, 600, 800.
    population_column, jobs_column : str
        Count columns of point layers.
    access_m : float
        Stations farther than this (metres) from every street are listed in
        the log; they are still joined at the nearest street point, with the
        straight access leg added to the walk.  (Before 0.2 stations were
        joined to network nodes within this distance.)
    service_buffer_m : float
        Half-width (metres) of the band along reached streets that makes a
        network service area (plots front onto streets).

    Returns
    -------
    StationCoverage
        ``areas``, ``zones`` and ``stations`` frames (see the class);
        ``areas.attrs["metric_crs"]`` names the CRS the distances were
        measured in.

    Raises
    ------
    GeometryError
        ``stations`` empty, not points, or with missing geometry; ``zones`` not
        polygons; NaN/inf coordinates.
    CRSError
        A layer has no CRS, or two layers are in different CRSs (nothing is
        reprojected silently); metres labelled as degrees.
    ValidationError
        A count is missing, negative or not a number; a zone column is named
        without ``zones``.

    Warns
    -----
    SampleDataWarning
        When an input is sample data (``accuracy == "sample"``).
    SchematicDataWarning
        When an input is schematic (e.g. a schematic boundary).

    Notes
    -----
    **Where distances are measured.**  In the metric CRS of a RoadGraph; else
    in the stations' own CRS when it is projected in metres; else in a
    transverse Mercator projection centred on the stations (scale 1 on its
    central meridian, < 0.002 % off within 20 km of it), so a 500 m circle is
    500 m on the ground in Urumqi or Helsinki as in Shanghai.

    **Network access.**  Stations, population and job points join the network
    at the nearest point on an edge (the edge is split there), with the
    straight access leg added; a station 40 m off a block face walks 40 m to
    the street, not to the block corner.

    **Network service area** for distance *d*: one multi-source Dijkstra
    (:func:`scipy.sparse.csgraph.dijkstra`, ``limit = max(d)``) from a virtual
    source joined to both ends of every station's edge gives the walking
    distance :math:`t(n)` to every node; along an edge (u, v) of length *L*
    the parts within :math:`d - t(u)` of *u* and :math:`d - t(v)` of *v* are
    reached, and on a station's own edge the part within :math:`d - a` of the
    station (access leg *a*); the area is the union of those pieces buffered
    by ``service_buffer_m`` (one buffer per distance).  A point is inside at
    distance *d* when its own network distance (to its street point plus its
    access leg) is at most *d*.  Areal weighting of zone totals assumes even
    density inside a zone (share = area inside / zone area).

    Examples
    --------
    Circles around the shipped rail stations in Zhangjiang (schematic layer):

    >>> import warnings
    >>> import zjgis.layers as zl
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     stations = zl.load("rail_stations").head(3)
    ...     cov = station_coverage(stations, distances_m=[500], walk_m=500)
    >>> cov.areas["method"].tolist()
    ['buffer']
    >>> cov.areas.attrs["metric_crs"].startswith("+proj=tmerc")
    True
    """
    name = "stations"
    _validate.require_not_empty(stations, name)
    _validate.require_crs(stations, name)
    _validate.require_geom_types(stations, ("Point",), name,
                                 hint="Give station points (use .centroid for station polygons)")
    _check_points(stations, name)
    dists = sorted({float(d) for d in distances_m} | {float(walk_m)})
    for d in dists:
        _validate.require_positive(d, "distances_m / walk_m", unit="metres")
    _validate.require_positive(service_buffer_m, "service_buffer_m", unit="metres")
    rg_given = isinstance(roads, _network.RoadGraph)
    if isinstance(roads, _network.RoadGraph):
        if not stations.crs.equals(roads.input_crs) and not stations.crs.equals(roads.crs):
            msg = (f"stations are in {stations.crs.to_string()} but the road graph was built "
                   f"from roads in {roads.input_crs.to_string()}; reproject one of them "
                   f"(gdf.to_crs(...)) before combining them")
            raise CRSError(msg)
    elif roads is not None:
        _validate.require_same_crs(stations, roads, name, "roads")
    for label, layer in (("zones", zones), ("population", population), ("jobs", jobs)):
        if isinstance(layer, gpd.GeoDataFrame):
            _validate.require_same_crs(stations, layer, name, label)
    _warn_accuracy({"stations": stations, "roads": None if rg_given else roads,
                    "zones": zones, "population": population, "jobs": jobs})
    rg: _network.RoadGraph | None
    if isinstance(roads, _network.RoadGraph):
        rg = roads
        metric = rg.crs
    else:
        metric = _metric_crs(stations)
        if roads is not None:
            metric_roads = roads if roads.crs.equals(metric) else roads.to_crs(metric)
            rg = _network.build_graph(metric_roads)
        else:
            rg = None
    st_xy = stations.to_crs(metric).get_coordinates().to_numpy()
    st_out = stations.copy()
    if rg is None:
        st_out["access_node"] = -1
        st_out["access_edge"] = -1
        st_out["access_m"] = np.nan
        method = "buffer"
        reach: _BufferReach | _NetworkReach = _BufferReach(st_xy)
    else:
        reach = _NetworkReach(rg, st_xy, max(dists))
        st_out["access_node"] = reach.access_node
        st_out["access_edge"] = reach.st_edge
        st_out["access_m"] = reach.st_access
        far = reach.st_access > access_m
        if far.any():
            log.info("%d station(s) lie more than %g m from every street; joined at the "
                     "nearest street point: %s", int(far.sum()), access_m,
                     _validate.listing([_validate.feature_label(stations, int(i))
                                        for i in np.nonzero(far)[0]]))
        method = "network"
    metric_name = pyproj.CRS.from_user_input(metric).to_string()

    def build_areas() -> tuple[gpd.GeoDataFrame, list]:
        # a few seconds from ~100 stations on a city network: a stage bar (zjgis._log).
        # Each distance's area is finished where it is built: in the stations' CRS, on
        # its 1 cm grid (valid there, so measured without a second validity check)
        with stages(("street strokes", "street bands and geodesic areas"),
                    desc="service areas", size=len(stations) if method == "network" else 0,
                    min_size=_AREAS_BAR_STATIONS) as bar:
            done = reach.areas(dists, service_buffer_m, bar=bar,
                               finish=lambda g: (g, *_finish(g, metric, stations.crs)))
        out_areas = gpd.GeoDataFrame(
            {"distance_m": dists, "method": method,
             "area_km2": np.array([a for _, _, a in done]) / 1e6},
            geometry=gpd.array.from_shapely(np.array([g for _, g, _ in done], dtype=object),
                                            crs=stations.crs))
        out_areas.attrs["metric_crs"] = metric_name
        return out_areas, [m for m, _, _ in done]

    result = StationCoverage(gpd.GeoDataFrame(), st_out, distances_m=dists, method=method,
                             metric_crs=metric_name, build_areas=build_areas)
    result.zones = _zone_shares(result, zones, population, jobs, population_column,
                                jobs_column, metric, reach, stations.crs)
    acc = [a for a in (_accuracy(x) for x in (stations, zones, population, jobs,
                                              None if rg_given else roads)) if a]
    result.zones["accuracy"] = _layers.worst_accuracy(acc) if acc else None
    log.info("coverage of %d stations (%s, measured in %s) over %d zones at %s m",
             len(stations), method, metric_name, len(result.zones),
             ", ".join(f"{d:g}" for d in dists))
    return result


def _metric_crs(layer: gpd.GeoDataFrame) -> pyproj.CRS:
    """The layer's own CRS when projected in metres, else a transverse Mercator at its centre."""
    crs = pyproj.CRS.from_user_input(layer.crs)
    if crs.is_projected and crs.axis_info and crs.axis_info[0].unit_name in ("metre", "meter"):
        return crs
    lonlat = layer.to_crs(_crs.WGS84).get_coordinates().to_numpy()
    lon0 = float(np.mean(lonlat[:, 0]))
    return pyproj.CRS.from_proj4(
        f"+proj=tmerc +lat_0=0 +lon_0={lon0:.4f} +k=1 +x_0=0 +y_0=0 +datum=WGS84 "
        f"+units=m +no_defs")


def _check_points(layer: gpd.GeoDataFrame, name: str) -> None:
    _validate.require_finite_coords(layer, name)
    _validate.require_lonlat_range(layer, name)
    _refuse_bad_geometry(layer, name, what="point(s)", why="give them coordinates or drop them")


def _refuse_bad_geometry(layer: gpd.GeoDataFrame, name: str, *, what: str, why: str) -> None:
    """Raise GeometryError naming features with missing, empty or invalid geometry."""
    problems = _validate.geometry_problems(layer)
    if len(problems):
        labels = [f"{_validate.feature_label(layer, int(p))}: {r}"
                  for p, r in zip(problems["position"], problems["reason"])]
        msg = (f"{name}: {len(problems)} {what} have missing, empty or invalid geometry — "
               f"{_validate.listing(labels)}; {why}")
        raise GeometryError(msg)


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


class _BufferReach:
    """Straight-line distance from points to the nearest station (buffer mode)."""

    def __init__(self, st_xy: np.ndarray) -> None:
        self.st_xy = st_xy
        self.tree = cKDTree(st_xy)

    def point_distance(self, xy: np.ndarray) -> np.ndarray:
        return self.tree.query(xy)[0] if len(xy) else np.zeros(0)

    def areas(self, dists: Sequence[float], service_buffer_m: float, *,
              finish: Callable, bar: Stages | None = None) -> list:
        pts = shapely.points(self.st_xy)
        return [finish(shapely.union_all(shapely.buffer(pts, d, quad_segs=16))) for d in dists]


class _NetworkReach:
    """One bounded multi-source Dijkstra from all stations, joined at edge points."""

    def __init__(self, rg, st_xy: np.ndarray, limit: float) -> None:
        self.rg = rg
        e = rg.edges
        self.u = e["u"].to_numpy()
        self.v = e["v"].to_numpy()
        self.length = e["length_m"].to_numpy(dtype=float)
        n = len(rg.nodes)
        self.st_edge, self.st_off, self.st_access = rg.edge_points(st_xy)
        su, sv = self.u[self.st_edge], self.v[self.st_edge]
        to_u = self.st_access + self.st_off
        to_v = self.st_access + (self.length[self.st_edge] - self.st_off)
        self.access_node = np.where(to_u <= to_v, su, sv).astype(np.int64)
        m = rg.matrix.tocsr()
        k = len(st_xy)
        rows = np.full(2 * k, n)
        cols = np.r_[su, sv]
        w = np.maximum(np.r_[to_u, to_v], 1e-9)  # explicit entries: 0 would drop the edge
        extra = sparse.csr_matrix((w, (rows, cols)), shape=(n + 1, n + 1))
        big = sparse.bmat([[m, None], [None, sparse.csr_matrix((1, 1))]], format="csr") + extra
        # a virtual source n joined to both ends of every station's edge
        self.t = csgraph.dijkstra(big, directed=True, indices=n, limit=limit)[:n]
        self.limit = limit

    def _pieces(self, d: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Reached pieces (edge, from, to) in metres along the edge, at distance ``d``."""
        L = self.length
        with np.errstate(invalid="ignore"):
            ru = np.clip(d - self.t[self.u], 0, None)
            rv = np.clip(d - self.t[self.v], 0, None)
        ru, rv = np.nan_to_num(ru, nan=0.0), np.nan_to_num(rv, nan=0.0)
        whole = ru + rv >= L
        edges = [np.nonzero(whole)[0]]
        lo = [np.zeros(len(edges[0]))]
        hi = [L[edges[0]]]
        pu = np.nonzero(~whole & (ru > 0))[0]
        edges.append(pu)
        lo.append(np.zeros(len(pu)))
        hi.append(ru[pu])
        pv = np.nonzero(~whole & (rv > 0))[0]
        edges.append(pv)
        lo.append(L[pv] - rv[pv])
        hi.append(L[pv])
        # a station's own edge: the part within d - access of the station itself
        r = d - self.st_access
        own = (r > 0) & ~whole[self.st_edge]
        se = self.st_edge[own]
        edges.append(se)
        lo.append(np.clip(self.st_off[own] - r[own], 0, None))
        hi.append(np.minimum(self.st_off[own] + r[own], L[se]))
        return np.concatenate(edges), np.concatenate(lo), np.concatenate(hi)

    def areas(self, dists: Sequence[float], service_buffer_m: float, *,
              finish: Callable, bar: Stages | None = None) -> list:
        """``finish(area)`` of each distance's service area (metres), in ``dists`` order."""
        if bar is not None:
            bar.step("street strokes")
        strokes = _strokes(self.rg)
        if bar is not None:
            bar.step("street bands and geodesic areas")

        def band(d: float):
            e, a, b = self._pieces(d)
            keep = b > a
            runs = strokes.runs(e[keep], a[keep], b[keep], self.length)
            if len(runs) == 0:
                return finish(shapely.Polygon())
            return finish(_clean(_union(shapely.buffer(runs, service_buffer_m))))

        # a handful of distances, each vectorised; GEOS releases the GIL, so two bands
        # are built (and finished) at once on two cores (the widest first: it takes longest)
        order = sorted(range(len(dists)), key=lambda i: -dists[i])
        with ThreadPoolExecutor(max_workers=2) as pool:
            built = dict(zip(order, pool.map(band, [dists[i] for i in order])))
        return [built[i] for i in range(len(dists))]

    def point_distance(self, xy: np.ndarray) -> np.ndarray:
        """Network distance from the nearest station to each point (its street point + access)."""
        if len(xy) == 0:
            return np.zeros(0)
        e, off, acc = self.rg.edge_points(xy)
        L = self.length[e]
        t = np.minimum(self.t[self.u[e]] + off, self.t[self.v[e]] + (L - off))
        # stations on the same edge reach the point directly along it
        st = pd.DataFrame({"edge": self.st_edge, "s_off": self.st_off, "s_acc": self.st_access})
        pt = pd.DataFrame({"edge": e, "p_off": off, "pos": np.arange(len(e))})
        same = pt.merge(st, on="edge", how="inner")
        if len(same):
            direct = same["s_acc"] + (same["s_off"] - same["p_off"]).abs()
            best = direct.groupby(same["pos"]).min()
            idx = best.index.to_numpy()
            t[idx] = np.minimum(t[idx], best.to_numpy())
        return t + acc


class _Strokes:
    """Streets merged end to end into strokes, and the reached runs along them.

    The buffer of a line is the union of the buffers of its pieces (round caps
    and joins), so buffering long runs gives the same area as buffering every
    street piece, while a few thousand long bands union about 4× faster than
    100k short ones.  Edges are grouped by direction (four 45° sectors of
    their end-to-end bearing) and merged within each group where exactly two
    meet (:func:`shapely.line_merge`), once per graph, so a stroke goes
    straight through a crossing instead of snaking round a block.  For each
    distance the reached pieces become intervals along their strokes, and
    touching intervals one run: no geometry is merged per distance.
    """

    def __init__(self, rg) -> None:
        geoms = rg.edge_geoms
        n = len(geoms)
        length = rg.edges["length_m"].to_numpy(dtype=float)
        exy, eoff, _ = rg._edge_vertices  # the graph's own, cached (links use it too)
        s, e = exy[eoff[:-1]], exy[eoff[1:] - 1]
        bearing = np.mod(np.arctan2(e[:, 1] - s[:, 1], e[:, 0] - s[:, 0]), np.pi)
        sector = np.minimum((bearing / (np.pi / 4)).astype(np.int64), 3)

        def merge(i: int) -> np.ndarray:
            parts = shapely.get_parts(shapely.line_merge(
                shapely.multilinestrings(geoms[sector == i])))
            return parts[~shapely.is_closed(parts)]  # rings: each edge is its own stroke

        present = [i for i in range(4) if (sector == i).any()]
        with ThreadPoolExecutor(max_workers=2) as pool:  # GEOS releases the GIL
            merged = list(pool.map(merge, present))
        merged_sector = [np.full(len(p), i) for i, p in zip(present, merged, strict=True)]
        lines = np.concatenate(merged) if merged else np.empty(0, dtype=object)
        line_sector = np.concatenate(merged_sector) if merged else np.empty(0, np.int64)
        # each edge's stroke: the one of its own sector holding its first segment (merged
        # lines keep the edges' coordinates exactly), checked at its last vertex
        vxy, voff, vkey, vbase = _line_vertices(lines, shapely.length(lines))
        v_line = np.repeat(np.arange(len(lines)), np.diff(voff))
        along = vkey - vbase[v_line] if len(lines) else np.zeros(0)
        nv = np.diff(eoff)
        p0, p1, pk = exy[eoff[:-1]], exy[eoff[:-1] + 1], exy[eoff[1:] - 1]
        j = np.flatnonzero(v_line[:-1] == v_line[1:]) if len(lines) else np.zeros(0, np.int64)
        segs = pd.DataFrame({"x0": vxy[j, 0], "y0": vxy[j, 1], "x1": vxy[j + 1, 0],
                             "y1": vxy[j + 1, 1], "sector": line_sector[v_line[j]], "j": j})
        ends = pd.DataFrame({"x0": p0[:, 0], "y0": p0[:, 1], "x1": p1[:, 0], "y1": p1[:, 1],
                             "sector": sector, "edge": np.arange(n)})
        flip = ends.rename(columns={"x0": "x1", "y0": "y1", "x1": "x0", "y1": "y0"})
        keys = ["x0", "y0", "x1", "y1", "sector"]
        fw = ends.merge(segs, on=keys)[["edge", "j"]].to_numpy(dtype=np.int64).reshape(-1, 2)
        bw = flip.merge(segs, on=keys)[["edge", "j"]].to_numpy(dtype=np.int64).reshape(-1, 2)
        edge_c = np.r_[fw[:, 0], bw[:, 0]]
        fwd_c = np.r_[np.ones(len(fw), bool), np.zeros(len(bw), bool)]
        # the edge's first vertex and its last along the stroke
        first_c = np.r_[fw[:, 1], bw[:, 1] + 1]
        last_c = np.where(fwd_c, first_c + nv[edge_c] - 1, first_c - nv[edge_c] + 1)
        ok = (last_c >= 0) & (last_c < len(vxy))
        edge_c, fwd_c, first_c, last_c = edge_c[ok], fwd_c[ok], first_c[ok], last_c[ok]
        ok = (v_line[last_c] == v_line[first_c]) & (vxy[last_c] == pk[edge_c]).all(axis=1) & \
            (np.abs(np.abs(along[last_c] - along[first_c]) - length[edge_c])
             <= 1e-6 * (1 + length[edge_c]))
        edge_c, fwd_c, first_c, last_c = edge_c[ok], fwd_c[ok], first_c[ok], last_c[ok]
        pick = np.unique(edge_c, return_index=True)[1]  # one stroke per edge
        edge_c, fwd_c, first_c, last_c = edge_c[pick], fwd_c[pick], first_c[pick], last_c[pick]
        stroke = np.full(n, -1, dtype=np.int64)
        start = np.zeros(n)
        end = length.copy()
        stroke[edge_c] = v_line[first_c]
        start[edge_c] = along[first_c]
        end[edge_c] = along[last_c]
        alone = np.flatnonzero(stroke < 0)
        stroke[alone] = len(lines) + np.arange(len(alone))
        start[alone], end[alone] = 0.0, length[alone]
        self.lines = np.concatenate([lines, geoms[alone]])
        self.stroke = stroke
        self.forward = end >= start
        self.offset = np.minimum(start, end)  # where the edge begins along its stroke
        # the merged strokes' vertices are already known; only lone edges add some
        self.vertices = (vxy, voff, vkey, vbase) if len(alone) == 0 else \
            _line_vertices(self.lines, shapely.length(self.lines))

    def runs(self, edge: np.ndarray, a: np.ndarray, b: np.ndarray,
             length: np.ndarray) -> np.ndarray:
        """The pieces ``[a, b]`` (metres from ``u``) of edges, joined into runs along strokes."""
        if len(edge) == 0:
            return np.empty(0, dtype=object)
        st = self.stroke[edge]
        fwd = self.forward[edge]
        off = self.offset[edge]
        lo = np.where(fwd, off + a, off + (length[edge] - b))
        hi = np.where(fwd, off + b, off + (length[edge] - a))
        order = np.lexsort((lo, st))
        st, lo, hi = st[order], lo[order], hi[order]
        # running maximum of hi within each stroke (strokes are sorted, so lifting each
        # stroke above the previous one makes one cumulative maximum do)
        lift = st * (float(hi.max()) + 1.0)
        reach = np.maximum.accumulate(hi + lift) - lift
        # a new run where the stroke changes or the piece begins beyond the run's end
        # (1 mm: the ends of consecutive edges located along the stroke)
        new = np.r_[True, (st[1:] != st[:-1]) | (lo[1:] > reach[:-1] + 1e-3)]
        first = np.flatnonzero(new)
        run_hi = np.maximum.reduceat(hi, first)
        return _substrings(self.lines, self.vertices, st[first], lo[first], run_hi)


def _strokes(rg) -> _Strokes:
    """The :class:`_Strokes` of a graph, built once per graph."""
    out = rg.__dict__.get("_transit_strokes")
    if out is None:
        out = _Strokes(rg)
        rg.__dict__["_transit_strokes"] = out
    return out


def _union(bands: np.ndarray):
    """Union of street bands: one cascaded union per group of bands that overlap.

    Groups whose bounding boxes do not meet are unioned apart and put side by
    side; a single cascaded union of all would spend its top levels merging
    catchments that never touch (1,000 stations at 300 m: ~350 groups).
    """
    if len(bands) < 2:
        return shapely.union_all(bands)
    i, j = shapely.STRtree(bands).query(bands)
    n = len(bands)
    _, label = csgraph.connected_components(
        sparse.coo_matrix((np.ones(len(i), dtype=bool), (i, j)), shape=(n, n)), directed=False)
    order = np.argsort(label, kind="stable")
    cuts = np.flatnonzero(np.diff(label[order])) + 1
    groups = np.split(order, cuts)
    if len(groups) == 1:
        return shapely.union_all(bands)
    parts = [shapely.union_all(bands[g]) if len(g) > 1 else bands[g[0]] for g in groups]
    return shapely.multipolygons(np.concatenate([shapely.get_parts(p) for p in parts]))


def _clean(area, min_hole_m2: float = 1.0):
    """Drop sliver holes (< ``min_hole_m2``) the union of many bands leaves.

    Where street bands meet across a block (two 50 m bands on a 100 m block),
    the union can leave holes of no area, some with too few points to be valid.
    Rings a few nanometres apart, which would cross once reprojected, are merged
    later on the output's own grid (:func:`_finish`).
    """
    parts = shapely.get_parts(area)
    parts = parts[(shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)]  # polygons
    if len(parts) == 0:
        return shapely.Polygon()
    rings, of_part = shapely.get_rings(parts, return_index=True)
    shell = np.r_[True, of_part[1:] != of_part[:-1]]  # the first ring of a polygon
    keep = shell | (shapely.area(shapely.polygons(rings)) >= min_hole_m2)
    kept = shapely.polygons(rings[keep], indices=of_part[keep])
    return shapely.multipolygons(kept) if len(kept) > 1 else kept[0]


def _finish(area, metric, out_crs) -> tuple:
    """A service area (metres) in ``out_crs``, valid there, and its geodesic m².

    The union is valid in metres, and is kept as it is when the stations are in
    the metric CRS.  Reprojected, a straight edge's image bends away from the
    straight lon/lat chord (tens of µm over a km 10 km from the projection's
    centre), so a ring a few µm from a long edge can cross it: such a
    polygon is repaired (:func:`shapely.make_valid`), and every reprojected
    area is put on the 1 cm grid of its CRS, which keeps a valid polygon valid
    and merges rings nanometres apart.
    """
    series = gpd.GeoSeries([area], crs=metric)
    if not pyproj.CRS.from_user_input(out_crs).equals(metric):
        series = series.to_crs(out_crs)
        if not series.is_valid.iloc[0]:
            fixed = shapely.make_valid(series.iloc[0], method="structure")
            parts = shapely.get_parts(shapely.get_parts(fixed))
            parts = parts[shapely.get_type_id(parts) == 3]  # its polygons (they do not overlap)
            series = gpd.GeoSeries([shapely.multipolygons(parts) if len(parts) else
                                    shapely.Polygon()], crs=out_crs)
            log.debug("service area repaired after reprojection to %s", out_crs)
        series = gpd.GeoSeries(_crs.snap_centimetre(series.values, out_crs), crs=out_crs)
    m2 = float(_crs.geodesic_area(series, assume_valid=True)["area_m2"].iloc[0])
    return series.iloc[0], m2


def _line_vertices(lines: np.ndarray, lengths: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vertices of every line: xy, offsets (n_lines + 1) and a global distance key.

    The key is the distance along the line plus a running offset per line, so
    that the vertices of all lines sort by (line, distance) in one array.
    """
    xy, idx = shapely.get_coordinates(lines, return_index=True)
    n = len(lines)
    offsets = np.searchsorted(idx, np.arange(n + 1))
    step = np.r_[0.0, np.hypot(*np.diff(xy, axis=0).T)]
    step[offsets[:-1]] = 0.0  # the first vertex of each line starts at 0
    along = np.cumsum(step)
    along -= np.repeat(along[offsets[:-1]], np.diff(offsets))
    base = np.r_[0.0, np.cumsum(np.asarray(lengths, dtype=float) + 1.0)[:-1]]
    return xy, offsets, along + base[idx], base


def _substrings(lines: np.ndarray, vertices, index: np.ndarray, a: np.ndarray,
                b: np.ndarray) -> np.ndarray:
    """The pieces ``[a, b]`` (metres from the start) of ``lines[index]``, without a loop.

    Equivalent to ``shapely.ops.substring(line, a, b)`` for every piece.
    """
    xy, offsets, key, base = vertices
    lo = offsets[index]
    hi = offsets[index + 1]
    # interior vertices of each piece: a < distance < b (distance rises along a line)
    first = np.clip(np.searchsorted(key, base[index] + a, side="right"), lo, hi)
    last = np.clip(np.searchsorted(key, base[index] + b, side="left"), first, hi)
    n_in = last - first
    chosen = lines[index]
    start = shapely.get_coordinates(shapely.line_interpolate_point(chosen, a))
    end = shapely.get_coordinates(shapely.line_interpolate_point(chosen, b))
    count = n_in + 2
    total = int(count.sum())
    piece_of = np.repeat(np.arange(len(index)), count)
    pos = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
    coords = np.empty((total, 2))
    is_start = pos == 0
    is_end = pos == count[piece_of] - 1
    coords[is_start] = start
    coords[is_end] = end
    mid = ~is_start & ~is_end
    coords[mid] = xy[(first[piece_of] + pos - 1)[mid]]
    return shapely.linestrings(coords, indices=piece_of)


def _values(layer, column: str, name: str, metric) -> tuple[np.ndarray, np.ndarray]:
    """Metric xy and counts of a point layer (counts under the missing-count policy)."""
    if not isinstance(layer, gpd.GeoDataFrame):
        msg = f"{name} must be a GeoDataFrame of points or the name of a zones column"
        raise ValidationError(msg)
    _validate.require_crs(layer, name)
    _validate.require_geom_types(layer.dropna(subset=[layer.geometry.name]), ("Point",), name)
    _check_points(layer, name)
    if column in layer.columns:
        val = _validate.require_counts(layer, column, name)
    else:
        numeric = [str(c) for c in layer.columns if c != layer.geometry.name
                   and pd.api.types.is_numeric_dtype(layer[c])]
        if numeric:  # 常住人口 beside no 'population': counting points is likely a mistake
            msg = (f"{name} points have no column {column!r} (they have "
                   f"{_validate.listing(numeric)}): each point counts as 1; name the count "
                   f"column with {name}_column= (command line: --{name}-column)")
            warnings.warn(msg, DataQualityWarning, stacklevel=4)
        else:
            log.info("%s has no column %r: each point counts 1", name, column)
        val = np.ones(len(layer))
    xy = layer.to_crs(metric).get_coordinates().to_numpy() if len(layer) else np.empty((0, 2))
    return xy, val


def _tag(d: float) -> str:
    return f"{int(d)}m" if float(d).is_integer() else f"{d:g}m"


def _zone_shares(result, zones, population, jobs, pop_col, jobs_col, metric, reach,
                 out_crs):
    if zones is not None:
        _validate.require_crs(zones, "zones")
        _validate.require_not_empty(zones, "zones")
        _validate.require_finite_coords(zones, "zones")
        _validate.require_lonlat_range(zones, "zones")
        _validate.require_geom_types(zones.dropna(subset=[zones.geometry.name]),
                                     ("Polygon", "MultiPolygon"), "zones")
        _refuse_bad_geometry(zones, "zones", what="zone(s)",
                             why="their shares would be wrong. Repair them (QGIS: Fix "
                                 "geometries, or zjgis.read(path, repair=True)) or drop them")
        out = zones.copy()
        zgeom = np.asarray(zones.to_crs(metric).geometry.values, dtype=object)
    else:
        out = gpd.GeoDataFrame({"zone": ["all"]}, geometry=[None], crs=out_crs)
        zgeom = None
    dists = np.asarray(result.distances_m)
    for var, layer, col in (("population", population, pop_col), ("jobs", jobs, jobs_col)):
        if layer is None:
            continue
        if isinstance(layer, str):
            if zones is None:
                msg = f"{var}={layer!r} names a zones column, but no zones were given"
                raise ValidationError(msg)
            total = _validate.require_counts(zones, layer, "zones")
            area_geoms = result._metric_areas  # as built: not through lon/lat and back
            zarea = shapely.area(zgeom)
            inside = {d: total * np.divide(shapely.area(shapely.intersection(zgeom, g)), zarea,
                                           out=np.zeros(len(zarea)), where=zarea > 0)
                      for d, g in zip(dists, area_geoms)}
        else:
            xy, val = _values(layer, col, var, metric)
            if zgeom is None:
                zone_of = np.zeros(len(xy), dtype=np.int64)
            else:
                pi, zi = shapely.STRtree(zgeom).query(shapely.points(xy), predicate="intersects")
                zone_of = np.full(len(xy), -1, dtype=np.int64)
                zone_of[pi[::-1]] = zi[::-1]  # first zone wins
            ok = zone_of >= 0
            nz = len(out)
            total = np.bincount(zone_of[ok], weights=val[ok], minlength=nz)
            t = reach.point_distance(xy)  # one distance per point, every band from it
            inside = {}
            for d in dists:
                hit = ok & (t <= d)
                inside[d] = np.bincount(zone_of[hit], weights=val[hit], minlength=nz)
        out[f"{var}_total"] = total
        for d in dists:
            tag = _tag(d)
            out[f"{var}_in_{tag}"] = inside[d]
            out[f"{var}_share_{tag}"] = np.divide(inside[d], total, out=np.full(len(total),
                                                  np.nan), where=total > 0)
            out[f"{var}_outside_{tag}"] = total - inside[d]
    return out
