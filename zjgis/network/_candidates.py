"""Gap candidates at dead ends (private): nearby roads that are far by street.

Shared by :func:`~zjgis.network.dead_ends` (a dead end with a candidate is a
``gap``) and :func:`~zjgis.network.missing_links` (the candidates become links).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from zjgis.network._noding import _NODE_TOL_M
from zjgis.network._paths import _pair_distances
from zjgis.network.graph import RoadGraph

_CAND_COLUMNS = ["source", "edge", "along_m", "gap_m", "network_m", "target_node", "tx", "ty"]


def _candidates(rg: RoadGraph, sources: np.ndarray, *, max_gap_m: float,
                min_detour_ratio: float) -> pd.DataFrame:
    """Every (dead end, other road) pair within ``max_gap_m`` whose detour ratio is large."""
    if len(sources) == 0:
        return pd.DataFrame(columns=_CAND_COLUMNS)
    xy = rg.nodes[["x", "y"]].to_numpy()
    sxy = xy[sources]
    boxes = shapely.box(sxy[:, 0] - max_gap_m, sxy[:, 1] - max_gap_m,
                        sxy[:, 0] + max_gap_m, sxy[:, 1] + max_gap_m)
    qi, ei = rg.edge_tree.query(boxes)  # boxes only; exact distances below
    src = sources[qi]
    u = rg.edges["u"].to_numpy()[ei]
    v = rg.edges["v"].to_numpy()[ei]
    # the box holds every edge within max_gap_m and many beyond (its corners, long edges
    # passing by): an edge whose bounding box is farther than max_gap_m is farther too,
    # so those pairs go before the exact projection (about a fifth on a street grid)
    bounds = _edge_bounds(rg)[ei]
    px, py = sxy[qi, 0], sxy[qi, 1]
    dx = np.maximum(np.maximum(bounds[:, 0] - px, px - bounds[:, 2]), 0.0)
    dy = np.maximum(np.maximum(bounds[:, 1] - py, py - bounds[:, 3]), 0.0)
    keep = (u != src) & (v != src) & (dx * dx + dy * dy <= max_gap_m * max_gap_m)
    qi, ei, src, u, v = qi[keep], ei[keep], src[keep], u[keep], v[keep]
    length = rg.edges["length_m"].to_numpy()[ei]
    along, target, gap = _project(rg, xy[src], ei)
    # a road passing over/under the dead end is not a gap, and neither is a road on
    # another level (a bridge deck above a ground road): no at-grade link can reach it
    lv, src_level = _levels(rg)
    keep = (gap > 10 * _NODE_TOL_M) & (gap <= max_gap_m) & (lv[ei] == src_level[src])
    qi, ei, src, u, v, along, target, gap, length = (
        a[keep] for a in (qi, ei, src, u, v, along, target, gap, length))
    limit = min_detour_ratio * max_gap_m
    d = _pair_distances(rg, np.concatenate([src, src]), np.concatenate([u, v]), limit)
    du, dv = d[: len(src)], d[len(src):]
    network = np.minimum(du + along, dv + (length - along))
    ratio = network / gap
    keep = ratio >= min_detour_ratio
    tnode = np.where(along <= _NODE_TOL_M, u, np.where(along >= length - _NODE_TOL_M, v, -1))
    out = pd.DataFrame({
        "source": src[keep], "edge": ei[keep], "along_m": along[keep], "gap_m": gap[keep],
        "network_m": network[keep], "target_node": tnode[keep],
        "tx": target[keep, 0], "ty": target[keep, 1],
    })
    if len(out) == 0:
        return out
    # the connector must reach its target in a straight line: a candidate is blocked
    # where it crosses another road on the same level.  Checked in rounds, nearest
    # candidate of each dead end first, so most dead ends need one test.
    out = out.sort_values(["source", "gap_m"], kind="stable").reset_index(drop=True)
    src_all = out["source"].to_numpy()
    rank = np.arange(len(out)) - np.searchsorted(src_all, src_all, side="left")
    t_xy = out[["tx", "ty"]].to_numpy()
    usable = np.zeros(len(out), dtype=bool)
    resolved = np.zeros(len(rg.nodes), dtype=bool)
    for r in range(int(rank.max()) + 1):
        pick = np.nonzero((rank == r) & ~resolved[src_all])[0]
        if len(pick) == 0:
            break
        conn = shapely.linestrings(np.stack([xy[src_all[pick]], t_xy[pick]], axis=1))
        ci, xe = rg.edge_tree.query(conn, predicate="crosses")
        blocked = np.zeros(len(pick), dtype=bool)
        blocked[ci[lv[xe] == src_level[src_all[pick]][ci]]] = True
        usable[pick[~blocked]] = True
        resolved[src_all[pick[~blocked]]] = True
    return out[usable].reset_index(drop=True)


def _project(rg: RoadGraph, pxy: np.ndarray, edge: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest point of edge ``edge[i]`` to point ``pxy[i]``: (along_m, xy, distance_m).

    The numpy equivalent of ``shapely.line_locate_point`` followed by
    ``line_interpolate_point``: every pair is expanded over the segments of its
    edge, each point is projected on each segment, and the nearest projection
    is kept (the first one on ties, as GEOS does).
    """
    if len(edge) == 0:
        return np.empty(0), np.empty((0, 2)), np.empty(0)
    vxy, off, val = rg._edge_vertices
    nseg = off[edge + 1] - off[edge] - 1
    pair = np.repeat(np.arange(len(edge)), nseg)
    first = np.cumsum(nseg) - nseg
    k = np.repeat(off[edge] - first, nseg) + np.arange(len(pair))
    a, b = vxy[k], vxy[k + 1]
    d = b - a
    l2 = np.einsum("ij,ij->i", d, d)
    e = pxy[pair]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.clip(np.einsum("ij,ij->i", e - a, d) / l2, 0.0, 1.0)
    t[l2 == 0] = 0.0
    x = a + t[:, None] * d
    dist2 = np.einsum("ij,ij->i", e - x, e - x)
    best = np.minimum.reduceat(dist2, first)
    hit = np.flatnonzero(dist2 <= best[pair])
    hit = hit[np.r_[True, pair[hit][1:] != pair[hit][:-1]]]
    along = val[k[hit]] + t[hit] * np.sqrt(l2[hit])
    return along, x[hit], np.sqrt(dist2[hit])


def _edge_bounds(rg: RoadGraph) -> np.ndarray:
    """Bounding boxes (minx, miny, maxx, maxy) of every edge, computed once per graph."""
    b = rg.__dict__.get("_edge_bounds")
    if b is None:
        b = shapely.bounds(rg.edge_geoms)
        rg.__dict__["_edge_bounds"] = b
    return b


def _levels(rg: RoadGraph) -> tuple[np.ndarray, np.ndarray]:
    """Level of every edge and node as integer codes (compared without strings).

    A node takes the level of one edge that ends at it (numpy keeps the last
    write: an edge it starts, else one it ends); a node where levels meet (a
    ramp landing) has one of them.
    """
    codes, _ = pd.factorize(rg.edges["level"].to_numpy())
    e = rg.edges
    node = np.full(len(rg.nodes), -1, dtype=np.int64)
    if len(codes):
        zero = np.flatnonzero(rg.edges["level"].to_numpy() == "0")
        fill = codes[zero[0]] if len(zero) else -1
        node[:] = fill
        node[e["v"].to_numpy()] = codes
        node[e["u"].to_numpy()] = codes
    return codes.astype(np.int64), node
