"""The road graph: :class:`RoadGraph` and :func:`build_graph`.

How the graph is built (all vectorised; no Python loop over features)
---------------------------------------------------------------------
1. Lines are exploded, measured in metres (the input's projected CRS when it is
   in metres, else :data:`zjgis.crs.METRIC`) and cut into straight segments.
2. Endpoints closer than ``snap_m`` are merged (grid de-duplication, then
   :class:`scipy.spatial.cKDTree` pairs and connected components); an endpoint
   that is still dangling but lies within ``snap_m`` of another line (an
   undershoot) is connected to that line.
3. Segment pairs whose boxes meet are found with a uniform grid hash; their
   intersection points are solved in closed form with numpy.  Crossings are
   noded only between lines on the same level (``layer``, ``bridge``,
   ``tunnel`` columns, as in OpenStreetMap); lines of different levels connect
   only where one of them *ends* on the other.  Two bridges (or tunnels) that
   cross are joined only where one ends on the other or at a vertex of both,
   never where their interiors cross: OSM data without ``layer`` tags puts every
   viaduct on one level, and a viaduct passing over another is no junction
   (ground roads crossing each other are noded).  Undershoot snapping follows
   the levels too: a road end is joined to a line of its own level, and the end
   of a bridge or tunnel also to a ground road (a ramp landing), but a ground
   road end is never joined to a bridge deck above it or a tunnel below it.
4. Lines are cut at the intersection points and node ids are assigned by
   clustering piece endpoints within 1 mm.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import LineString
>>> roads = gpd.GeoDataFrame(
...     {"name": ["east-west", "north-south"]},
...     geometry=[LineString([(0, 0), (100, 0)]), LineString([(50, -50), (50, 50)])],
...     crs="EPSG:32651")
>>> g = build_graph(roads)
>>> g
RoadGraph(5 nodes, 4 edges, 0.2 km, crs=EPSG:32651)
>>> sorted(g.edges["length_m"].round(3))
[50.0, 50.0, 50.0, 50.0]
>>> int((g.degree == 4).sum()), int((g.degree == 1).sum())
(1, 4)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy import sparse

from zjgis import _validate
from zjgis import crs as _crs
from zjgis._bulk import collector_paused
from zjgis._csgraph import adjacency
from zjgis._log import get_logger, stages
from zjgis.errors import GeometryError, ValidationError
from zjgis.network._noding import (
    _END_TOL_M,
    _NODE_TOL_M,
    _cluster,
    _cut_lines,
    _drop_repeats,
    _line_bounds,
    _parallel_keys,
    _segment_cuts,
    _segment_pairs,
    _undershoots,
)

__all__ = ["RoadGraph", "build_graph", "as_graph"]

log = get_logger("zjgis.network")

_NAME_COLUMNS = ("name", "road_name", "name_zh", "NAME", "名称")
_CLASS_COLUMNS = ("road_class", "highway", "class", "fclass", "type", "kind")
# inputs of at least this many segments (straight pieces between vertices) show a stage
# bar while noding (zjgis._log.stages): noding time follows segments, not lines
_PROGRESS_MIN_SEGMENTS = 100_000
_NODING_STAGES = ("segments", "snap", "crossings", "split", "graph")
_FALSY = {"", "no", "false", "0", "none", "nan", "n", "f", "否", "不是", "无", "非"}


@dataclass(eq=False)
class RoadGraph:
    """A noded road network.

    The attributes below are the stable interface other analyses build on
    (:mod:`zjgis.transit`, :mod:`zjgis.jobshousing`): node coordinates
    ``nodes[["x", "y"]]``, edge ends ``edges["u"]``/``edges["v"]``, edge
    lengths ``edges["length_m"]``, edge geometries ``edges.geometry``,
    ``matrix`` and ``crs``.  A cost matrix of other weights is built with
    :func:`zjgis._csgraph.adjacency` (``adjacency(u, v, weight, n)``), the
    builder of ``matrix`` itself.  Underscored members are private.

    Attributes
    ----------
    nodes : geopandas.GeoDataFrame
        One row per node, index ``node`` (0 … n-1); columns ``x``, ``y``
        (metres in :attr:`crs`), ``degree`` (number of edge ends at the node; a
        self-loop counts twice — the same as osmnx ``street_count`` except that
        osmnx counts several self-loops at one node once), geometry (Point).
    edges : geopandas.GeoDataFrame
        One row per edge (a piece of a road between two nodes); columns ``u``,
        ``v``, ``key`` (0 … for parallel edges), ``length_m`` (planar, metres in
        :attr:`crs`), ``name``, ``road_class``, ``level`` (bridge/tunnel/layer
        key, ``"0"`` on the ground), ``source`` (index label of the input
        feature), geometry (LineString).
    matrix : scipy.sparse.csr_matrix
        Symmetric n × n matrix of the shortest edge length (metres) between
        each pair of adjacent nodes (self-loops left out), for
        :mod:`scipy.sparse.csgraph` (``adjacency(u, v, length_m, n)``).
    crs : pyproj.CRS
        The metric CRS of ``nodes`` and ``edges``.
    input_crs : pyproj.CRS
        The CRS of the roads the graph was built from; results are returned in it.
    attrs : dict
        ``attrs`` of the input roads (accuracy, source …) plus build figures.
    """

    nodes: gpd.GeoDataFrame
    edges: gpd.GeoDataFrame
    matrix: sparse.csr_matrix
    crs: pyproj.CRS
    input_crs: pyproj.CRS
    attrs: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"RoadGraph({len(self.nodes):,} nodes, {len(self.edges):,} edges, "
                f"{self.edges['length_m'].sum() / 1000:,.1f} km, crs={self.crs.to_string()})")

    @cached_property
    def graph(self) -> nx.MultiGraph:
        """The network as an undirected :class:`networkx.MultiGraph` (built on first use).

        Nodes carry ``x``, ``y`` and ``degree``; edges carry ``key``,
        ``length_m``, ``name``, ``road_class``, ``level``, ``source`` and
        ``geometry`` (metres in :attr:`crs`).
        """
        g = nx.MultiGraph(crs=self.crs)
        g.add_nodes_from(
            (int(i), {"x": x, "y": y, "degree": int(d)})
            for i, x, y, d in zip(self.nodes.index, self.nodes["x"], self.nodes["y"],
                                  self.nodes["degree"])
        )
        cols = ["length_m", "name", "road_class", "level", "source", "geometry"]
        data = self.edges[cols].to_dict("records")
        g.add_edges_from(
            (int(u), int(v), int(k), d)
            for u, v, k, d in zip(self.edges["u"], self.edges["v"], self.edges["key"], data)
        )
        return g

    @cached_property
    def edge_tree(self) -> shapely.STRtree:
        """:class:`shapely.STRtree` over the edge geometries (positions = edge rows)."""
        return shapely.STRtree(self.edges.geometry.values)

    @cached_property
    def edge_geoms(self) -> np.ndarray:
        """Edge geometries as a numpy object array (fast for shapely functions)."""
        return np.asarray(self.edges.geometry.values, dtype=object)

    def edge_points(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where points join the network: the nearest point of the nearest edge.

        Parameters
        ----------
        xy : numpy.ndarray
            (n, 2) coordinates in the graph's metric CRS (:attr:`crs`, metres).

        Raises
        ------
        ValidationError
            ``xy`` is not an (n, 2) array of finite numbers.

        Returns
        -------
        (numpy.ndarray, numpy.ndarray, numpy.ndarray)
            For each point: the edge row, the distance along that edge from its
            ``u`` end (metres) and the straight distance from the point to it
            (metres).  Transit catchments and job–housing costs join stations,
            zones and people this way.

        Examples
        --------
        >>> import geopandas as gpd, shapely
        >>> g = build_graph(gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (100, 0)])],
        ...                                  crs="EPSG:32651"))
        >>> edge, along, access = g.edge_points(np.array([[30.0, 5.0]]))
        >>> int(edge[0]), float(along[0]), float(access[0])
        (0, 30.0, 5.0)
        """
        arr = np.asarray(xy, dtype=float)
        if arr.ndim != 2 or arr.shape[1] != 2 or not np.isfinite(arr).all():
            msg = (f"edge_points: xy must be an (n, 2) array of finite x, y in metres "
                   f"({self.crs.to_string()}), got shape {arr.shape}"
                   + ("" if np.isfinite(arr).all() else " with NaN/infinite values"))
            raise ValidationError(msg)
        pts = shapely.points(arr)
        src, edge = self.edge_tree.query_nearest(pts, all_matches=False)
        e = np.empty(len(pts), dtype=np.int64)
        e[src] = edge
        lines = self.edge_geoms[e]
        return e, shapely.line_locate_point(lines, pts), shapely.distance(lines, pts)

    @cached_property
    def _edge_vertices(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Edge vertices: (xy (m, 2), offsets (n_edges + 1), distance along the edge at each)."""
        xy, idx = shapely.get_coordinates(self.edge_geoms, return_index=True)
        offsets = np.searchsorted(idx, np.arange(len(self.edges) + 1))
        step = np.hypot(*np.diff(xy, axis=0).T)
        step[idx[1:] != idx[:-1]] = 0.0
        along = np.r_[0.0, np.cumsum(step)]
        along -= np.repeat(along[offsets[:-1]], np.diff(offsets))
        return xy, offsets, along

    @cached_property
    def _incidence(self) -> np.ndarray:
        """Per node, the sum of the ids of its incident edges (a self-loop twice).

        At a node of degree 1 it is the node's edge; at a node of degree 2 the
        other edge is this sum minus the edge one arrived by.
        """
        return _incidence_sum(self.edges["u"].to_numpy(), self.edges["v"].to_numpy(),
                              len(self.nodes))

    @property
    def degree(self) -> np.ndarray:
        """Degree of every node (array aligned on ``nodes``)."""
        return self.nodes["degree"].to_numpy()


def _incidence_sum(u: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
    ids = np.arange(len(u), dtype=np.float64)  # exact: ids < 2**53
    w = np.bincount(np.concatenate([u, v]), weights=np.concatenate([ids, ids]), minlength=n)
    return w.astype(np.int64)


def _metric_crs(crs: pyproj.CRS) -> pyproj.CRS:
    if crs.is_projected and crs.axis_info and crs.axis_info[0].unit_name in ("metre", "meter"):
        return crs
    return pyproj.CRS.from_user_input(_crs.METRIC)


def _pick_column(df: pd.DataFrame, given: str | None, candidates: tuple[str, ...]) -> str | None:
    if given is not None:
        _validate.require_columns(df, [given], "roads")
        return given
    return next((c for c in candidates if c in df.columns), None)


def _truthy(values: pd.Series) -> np.ndarray:
    # a handful of distinct values (yes/no/是/…) in a million rows: judge each once
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    s = pd.Series(uniq, dtype=object).astype("string").str.strip().str.lower()
    true = (~s.isna() & ~s.isin(_FALSY)).to_numpy(dtype=bool)
    return np.where(codes >= 0, true[np.maximum(codes, 0)] if len(true) else False, False)


def _levels(roads: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A level key per feature from ``layer``/``bridge``/``tunnel`` ("0" = ground).

    Returns the keys (``"0"``, ``"1b"``, ``"-1t"`` …), whether each feature is a
    structure (a bridge or a tunnel), and an integer code per feature (equal
    codes, equal keys): the noding compares levels per segment pair as integers.
    The few distinct keys are spelt once each, not once per feature.
    """
    n = len(roads)
    layer = np.zeros(n, dtype="int64")
    if "layer" in roads.columns:
        num = pd.to_numeric(roads["layer"], errors="coerce")
        layer = num.fillna(0).round().astype("int64").to_numpy()
    bridge = _truthy(roads["bridge"]) if "bridge" in roads.columns else np.zeros(n, bool)
    tunnel = _truthy(roads["tunnel"]) if "tunnel" in roads.columns else np.zeros(n, bool)
    low = int(layer.min()) if n else 0
    combo = (layer - low) * 4 + bridge.astype(np.int64) + 2 * tunnel.astype(np.int64)
    code, uniq = pd.factorize(combo)
    names = np.array([f"{c // 4 + low}{'b' if c & 1 else ''}{'t' if c & 2 else ''}"
                      for c in uniq.tolist()], dtype=object)
    return names[code], bridge | tunnel, code.astype(np.int64)


def _check_coords(gdf, name: str) -> None:
    """NaN/inf vertices and coordinates impossible in the layer's CRS are refused by name.

    For a projected CRS the full check (a transform of every vertex to lon/lat)
    runs only when a corner of the layer's bounding box falls outside the CRS's
    area of use, so a valid city-scale layer costs one bounds computation.
    """
    _validate.require_finite_coords(gdf, name)
    crs = gdf.crs
    if crs is not None and not crs.is_geographic and crs.area_of_use is not None and len(gdf):
        x0, y0, x1, y1 = (float(b) for b in gdf.total_bounds)
        try:
            tr = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
            lon, lat = tr.transform([x0, x0, x1, x1], [y0, y1, y0, y1])
        except pyproj.exceptions.ProjError:  # pragma: no cover - exotic CRS
            lon, lat = [np.nan], [np.nan]
        aou, tol = crs.area_of_use, 1.0
        lon, lat = np.asarray(lon), np.asarray(lat)
        if (np.isfinite(lon).all() and np.isfinite(lat).all()
                and (lon >= aou.west - tol).all() and (lon <= aou.east + tol).all()
                and (lat >= aou.south - tol).all() and (lat <= aou.north + tol).all()):
            return
    _validate.require_lonlat_range(gdf, name)


def _check_layer(gdf, name: str, geom_types: tuple[str, ...], hint: str | None = None, *,
                 allow_empty: bool = False) -> None:
    """The door of every network input layer: type, rows, CRS, geometry, coordinates."""
    if not isinstance(gdf, gpd.GeoDataFrame | gpd.GeoSeries):
        msg = f"{name} must be a GeoDataFrame with a CRS, got {type(gdf).__name__}"
        raise GeometryError(msg)
    if not allow_empty:
        _validate.require_not_empty(gdf, name)
    _validate.require_crs(gdf, name)
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        labels = [_validate.feature_label(gdf, int(i)) for i in np.nonzero(missing)[0]]
        msg = (f"{name}: {len(labels)} feature(s) have no geometry — "
               f"{_validate.listing(labels)}; drop them ({name}[~{name}.geometry.is_empty]) "
               "first")
        raise GeometryError(msg)
    _validate.require_geom_types(gdf, geom_types, name, hint=hint or "")
    _check_coords(gdf, name)


def _check_roads(roads: gpd.GeoDataFrame, name: str) -> None:
    if not isinstance(roads, gpd.GeoDataFrame | gpd.GeoSeries):
        msg = f"{name} must be a GeoDataFrame of road centrelines, got {type(roads).__name__}"
        raise GeometryError(msg)
    _check_layer(roads, name, ("LineString", "MultiLineString"),
                 hint="Export road centrelines (lines), not road surfaces or junction points")


def build_graph(
    roads: gpd.GeoDataFrame | RoadGraph,
    *,
    snap_m: float = 1.0,
    respect_layers: bool = True,
    name_column: str | None = None,
    class_column: str | None = None,
) -> RoadGraph:
    """Build a noded road graph from road centrelines.

    Parameters
    ----------
    roads : geopandas.GeoDataFrame or RoadGraph
        LineString/MultiLineString road centrelines in any CRS.  A
        :class:`RoadGraph` is returned as it is (when built with the same
        ``snap_m`` and ``respect_layers``), so every network function can be
        handed either.  Optional
        columns ``layer`` (integer), ``bridge`` and ``tunnel`` (OSM style
        ``yes``/``no``, or 是/否) give the vertical level; ``name`` and a class column
        (``road_class``, ``highway``, ``class``, ``fclass``, ``type``) are kept.
    snap_m : float
        Endpoints closer than this (metres) become one node, and a dangling
        endpoint closer than this to another line is joined to it.  ``0``
        turns snapping off (only exactly shared points connect).
    respect_layers : bool
        When True, lines on different levels (bridge over road, tunnel under
        it) are not joined where they cross, only where one ends on the other;
        two bridges or two tunnels are not joined where their interiors cross
        (only at an end or a vertex of both), and a ground road end is not
        snapped onto a bridge or tunnel (see the module notes).
    name_column, class_column : str, optional
        Columns holding the road name and class; guessed when omitted.

    Returns
    -------
    RoadGraph
        Nodes, edges (metres in the metric CRS), a scipy sparse matrix and a
        lazily built networkx ``MultiGraph`` (``.graph``).

    Raises
    ------
    GeometryError
        ``roads`` is empty, has features without geometry, or has non-line
        geometries (the message lists the features).
    CRSError
        ``roads`` has no CRS.

    Notes
    -----
    Distances are planar in the input's projected CRS when it is in metres,
    else in :data:`zjgis.crs.METRIC` (UTM 51N; scale factor 0.99982 in Pudong:
    lengths 0.018 % short).
    Snapping is single-linkage: a chain of endpoints each within ``snap_m`` of
    the next collapses to one node at their centroid.
    From 100,000 line segments a progress bar names the stage being run
    (segments, snap, crossings, split, graph) in a terminal or a notebook;
    ``zjgis -q`` and ``ZJGIS_PROGRESS=0`` turn it off (:func:`zjgis._log.stages`).
    """
    if isinstance(roads, RoadGraph):
        for key, value in (("snap_m", snap_m), ("respect_layers", respect_layers)):
            if key in roads.attrs and roads.attrs[key] != value:
                msg = (f"build_graph: the RoadGraph given was built with {key}="
                       f"{roads.attrs[key]!r}, not {value!r}; build it again from the roads")
                raise ValidationError(msg)
        return roads
    _check_roads(roads, "roads")
    if snap_m < 0:
        msg = f"snap_m must be >= 0 metres, got {snap_m}"
        raise ValidationError(msg)
    segments = int(shapely.get_num_coordinates(np.asarray(roads.geometry.values)).sum())
    segments -= len(roads)  # a line of k vertices has k - 1 segments (2 ms per 100k lines)
    # millions of geometries are made below: without the cyclic collector's passes over
    # them (zjgis._bulk; they hold no cycles)
    with collector_paused(), stages(_NODING_STAGES, desc="noding", size=segments,
                                    min_size=_PROGRESS_MIN_SEGMENTS) as st:
        st.step("segments")
        in_crs = pyproj.CRS.from_user_input(roads.crs)
        metric = _metric_crs(in_crs)
        frame = roads if isinstance(roads, gpd.GeoDataFrame) else roads.to_frame("geometry")
        name_col = _pick_column(frame, name_column, _NAME_COLUMNS)
        class_col = _pick_column(frame, class_column, _CLASS_COLUMNS)
        if respect_layers:
            lvl_feature, struct_feature, code_feature = _levels(frame)
        else:
            lvl_feature = np.full(len(frame), "0", dtype=object)
            struct_feature = np.zeros(len(frame), bool)
            code_feature = np.zeros(len(frame), dtype=np.int64)

        geoms = np.asarray(frame.geometry.to_crs(metric).values, dtype=object)
        if (shapely.get_type_id(geoms) == shapely.GeometryType.MULTILINESTRING).any():
            parts, part_feat = shapely.get_parts(geoms, return_index=True)
        else:  # no multi-part lines: skip copying every geometry
            parts, part_feat = geoms, np.arange(len(geoms))
        coords, vline = shapely.get_coordinates(parts, return_index=True)
        coords, vline = _drop_repeats(coords, vline)

        st.step("snap")
        # 2. endpoint snapping
        starts, ends, coords, vline, part_feat, parts_kept = _line_bounds(coords, vline, part_feat)
        ep = np.concatenate([starts, ends])
        lab, centre = _cluster(coords[ep], snap_m)
        coords[ep] = centre[lab]
        coords, vline = _drop_repeats(coords, vline)
        n_parts_before = parts_kept
        starts, ends, coords, vline, part_feat, parts_kept = _line_bounds(coords, vline, part_feat)
        dropped = n_parts_before - parts_kept
        if dropped:
            log.info("dropped %d line(s) shorter than snap_m=%g m", dropped, snap_m)
        if parts_kept == 0:
            msg = "roads: every line is shorter than snap_m; nothing left to build a graph from"
            raise GeometryError(msg)
        lvl = code_feature[part_feat]  # level per line, as an integer code
        on_ground = np.flatnonzero(lvl_feature == "0")
        ground_code = int(code_feature[on_ground[0]]) if len(on_ground) else -1
        structure = struct_feature[part_feat]

        st.step("crossings")
        # 3. segments and cuts
        k = np.nonzero(vline[1:] == vline[:-1])[0]
        P, Q = coords[k], coords[k + 1]
        seg_line = vline[k]
        first = k == starts[seg_line]
        last = (k + 1) == ends[seg_line]
        cut_pos, cut_xy = [np.empty(0)], [np.empty((0, 2))]
        lone = np.empty(0, dtype=np.int64)
        if snap_m > 0:
            # undershoots: endpoints still alone after endpoint snapping
            ep = np.concatenate([starts, ends])
            lab, _ = _cluster(coords[ep], 0.0)
            lone = ep[np.bincount(lab)[lab] == 1]
        # one grid pass finds segment pairs to intersect and segments near lone endpoints;
        # the boxes are grown by the most an undershoot may move a vertex (snap_m / 1000)
        E = coords[lone]
        a, b, qi, si = _segment_pairs(P, Q, E - snap_m, E + snap_m,
                                      pad=_END_TOL_M + (snap_m * 1e-3 if len(lone) else 0.0))
        if len(lone):
            level_code = lvl
            ground = lvl == ground_code

            def same_level(vert, si):
                # an end snaps onto its own level; a bridge or tunnel end also onto the
                # ground (a ramp landing), but a ground road end never onto a deck above it
                end_line, seg_of = vline[vert], seg_line[si]
                return (level_code[end_line] == level_code[seg_of]) | (
                    structure[end_line] & ground[seg_of])

            pos_u, xy_u, moved = _undershoots(coords, lone, qi, si, P, Q, k, snap_m,
                                              same_level if respect_layers else None)
            if moved:
                P, Q = coords[k], coords[k + 1]
            cut_pos.append(pos_u)
            cut_xy.append(xy_u)
        pos_i, xy_i = _segment_cuts(a, b, P, Q, seg_line, k, first, last, lvl, structure,
                                    respect_layers)
        cut_pos.append(pos_i)
        cut_xy.append(xy_i)
        pos = np.concatenate(cut_pos)
        xy = np.concatenate(cut_xy)
        st.step("split")
        edges_geom, piece_line, piece_len, ends_xy = _cut_lines(coords, vline, starts, ends,
                                                                pos, xy)

        st.step("graph")
        # 4. nodes
        lab, node_xy = _cluster(ends_xy.reshape(-1, 2), _NODE_TOL_M)
        # renumber nodes densely in order of first appearance
        uniq, inv = np.unique(lab, return_inverse=True)
        node_xy = node_xy[uniq]
        uv = inv.reshape(-1, 2)
        u, v = uv[:, 0], uv[:, 1]
        zero = (u == v) & (piece_len < 10 * _NODE_TOL_M)
        if zero.any():
            edges_geom, piece_line, piece_len, u, v = (
                edges_geom[~zero], piece_line[~zero], piece_len[~zero], u[~zero], v[~zero])
        n_nodes = len(node_xy)
        feat = part_feat[piece_line]
        index = frame.index
        edges = gpd.GeoDataFrame(
            {
                "u": u.astype(np.int64),
                "v": v.astype(np.int64),
                "key": _parallel_keys(u, v),
                "length_m": piece_len,
                # taken from the input's own arrays (no round trip through numpy objects
                # and back to pandas strings: ~0.5 s at a million edges)
                "name": frame[name_col].array.take(feat) if name_col else None,
                "road_class": frame[class_col].array.take(feat) if class_col else None,
                # level keys stay numpy objects: compared per edge by the analyses
                "level": pd.Series(lvl_feature[feat], dtype=object),
                "source": index.to_numpy()[feat],
            },
            geometry=gpd.array.from_shapely(edges_geom, crs=metric),
        )
        degree = np.bincount(np.concatenate([u, v]), minlength=n_nodes)
        nodes = gpd.GeoDataFrame(
            {"x": node_xy[:, 0], "y": node_xy[:, 1], "degree": degree},
            geometry=gpd.array.from_shapely(shapely.points(node_xy), crs=metric),
        )
        nodes.index.name = "node"
        matrix = adjacency(u, v, piece_len, n_nodes)
        attrs = dict(getattr(roads, "attrs", {}) or {})
        attrs.update(snap_m=snap_m, respect_layers=respect_layers, input_features=len(frame))
        rg = RoadGraph(nodes, edges, matrix, metric, in_crs, attrs)
        rg.__dict__["_incidence"] = _incidence_sum(u, v, n_nodes)  # graph structure, like degree
    # logged once the bar is cleared, so that the line does not land on the bar
    log.info("noded %s lines -> %s edges, %s nodes (%s dead ends)", f"{len(frame):,}",
             f"{len(edges):,}", f"{n_nodes:,}", f"{int((degree == 1).sum()):,}")
    return rg


def as_graph(roads_or_graph: gpd.GeoDataFrame | RoadGraph) -> RoadGraph:
    """Return ``roads_or_graph`` itself when it is a :class:`RoadGraph`, else build one.

    Every network analysis takes either; a graph built once can be shared by
    :func:`~zjgis.network.dead_ends`, :func:`~zjgis.network.missing_links` and the
    transit and jobs-housing analyses.
    """
    if isinstance(roads_or_graph, RoadGraph):
        return roads_or_graph
    return build_graph(roads_or_graph)
