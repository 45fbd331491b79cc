"""Noding kernels of :func:`zjgis.network.build_graph` (private).

All vectorised numpy: a uniform-grid box join (the box query of
:class:`shapely.STRtree` without a geometry per box), segment pairs whose boxes
meet, their intersections solved in closed form, undershoot snapping, cutting
lines at global vertex positions, and point clustering within a tolerance.
Coordinates are metres in the graph's metric CRS.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from zjgis._log import get_logger

log = get_logger("zjgis.network")

_NODE_TOL_M = 1e-3  # piece endpoints closer than this are one node
_END_TOL_M = 1e-4  # an intersection this close to a segment end is that end


def _lexunique(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique rows of an (n, 2) float array: (unique points, inverse).

    Unique points come in order of first appearance.  Each point is hashed as one
    complex number (pandas factorize, O(n)), about twice as fast as sorting rows.
    """
    z = np.ascontiguousarray(pts, dtype=np.float64) + 0.0  # -0.0 -> 0.0
    codes, uniq = pd.factorize(z.view(np.complex128).ravel())
    return np.column_stack([uniq.real, uniq.imag]), codes.astype(np.int64, copy=False)


def _cluster(pts: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Cluster points closer than ``tol`` (single linkage): (labels, centre of each cluster)."""
    uniq, inv = _lexunique(pts)
    if tol <= 0 or len(uniq) < 2:
        return inv, uniq
    pairs = cKDTree(uniq).query_pairs(tol, output_type="ndarray")
    if len(pairs) == 0:
        return inv, uniq
    n = len(uniq)
    adj = sparse.coo_matrix((np.ones(len(pairs), bool), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    ncomp, lab = csgraph.connected_components(adj, directed=False)
    cnt = np.bincount(lab, minlength=ncomp)
    cx = np.bincount(lab, weights=uniq[:, 0], minlength=ncomp) / cnt
    cy = np.bincount(lab, weights=uniq[:, 1], minlength=ncomp) / cnt
    centre = np.column_stack([cx, cy])
    single = cnt[lab] == 1  # keep exact coordinates of lone points
    centre[lab[single]] = uniq[single]
    return lab[inv], centre


def _grid_cells(lo: np.ndarray, hi: np.ndarray, base: np.ndarray, cell: float, ny: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """Every grid cell each box touches: (box index, cell key) per (box, cell)."""
    i0 = ((lo - base) // cell).astype(np.int64)
    i1 = ((hi - base) // cell).astype(np.int64)
    w = i1[:, 0] - i0[:, 0] + 1
    nc = w * (i1[:, 1] - i0[:, 1] + 1)
    box = np.repeat(np.arange(len(lo)), nc)
    k = np.arange(len(box)) - np.repeat(np.cumsum(nc) - nc, nc)
    kw = w[box]
    key = (i0[box, 0] + k % kw) * ny + i0[box, 1] + k // kw
    return box, key


def _box_join(qlo: np.ndarray, qhi: np.ndarray, lo: np.ndarray | None = None,
              hi: np.ndarray | None = None, *, cell: float | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of overlapping boxes (touching counts), by a uniform grid hash in numpy.

    With ``lo``/``hi`` omitted, the boxes are joined with themselves and each pair
    ``(a, b)``, ``a < b``, is returned once; else pairs ``(query, box)``.  This is
    the box query of :class:`shapely.STRtree` without building a geometry per box:
    each box is listed in every cell of side ``cell`` it touches, boxes sharing a
    cell are paired, and a pair is kept only in the cell holding the lower-left
    corner of the two boxes' intersection (so it is reported once).  ``cell``
    defaults to half the median box size (at least a quarter of the median query box).
    """
    self_join = lo is None or hi is None
    if lo is None or hi is None:
        lo, hi = qlo, qhi
    if len(qlo) == 0 or len(lo) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if cell is None:  # measured on 0.8M street segments: 0.5x the median is fastest
        cell = 0.5 * float(np.median((hi - lo).max(axis=1)))
        if not self_join:
            cell = max(cell, 0.25 * float(np.median((qhi - qlo).max(axis=1))))
    allhi = np.maximum(hi.max(axis=0), qhi.max(axis=0))
    base = np.minimum(lo.min(axis=0), qlo.min(axis=0))
    span = float((allhi - base).max())
    cell = max(cell, span / 4096) if cell > 0 else max(span / 64, 1e-9)
    ny = int((allhi[1] - base[1]) // cell) + 2
    box, key = _grid_cells(lo, hi, base, cell, ny)
    order = np.argsort(key, kind="stable")
    key, box = key[order], box[order]
    if self_join:
        m = len(key)
        run_end = np.r_[np.flatnonzero(np.diff(key)) + 1, m]
        run_len = np.diff(np.r_[0, run_end])
        cnt = np.repeat(run_end, run_len) - np.arange(m) - 1
        ia = np.repeat(np.arange(m), cnt)
        ib = ia + 1 + np.arange(len(ia)) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        a, b, pkey = box[ia], box[ib], key[ia]
        qlo, qhi = lo, hi
    else:
        qbox, qkey = _grid_cells(qlo, qhi, base, cell, ny)
        start = np.searchsorted(key, qkey, side="left")
        cnt = np.searchsorted(key, qkey, side="right") - start
        iq = np.repeat(np.arange(len(qkey)), cnt)
        ib = np.repeat(start, cnt) + np.arange(len(iq)) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        a, b, pkey = qbox[iq], box[ib], qkey[iq]
    corner = np.maximum(qlo[a], lo[b])
    ok = (corner[:, 0] <= np.minimum(qhi[a, 0], hi[b, 0])) & \
         (corner[:, 1] <= np.minimum(qhi[a, 1], hi[b, 1]))
    ref = ((corner - base) // cell).astype(np.int64)
    ok &= ref[:, 0] * ny + ref[:, 1] == pkey
    a, b = a[ok], b[ok]
    if self_join:
        a, b = np.minimum(a, b), np.maximum(a, b)
    return a, b


def _segment_pairs(P: np.ndarray, Q: np.ndarray, qlo: np.ndarray | None = None,
                   qhi: np.ndarray | None = None, *, pad: float = 0.0
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Overlapping boxes of segments ``P[i]-Q[i]`` (grown by ``pad``) and query boxes.

    Returns ``(a, b, qi, si)``: segment pairs ``a < b`` whose boxes overlap, and
    (query, segment) pairs — both from one pass of :func:`_box_join` over the
    segment and query boxes together.  Segments longer than 8 grid cells are
    split into pieces for the grid only, so a long diagonal segment is listed in
    O(length) cells, not O(length²) (its pairs are then those whose pieces'
    boxes overlap: fewer than its whole box gives, never missing a real meeting).
    """
    n = len(P)
    nq = 0 if qlo is None else len(qlo)
    empty = np.empty(0, np.int64)
    if n == 0:
        return empty, empty, empty, empty
    lo = np.minimum(P, Q) - pad
    hi = np.maximum(P, Q) + pad
    cell = 0.5 * float(np.median((hi - lo).max(axis=1)))
    top, bottom = hi.max(axis=0), lo.min(axis=0)
    if qlo is not None and qhi is not None and nq:
        top, bottom = np.maximum(top, qhi.max(axis=0)), np.minimum(bottom, qlo.min(axis=0))
    span = float((top - bottom).max())
    cell = max(cell, span / 4096) if cell > 0 else max(span / 64, 1e-9)
    m = np.maximum(np.ceil((hi - lo).max(axis=1) / (8 * cell)).astype(np.int64), 1)
    split = bool((m > 1).any())
    owner = np.arange(n)
    if split:
        owner = np.repeat(owner, m)
        k = np.arange(len(owner)) - np.repeat(np.cumsum(m) - m, m)
        d = (Q - P)[owner]
        A = P[owner] + (k / m[owner])[:, None] * d
        B = P[owner] + ((k + 1) / m[owner])[:, None] * d
        lo, hi = np.minimum(A, B) - pad, np.maximum(A, B) + pad
    if nq:
        lo, hi = np.concatenate([lo, qlo]), np.concatenate([hi, qhi])
        owner = np.concatenate([owner, n + np.arange(nq)])
    a, b = _box_join(lo, hi, cell=cell)
    a, b = owner[a], owner[b]
    a, b = np.minimum(a, b), np.maximum(a, b)
    seg = (b < n) & (a != b)
    qs = (a < n) & (b >= n)
    a, b, qi, si = a[seg], b[seg], b[qs] - n, a[qs]
    if split:  # pieces of one segment may meet the same box in several cells
        key = np.unique(a * n + b)
        a, b = key // n, key % n
        key = np.unique(qi * n + si)
        qi, si = key // n, key % n
    return a, b, qi, si


def _segment_cuts(a, b, P, Q, seg_line, seg_k, first, last, lvl, structure, respect_layers):
    """Intersections between segments: (cut positions, cut xy) for both segments of each pair.

    Candidate pairs ``a``, ``b`` come from a grid hash of the segment boxes
    (:func:`_segment_pairs`); the exact test and the intersection point are
    solved in closed form with numpy.  With ``respect_layers``, lines of
    different levels ``lvl`` (per line) are joined only where one of them ends;
    two lines that are both structures (``structure``: bridge or tunnel, per
    line) are joined only where one ends or at a vertex of both, never where
    their interiors cross (OSM data without ``layer`` tags puts every viaduct on
    one level, and a viaduct passing over another is no junction).
    """
    adjacent = (b == a + 1) & (seg_line[a] == seg_line[b])
    a, b = a[~adjacent], b[~adjacent]
    r = Q[a] - P[a]
    s = Q[b] - P[b]
    qp = P[b] - P[a]
    la = np.hypot(r[:, 0], r[:, 1])
    lb = np.hypot(s[:, 0], s[:, 1])
    d = r[:, 0] * s[:, 1] - r[:, 1] * s[:, 0]
    cross_qp_r = qp[:, 0] * r[:, 1] - qp[:, 1] * r[:, 0]
    para = np.abs(d) <= 1e-12 * la * lb
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (qp[:, 0] * s[:, 1] - qp[:, 1] * s[:, 0]) / d
        u = cross_qp_r / d
    ea0, eb0 = _END_TOL_M / la, _END_TOL_M / lb
    hit = ~para & (t >= -ea0) & (t <= 1 + ea0) & (u >= -eb0) & (u <= 1 + eb0)
    col = para & (np.abs(cross_qp_r) <= _END_TOL_M * la)
    sel = hit | col
    a, b, r, s, qp, la, lb, t, u, cross_qp_r = (
        x[sel] for x in (a, b, r, s, qp, la, lb, t, u, cross_qp_r))
    para = col[sel]
    ea, eb = _END_TOL_M / la, _END_TOL_M / lb
    a0, a1 = t <= ea, t >= 1 - ea
    b0, b1 = u <= eb, u >= 1 - eb
    X = P[a] + t[:, None] * r
    X = np.where(a0[:, None], P[a], X)
    X = np.where(a1[:, None], Q[a], X)
    X = np.where((b0 & ~a0 & ~a1)[:, None], P[b], X)
    X = np.where((b1 & ~a0 & ~a1)[:, None], Q[b], X)
    pos_a = np.where(a0, seg_k[a], np.where(a1, seg_k[a] + 1, seg_k[a] + np.clip(t, 0, 1)))
    pos_b = np.where(b0, seg_k[b], np.where(b1, seg_k[b] + 1, seg_k[b] + np.clip(u, 0, 1)))
    # a fractional position is re-expressed from the point itself when the other segment's
    # end was used (so both lines share the exact coordinate)
    ok = ~para
    if respect_layers:
        same = lvl[seg_line[a]] == lvl[seg_line[b]]
        at_end = (a0 & first[a]) | (a1 & last[a]) | (b0 & first[b]) | (b1 & last[b])
        both = structure[seg_line[a]] & structure[seg_line[b]]
        if both.any():
            shared_vertex = (a0 | a1) & (b0 | b1)
            same &= ~both | shared_vertex
        ok &= same | at_end
    pos = [pos_a[ok], pos_b[ok]]
    xy = [X[ok], X[ok]]
    # collinear overlaps: an end of one segment strictly inside the other
    col = para.copy()
    if respect_layers:
        col &= lvl[seg_line[a]] == lvl[seg_line[b]]
    if col.any():
        ca, cb = a[col], b[col]
        for own, other, pts_own_k in ((ca, cb, (0, 1)), (cb, ca, (0, 1))):
            o_len2 = np.sum((Q[other] - P[other]) ** 2, axis=1)
            for end in pts_own_k:
                pt = P[own] if end == 0 else Q[own]
                tt = np.sum((pt - P[other]) * (Q[other] - P[other]), axis=1) / o_len2
                e = _END_TOL_M / np.sqrt(o_len2)
                inside = (tt > e) & (tt < 1 - e)
                pos.append(seg_k[other][inside] + tt[inside])
                xy.append(pt[inside])
                pos.append((seg_k[own] + end)[inside].astype(float))
                xy.append(pt[inside])
    return np.concatenate(pos), np.concatenate(xy)


def _drop_repeats(coords: np.ndarray, vline: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = np.ones(len(coords), dtype=bool)
    keep[1:] = ~((coords[1:] == coords[:-1]).all(axis=1) & (vline[1:] == vline[:-1]))
    return coords[keep].copy(), vline[keep]


def _line_bounds(coords, vline, part_feat):
    """Drop lines with < 2 vertices; renumber; return (starts, ends, coords, vline, feat, n)."""
    n_parts = len(part_feat)
    counts = np.bincount(vline, minlength=n_parts)
    good = counts >= 2
    if not good.all():
        keepv = good[vline]
        coords, vline = coords[keepv], vline[keepv]
        remap = np.cumsum(good) - 1
        vline = remap[vline]
        part_feat = part_feat[good]
        counts = counts[good]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    ends = starts + counts - 1
    return starts, ends, coords, vline, part_feat, len(part_feat)


def _undershoots(coords, lone, qi, si, P, Q, seg_k, snap_m, same_level=None):
    """Join dangling endpoints to the nearest other segment within ``snap_m``.

    ``qi``, ``si``: pairs (position in ``lone``, segment) whose boxes meet.
    ``same_level(vert, si)``, when given, tells per pair whether the endpoint
    (global vertex index) and the segment are on one level; other pairs are
    dropped (a road end under a bridge is not joined to the bridge deck).
    """
    vert = lone[qi]
    own = (seg_k[si] == vert) | (seg_k[si] + 1 == vert)
    if same_level is not None:
        own |= ~same_level(vert, si)
    qi, si, vert = qi[~own], si[~own], vert[~own]
    if len(qi) == 0:
        return np.empty(0), np.empty((0, 2)), False
    E = coords[vert]
    r = Q[si] - P[si]
    l2 = np.sum(r * r, axis=1)
    t = np.clip(np.sum((E - P[si]) * r, axis=1) / l2, 0, 1)
    proj = P[si] + t[:, None] * r
    dist = np.hypot(*(E - proj).T)
    near = dist <= snap_m  # the grid gave boxes; keep what is really within snap_m
    if not near.all():
        qi, si, vert, E, r, l2, t, dist = (
            x[near] for x in (qi, si, vert, E, r, l2, t, dist))
        if len(qi) == 0:
            return np.empty(0), np.empty((0, 2)), False
    order = np.lexsort((dist, qi))
    firsts = order[np.r_[True, qi[order][1:] != qi[order][:-1]]]
    vert, si, t, E = vert[firsts], si[firsts], t[firsts], E[firsts]
    seglen = np.sqrt(l2[firsts])
    at0 = t * seglen <= snap_m * 1e-3
    at1 = (1 - t) * seglen <= snap_m * 1e-3
    # onto an existing vertex: move the endpoint there (no cut needed beyond the vertex)
    to_vertex = at0 | at1
    moved = bool(to_vertex.any())
    target_k = np.where(at1, seg_k[si] + 1, seg_k[si])
    coords[vert[to_vertex]] = coords[target_k[to_vertex]]
    pos = np.where(to_vertex, target_k, seg_k[si] + t).astype(float)
    xy = np.where(to_vertex[:, None], coords[target_k], E)
    log.debug("snapped %d dangling endpoint(s) onto nearby lines", len(vert))
    return pos, xy, moved


def _cut_lines(coords, vline, starts, ends, pos, xy):
    """Cut lines at global vertex positions ``pos`` (vertex index + fraction)."""
    nv = len(coords)
    line_of = vline[np.clip(np.floor(pos).astype(np.int64), 0, nv - 1)]
    interior = (pos > starts[line_of]) & (pos < ends[line_of])
    pos, xy = pos[interior], xy[interior]
    is_int = pos == np.floor(pos)
    vcut = np.zeros(nv, dtype=bool)
    vcut[pos[is_int].astype(np.int64)] = True
    fpos, fxy = pos[~is_int], xy[~is_int]
    if len(fpos):
        fpos, idx = np.unique(fpos, return_index=True)
        fxy = fxy[idx]
    rec_pos = np.concatenate([np.arange(nv, dtype=float), fpos])
    rec_xy = np.concatenate([coords, fxy])
    rec_cut = np.concatenate([vcut, np.ones(len(fpos), bool)])
    order = np.argsort(rec_pos, kind="stable")
    rec_pos, rec_xy, rec_cut = rec_pos[order], rec_xy[order], rec_cut[order]
    rec_line = vline[np.floor(rec_pos).astype(np.int64)]
    n = len(rec_pos)
    start = np.ones(n, dtype=bool)
    start[1:] = (rec_line[1:] != rec_line[:-1]) | rec_cut[:-1]
    piece = np.cumsum(start) - 1
    # each cut also starts the next piece
    dup = np.nonzero(rec_cut)[0]
    all_piece = np.concatenate([piece, piece[dup] + 1])
    all_key = np.concatenate([np.arange(n), np.full(len(dup), -1)])
    all_xy = np.concatenate([rec_xy, rec_xy[dup]])
    o = np.lexsort((all_key, all_piece))
    all_piece, all_xy = all_piece[o], all_xy[o]
    n_pieces = piece[-1] + 1
    geoms = shapely.linestrings(all_xy, indices=all_piece)
    same = all_piece[1:] == all_piece[:-1]
    seg = np.hypot(*(all_xy[1:] - all_xy[:-1]).T)
    length = np.bincount(all_piece[1:][same], weights=seg[same], minlength=n_pieces)
    first = np.r_[0, np.nonzero(~same)[0] + 1]
    last = np.r_[np.nonzero(~same)[0], len(all_piece) - 1]
    ends_xy = np.stack([all_xy[first], all_xy[last]], axis=1)
    piece_line = rec_line[np.nonzero(start)[0]]
    return geoms, piece_line, length, ends_xy


def _parallel_keys(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    a, b = np.minimum(u, v), np.maximum(u, v)
    order = np.lexsort((b, a))
    sa, sb = a[order], b[order]
    new = np.r_[True, (sa[1:] != sa[:-1]) | (sb[1:] != sb[:-1])]
    grp = np.cumsum(new) - 1
    first = np.nonzero(new)[0]
    rank = np.arange(len(order)) - first[grp]
    keys = np.empty(len(u), dtype=np.int64)
    keys[order] = rank
    return keys
