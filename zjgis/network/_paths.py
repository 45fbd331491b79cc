"""Shortest paths and branch walking on a :class:`~zjgis.network.RoadGraph` (private).

Bounded pair distances by tiled :func:`scipy.sparse.csgraph.dijkstra`, the
lock-step walk from dead ends through degree-2 nodes, and chain labelling.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from zjgis._log import progress
from zjgis.network.graph import RoadGraph

_MAX_DENSE = 1 << 24  # entries of one dense Dijkstra result (128 MB of float64)


def _pair_distances(rg: RoadGraph, src: np.ndarray, dst: np.ndarray, limit_m: float) -> np.ndarray:
    """Network distance from ``src[i]`` to ``dst[i]`` (inf beyond ``limit_m``).

    Bounded Dijkstra (:func:`scipy.sparse.csgraph.dijkstra` with ``limit=``) on
    tiles: sources are grouped by square tiles of side ``T >= limit_m``; each
    group searches the sub-graph of its tile and the 8 around it, which holds
    every path shorter than ``limit_m`` (an edge is never shorter than the
    straight line between its nodes).  Nodes are renumbered tile by tile once,
    so each sub-graph is three contiguous row blocks of one CSR matrix; each
    source is searched once however many pairs it has.
    """
    out = np.full(len(src), np.inf)
    if len(src) == 0:
        return out
    xy = rg.nodes[["x", "y"]].to_numpy()
    n = len(xy)
    lo = xy.min(axis=0)
    span = np.maximum(xy.max(axis=0) - lo, 1.0)
    tile = max(limit_m, 1.0, math.sqrt(span[0] * span[1] * 1000.0 / n))
    nx_t = int(span[0] // tile) + 1
    ny_t = int(span[1] // tile) + 1
    tkey = ((xy[:, 0] - lo[0]) // tile).astype(np.int64) * ny_t + \
        ((xy[:, 1] - lo[1]) // tile).astype(np.int64)
    node_order = np.argsort(tkey, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[node_order] = np.arange(n)
    bounds = np.searchsorted(tkey[node_order], np.arange(nx_t * ny_t + 1))
    coo = rg.matrix.tocoo()
    mp = sparse.csr_matrix((coo.data, (rank[coo.row], rank[coo.col])), shape=(n, n))
    indptr, indices, data = mp.indptr, mp.indices, mp.data
    # unique sources, grouped by tile; pairs grouped the same way
    usrc, s_of_pair = np.unique(src, return_inverse=True)
    s_tile = tkey[usrc]
    s_order = np.argsort(s_tile, kind="stable")
    s_sorted_tile = s_tile[s_order]
    s_breaks = np.r_[0, np.nonzero(np.diff(s_sorted_tile))[0] + 1, len(usrc)]
    row_of = np.empty(len(usrc), dtype=np.int64)
    row_of[s_order] = np.arange(len(usrc)) - np.repeat(s_breaks[:-1], np.diff(s_breaks))
    p_order = np.argsort(s_tile[s_of_pair], kind="stable")
    p_breaks = np.searchsorted(s_tile[s_of_pair][p_order], s_sorted_tile[s_breaks[:-1]])
    p_breaks = np.r_[p_breaks, len(src)]
    dst_rank = rank[dst]
    local = np.full(n, -1, dtype=np.int64)
    # one tile holds ~1,000 nodes: a bar from ~50,000 nodes (about 100k edges) on
    for gi in progress(range(len(s_breaks) - 1), desc="network paths", min_items=50):
        cx, cy = divmod(int(s_sorted_tile[s_breaks[gi]]), ny_t)
        y0, y1 = max(cy - 1, 0), min(cy + 1, ny_t - 1)
        blocks = [(bounds[x * ny_t + y0], bounds[x * ny_t + y1 + 1])
                  for x in range(max(cx - 1, 0), min(cx + 2, nx_t))]
        blocks = [(a, b) for a, b in blocks if b > a]
        off = 0
        for a, b in blocks:
            local[a:b] = np.arange(off, off + b - a)
            off += b - a
        ns = off
        cols = np.concatenate([indices[indptr[a]:indptr[b]] for a, b in blocks])
        vals = np.concatenate([data[indptr[a]:indptr[b]] for a, b in blocks])
        rowlen = np.concatenate([np.diff(indptr[a:b + 1]) for a, b in blocks])
        cols = local[cols]
        keep = cols >= 0
        kept = np.r_[0, np.cumsum(keep)]
        sub_ptr = kept[np.r_[0, np.cumsum(rowlen)]]
        sub = sparse.csr_matrix((vals[keep], cols[keep], sub_ptr), shape=(ns, ns))
        srcs = usrc[s_order[s_breaks[gi]:s_breaks[gi + 1]]]
        pp = p_order[p_breaks[gi]:p_breaks[gi + 1]]
        q_col = local[dst_rank[pp]]
        rows = row_of[s_of_pair[pp]]
        found = q_col >= 0
        # scipy returns a dense (sources x sub-graph) matrix: search in chunks of sources
        # so that it stays below _MAX_DENSE entries (one chunk at the usual limits; the
        # wide searches of _far_pair_distances cover most of a city per tile)
        step = max(1, _MAX_DENSE // max(ns, 1))
        for c0 in range(0, len(srcs), step):
            # the matrix is symmetric: a directed search gives the same distances without
            # scipy building the transpose
            dist = csgraph.dijkstra(sub, directed=True, indices=local[rank[srcs[c0:c0 + step]]],
                                    limit=limit_m)
            sel = found & (rows >= c0) & (rows < c0 + step) if step < len(srcs) else found
            out[pp[sel]] = dist[rows[sel] - c0, q_col[sel]]
        for a, b in blocks:
            local[a:b] = -1
    return out


def _branches(rg: RoadGraph) -> tuple[np.ndarray, np.ndarray]:
    """Chains of edges joined at degree-2 nodes: (chain label per edge, chain length)."""
    u = rg.edges["u"].to_numpy()
    v = rg.edges["v"].to_numpy()
    ne = len(u)
    deg = rg.degree
    inc_node = np.concatenate([u, v])
    inc_edge = np.concatenate([np.arange(ne), np.arange(ne)])
    mid = deg[inc_node] == 2
    n2, e2 = inc_node[mid], inc_edge[mid]
    order = np.argsort(n2, kind="stable")
    n2, e2 = n2[order], e2[order]
    # degree-2 nodes have exactly two incidences, adjacent after sorting
    pairs_a, pairs_b = e2[0::2], e2[1::2]
    adj = sparse.coo_matrix((np.ones(len(pairs_a), bool), (pairs_a, pairs_b)), shape=(ne, ne))
    _, lab = csgraph.connected_components(adj, directed=False)
    length = np.bincount(lab, weights=rg.edges["length_m"].to_numpy())
    return lab, length


def _walk_branches(rg: RoadGraph, de: np.ndarray, max_steps: int = 256
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From each dead end, walk through degree-2 nodes to the first other node.

    Returns (the edge at each dead end, branch length in metres, the node
    reached — −1 when it is another dead end).  All dead ends walk in lock
    step, one edge per numpy step; at a degree-2 node the next edge is the
    node's incident-edge-id sum minus the edge it came by
    (:attr:`RoadGraph._incidence`).  Work is proportional to the branches
    walked, not to the network.  Branches longer than ``max_steps`` edges are
    finished by labelling every chain of the network (:func:`_branches`).
    """
    u = rg.edges["u"].to_numpy()
    v = rg.edges["v"].to_numpy()
    length = rg.edges["length_m"].to_numpy()
    deg = rg.degree
    inc = rg._incidence
    e_at = inc[de]
    e = e_at.copy()
    cur = de.copy()
    branch = np.zeros(len(de))
    junction = np.full(len(de), -1, dtype=np.int64)
    active = np.arange(len(de))
    for _ in range(max_steps):
        if len(active) == 0:
            break
        ea, ca = e[active], cur[active]
        nxt = u[ea] + v[ea] - ca
        branch[active] += length[ea]
        go = deg[nxt] == 2
        stop = active[~go]
        junction[stop] = np.where(deg[nxt[~go]] == 1, -1, nxt[~go])
        active, ea, nxt = active[go], ea[go], nxt[go]
        e[active] = inc[nxt] - ea
        cur[active] = nxt
    if len(active):
        lab, chain_len = _branches(rg)
        branch[active] = chain_len[lab[e_at[active]]]
        junction[active] = _junctions(rg, lab, de[active], e_at[active])
    return e_at, branch, junction


def _junctions(rg: RoadGraph, lab: np.ndarray, de: np.ndarray, e_at: np.ndarray) -> np.ndarray:
    """The node of degree != 2 at the other end of each dead end's chain (−1 if a dead end)."""
    u, v = rg.edges["u"].to_numpy(), rg.edges["v"].to_numpy()
    deg = rg.degree
    inc_node = np.concatenate([u, v])
    inc_chain = np.concatenate([lab, lab])
    term = deg[inc_node] != 2
    tn, tc = inc_node[term], inc_chain[term]
    # for each chain, the terminal incidences; the junction is the one that is not this
    # dead end (a chain has at most two terminal incidences)
    order = np.argsort(tc, kind="stable")
    tn, tc = tn[order], tc[order]
    first = np.searchsorted(tc, lab[e_at], side="left")
    last = np.searchsorted(tc, lab[e_at], side="right") - 1
    a, b = tn[first], tn[last]
    other = np.where(a == de, b, a)
    return np.where(deg[other] == 1, -1, other).astype(np.int64)


def _chain_labels(rg: RoadGraph) -> np.ndarray:
    """Chain label of every edge (:func:`_branches`), computed once per graph."""
    lab = rg.__dict__.get("_chain_labels")
    if lab is None:
        lab = _branches(rg)[0]
        rg.__dict__["_chain_labels"] = lab
    return lab


def _components(rg: RoadGraph) -> np.ndarray:
    """Connected-component label of every node, computed once per graph."""
    lab = rg.__dict__.get("_component_labels")
    if lab is None:
        lab = csgraph.connected_components(rg.matrix, directed=False)[1]
        rg.__dict__["_component_labels"] = lab
    return lab


def _far_pair_distances(rg: RoadGraph, src: np.ndarray, dst: np.ndarray,
                        limit_m: float) -> np.ndarray:
    """Network distance from ``src[i]`` to ``dst[i]`` however far (inf only if disconnected).

    Pairs in different connected components are inf at once; the others are
    searched with :func:`_pair_distances` at a limit that grows fourfold from
    ``limit_m`` until every pair is found (the total edge length bounds any
    shortest path, so the loop ends).
    """
    out = np.full(len(src), np.inf)
    if len(src) == 0:
        return out
    comp = _components(rg)
    todo = np.flatnonzero(comp[src] == comp[dst])
    total = float(rg.edges["length_m"].sum())
    limit = max(float(limit_m), 1.0)
    while len(todo):
        limit *= 4.0
        last = limit >= total
        d = _pair_distances(rg, src[todo], dst[todo], np.inf if last else limit)
        found = np.isfinite(d)
        out[todo[found]] = d[found]
        todo = todo[~found]
        if last:
            break
    return out
