"""Benchmarks of zjgis.network: noding, dead ends, missing links on synthetic road grids.

The synthetic network (:func:`synthetic_roads`) is a jittered grid of streets
100 m apart, drawn as OSM-like ways of 1-6 blocks whose vertices sit between
the crossings (so every crossing has to be found and noded), with 2 % of the
block pieces removed (dead ends) and 1 % of the ways on bridges (not noded
where they cross).  Sizes are given as the number of edges after noding.

Cases
-----
- ``network.end_to_end[N]``: build_graph + dead_ends with kinds (target 1M < 30 s).
- ``network.dead_ends_count[1M]``: dead ends on the already-noded graph
  (:func:`zjgis.network.dead_ends` with ``classify=False``), target: ≥ 5× faster
  than the osmnx way and within 3× of the numpy floor.  The floor is a
  ``np.bincount`` of edge endpoints and a count of ones — a number only.
  ``dead_ends`` returns, beyond that count, a GeoDataFrame with node ids,
  points, name, road class, branch length and junction node (a lock-step
  numpy walk through degree-2 nodes, proportional to the branches walked).
  Both are timed best of 5 inside the case; ``ratio_to_floor`` is reported.
- ``network.dead_ends_kinds[1M]``: the same with kinds (boundary/gap/cul_de_sac).
- ``network.osmnx_way[N]``: osmnx ``graph_from_gdfs`` + ``count_streets_per_node``.
- ``network.missing_links[100k, 10k dead ends]``: target < 10 s.
- ``network.noding[N lines]`` (10k, 100k, 1M input lines, ``way_break=1``: one line
  per block piece, each crossing the next street): build_graph + dead_ends count,
  target 1M lines < 15 s and < 3 GB; the floor (STRtree of the segments and one
  ``query(predicate="intersects")``: every crossing found, nothing cut) and, up to
  100k, the peer (``shapely.node`` + a numpy endpoint count) in the same run.
- ``network.dead_ends_and_links[N]`` (10k, 100k, 1M edges, 6 % of block pieces
  removed: ~93k dead ends at 1M): one candidate search, true detours; target 1M
  < 15 s and < 2.5 GB; the floor (STRtree ``dwithin`` + one bounded multi-source
  Dijkstra) and, at 10k, the peer (``momepy.extend_lines``) in the same run.
  ``zjgis_s`` and ``zjgis_peak_mb`` are taken before the floor and peer run.

Figures on the shared 2-core machine (2026-11-25, after the second round):
end_to_end 10k 0.11 s, 100k 0.83 s, 1M 10.5-11.8 s (1.5 GB peak; was 16 s alone
and 31.5 s under load); dead_ends_count[1M] 0.016 s vs floor 0.007 s (2.2×);
dead_ends_kinds[1M] 3.7 s; osmnx way 1M 28.5 s (speed-up ~1,600×; at 100k the
fixed cost of building a GeoDataFrame makes the ratio to the 0.5 ms floor 6.6×);
missing_links[100k] 2.3 s.

Figures of the third round (2026-12-01, 23:00-23:16 UTC, while eight helpers
benchmarked at once: load average 8-13 on 2 cores, so every time, the floors'
included, is 2-3x a quiet run; compare the ratios):

=============================  ========  =======  =====  =======  ==================
case                           zjgis s   floor s  ratio  peak MB  peer
=============================  ========  =======  =====  =======  ==================
noding[10k lines]              0.83      0.24     3.4    260      shapely.node 2.3 s
noding[100k lines]             5.0       2.1      2.4    462      shapely.node 16.2 s
noding[1M lines] (1.96M edges) 115.6     50.2     2.3    2,361    —
dead_ends_and_links[10k]       0.46      0.08     5.6    261      momepy 28.9 s
dead_ends_and_links[100k]      4.8       1.2      4.0    444      —
dead_ends_and_links[1M]        50.2      13.4     3.8    2,361    —
osmnx_way[1M] (count only)     0.11      0.022    5.0    2,528    osmnx 154 s
=============================  ========  =======  =====  =======  ==================

Figures of the fourth round (2026-12-02, 01:45-02:05 UTC, quiet machine: no other job;
each line one run of ``benchmarks/run.py``; floor and peer in the same run):

=============================  ========  =======  =====  =======  ==================
case                           zjgis s   floor s  ratio  peak MB  peer
=============================  ========  =======  =====  =======  ==================
noding[10k lines]              0.12      0.039    3.0    257      shapely.node 0.43 s
noding[100k lines]             1.75      0.81     2.2    462      shapely.node 4.75 s
noding[1M lines] (1.96M edges) 13.07     6.80     1.9    2,384    —
dead_ends_and_links[10k]       0.12      0.020    6.1    267      momepy 12.8 s
dead_ends_and_links[100k]      1.16      0.31     3.7    450      —
dead_ends_and_links[1M]        12.92     3.15     4.1    2,354    —
=============================  ========  =======  =====  =======  ==================

Both 1M targets are met: noding 13.1 s < 15 s and 2.38 GB < 3 GB (16.5 s in the run
before the garbage collector was paused during the noding, ``zjgis._bulk``); missing
links 12.9 s < 15 s and 2.35 GB < 2.5 GB (the graph included).  shapely.node is not run
at 1M lines (the issue measured 86.9 s, momepy 465 s).

Third-round notes: memory targets were met (2.36 GB < 3 GB for 1M lines; 2.36 GB < 2.5 GB for links
at 956k edges, the graph itself included).  The 15 s time targets are not met in
this run; scaled by the floors of the issue's quiet run (crossings 6.6 s, links
5.4 s) the ratios give about 15 s and 20 s.
"""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import shapely
from _harness import case

from zjgis import network


def synthetic_roads(n_edges: int, *, seed: int = 0, removed: float = 0.02,
                    bridges: float = 0.01, way_break: float = 0.3) -> gpd.GeoDataFrame:
    """A jittered street grid with about ``n_edges`` edges after noding (EPSG:32651).

    ``way_break`` is the chance that a way ends at a block boundary (0.3: ways
    of about three blocks; 1.0: one line per block piece, about one input line
    per edge — the "crossing lines" of the noding cases).
    """
    rng = np.random.default_rng(seed)
    n = int(np.ceil(np.sqrt(n_edges / 2.5))) + 1
    spacing = 100.0
    origin = np.array([380_000.0, 3_450_000.0])
    frames = []
    for horizontal in (True, False):
        # vertices between crossings: positions (i + 0.5) * spacing, i = -1 .. n-1
        m = n + 1
        along = (np.arange(m) - 0.5) * spacing
        streets = np.repeat(np.arange(n), m)
        s_along = np.tile(along, n) + rng.normal(0, 5, n * m)
        s_across = streets * spacing + rng.normal(0, 3, n * m)
        xy = np.column_stack([s_along, s_across] if horizontal else [s_across, s_along])
        xy += origin
        vid = np.arange(n * m).reshape(n, m)
        seg_start = vid[:, :-1].ravel()
        keep = rng.random(len(seg_start)) >= removed
        brk = rng.random(len(seg_start)) < way_break
        prev_kept = np.r_[False, keep[:-1]]
        first_in_street = (seg_start % m) == 0
        way_start = keep & (first_in_street | ~prev_kept | brk)
        seg = seg_start[keep]
        wid = np.cumsum(way_start)[keep] - 1
        last = np.r_[wid[1:] != wid[:-1], True]
        rec_way = np.concatenate([wid, wid[last]])
        rec_ord = np.concatenate([2 * seg, 2 * seg[last] + 1])
        rec_v = np.concatenate([seg, seg[last] + 1])
        o = np.lexsort((rec_ord, rec_way))
        geoms = shapely.linestrings(xy[rec_v[o]], indices=rec_way[o])
        nw = len(geoms)
        frames.append(gpd.GeoDataFrame(
            {
                "name": np.char.add("H" if horizontal else "V",
                                    (seg[np.r_[True, wid[1:] != wid[:-1]]] // m).astype(str)),
                "highway": np.where(rng.random(nw) < 0.2, "secondary", "residential"),
                "bridge": np.where(rng.random(nw) < bridges, "yes", None),
            },
            geometry=geoms, crs="EPSG:32651"))
    out = gpd.GeoDataFrame(np.concatenate([f.to_numpy() for f in frames]),
                           columns=frames[0].columns, geometry="geometry", crs="EPSG:32651")
    return out


def _roads(n):
    return lambda: synthetic_roads(n)


def _graph(n):
    return lambda: network.build_graph(synthetic_roads(n))


for _n, _label, _target in ((10_000, "10k", 1.0), (100_000, "100k", 4.0),
                            (1_000_000, "1M", 30.0)):

    @case(f"network.end_to_end[{_label}]", setup=_roads(_n), target_s=_target,
          note="build_graph + dead_ends with kinds (boundary/gap/cul_de_sac)")
    def _end_to_end(roads):
        g = network.build_graph(roads)
        de = network.dead_ends(g)
        return {"input_lines": len(roads), "edges": len(g.edges), "nodes": len(g.nodes),
                "dead_ends": len(de), **{k: int(v) for k, v in de["kind"].value_counts().items()}}


def _best(func, n=5):
    best, out = float("inf"), None
    for _ in range(n):
        t = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - t)
    return out, best


def _floor(g):
    """The floor: a vectorised numpy count of endpoint occurrences (a count only)."""
    u, v = g.edges["u"].to_numpy(), g.edges["v"].to_numpy()
    occ = np.bincount(np.concatenate([u, v]), minlength=len(g.nodes))
    return int((occ == 1).sum())


@case("network.dead_ends_count[1M]", setup=_graph(1_000_000), repeat=3,
      note="dead_ends(classify=False) on the noded 1M network vs the numpy floor (best of 5 "
           "each, inside the case); target ratio_to_floor <= 3; see network.osmnx_way[*] for "
           "the osmnx way")
def _dead_ends_count(g):
    de, t_zjgis = _best(lambda: network.dead_ends(g, classify=False))
    floor_count, t_floor = _best(lambda: _floor(g))
    assert floor_count == len(de)
    return {"edges": len(g.edges), "dead_ends": len(de), "zjgis_s": round(t_zjgis, 4),
            "floor_s": round(t_floor, 4), "ratio_to_floor": round(t_zjgis / t_floor, 2),
            "ratio_target": 3.0, "ratio_met": t_zjgis / t_floor <= 3.0,
            "floor_measures": "bincount of u,v endpoint occurrences; count of ones",
            "zjgis_adds": "node ids, points, name, road_class, branch_length_m, junction_node "
                          "(walk through degree-2 nodes), GeoDataFrame"}


@case("network.dead_ends_kinds[1M]", setup=_graph(1_000_000),
      note="dead_ends with kinds (boundary/gap/cul_de_sac) on the already-noded 1M network")
def _dead_ends_kinds(g):
    de = network.dead_ends(g)
    return {"edges": len(g.edges), "dead_ends": len(de),
            **{k: int(v) for k, v in de["kind"].value_counts().items()}}


def _osmnx_way(g):
    import osmnx as ox

    nodes = g.nodes
    edges = g.edges.set_index(["u", "v", "key"])
    t = time.perf_counter()
    G = ox.convert.graph_from_gdfs(nodes, edges)
    t_build = time.perf_counter() - t
    sc = ox.stats.count_streets_per_node(G)
    count = sum(1 for c in sc.values() if c <= 1)
    t_total = time.perf_counter() - t
    de, t_zjgis = _best(lambda: network.dead_ends(g, classify=False))
    floor_count, t_floor = _best(lambda: _floor(g))
    assert count == len(de) == floor_count
    return {"edges": len(g.edges), "dead_ends": count, "osmnx_graph_s": round(t_build, 2),
            "osmnx_total_s": round(t_total, 2), "zjgis_s": round(t_zjgis, 4),
            "floor_s": round(t_floor, 4), "speedup_vs_osmnx": round(t_total / t_zjgis, 1),
            "speedup_target": 5.0, "ratio_to_floor": round(t_zjgis / t_floor, 2),
            "ratio_target": 3.0}


for _n, _label in ((100_000, "100k"), (1_000_000, "1M")):
    case(f"network.osmnx_way[{_label}]", setup=_graph(_n),
         note="osmnx graph_from_gdfs + count_streets_per_node on the same noded graph "
              "(timed inside; the case time includes zjgis too)")(_osmnx_way)


def _peak_mb() -> float:
    """Peak resident memory of this process so far (VmHWM, MB)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _segments(roads):
    xy, idx = shapely.get_coordinates(np.asarray(roads.geometry.values), return_index=True)
    k = np.flatnonzero(idx[1:] == idx[:-1])
    return shapely.linestrings(np.stack([xy[k], xy[k + 1]], axis=1)), idx[k]


def _crossings_floor(roads):
    """The noding floor: every pair of segments (of different lines) that intersect.

    One STRtree over the straight segments and one ``query(predicate="intersects")``
    — the least work that tells where lines must be cut; no cutting, no nodes, no
    graph.
    """
    segs, line = _segments(roads)
    a, b = shapely.STRtree(segs).query(segs, predicate="intersects")
    keep = line[a] < line[b]
    return int(keep.sum())


def _noding_peer(roads):
    """shapely.node over the whole network, then endpoint degrees with numpy."""
    noded = shapely.get_parts(shapely.node(shapely.GeometryCollection(
        list(np.asarray(roads.geometry.values)))))
    ends = np.concatenate([shapely.get_coordinates(shapely.get_point(noded, 0)),
                           shapely.get_coordinates(shapely.get_point(noded, -1))])
    _, inv, cnt = np.unique(ends, axis=0, return_inverse=True, return_counts=True)
    return len(noded), int((cnt == 1).sum())


def _noding_case(lines: int, peer: bool):
    n_edges = int(lines * 1.27)  # way_break=1: about 0.79 input lines per edge

    def setup():
        return synthetic_roads(n_edges, way_break=1.0)

    def run(roads):
        t = time.perf_counter()
        g = network.build_graph(roads)
        de = network.dead_ends(g, classify=False)
        t_zjgis = time.perf_counter() - t
        peak = _peak_mb()
        t = time.perf_counter()
        pairs = _crossings_floor(roads)
        t_floor = time.perf_counter() - t
        out = {"input_lines": len(roads), "edges": len(g.edges), "nodes": len(g.nodes),
               "dead_ends": len(de), "zjgis_s": round(t_zjgis, 3),
               "zjgis_peak_mb": round(peak), "floor_s": round(t_floor, 3),
               "floor_crossing_pairs": pairs, "ratio_to_floor": round(t_zjgis / t_floor, 2),
               "memory_target_mb": 3000, "memory_met": peak <= 3000,
               "floor_measures": "STRtree of segments + query(predicate='intersects')"}
        if peer:
            t = time.perf_counter()
            n_noded, n_dead = _noding_peer(roads)
            out.update(peer="shapely.node + numpy endpoint count",
                       peer_s=round(time.perf_counter() - t, 3), peer_edges=n_noded,
                       peer_dead_ends_no_layers=n_dead)
        return out

    return setup, run


for _lines, _label, _peer in ((10_000, "10k", True), (100_000, "100k", True),
                              (1_000_000, "1M", False)):
    _s, _r = _noding_case(_lines, _peer)
    case(f"network.noding[{_label} lines]", setup=_s, target_s=15.0 if _lines >= 10**6 else None,
         note="build_graph + dead_ends(classify=False) on crossing lines (one line per block "
              "piece); zjgis_s and zjgis_peak_mb are zjgis alone, then the floor"
              + (" and shapely.node (the peer; it ignores bridges)" if _peer else "")
              + " in the same run")(_r)


def _links_floor(g):
    """The missing-links floor: STRtree dwithin of dead ends to edges + one bounded
    multi-source Dijkstra from all dead ends (csgraph, limit, min_only)."""
    from scipy.sparse import csgraph

    de = np.flatnonzero(g.degree == 1)
    pts = shapely.points(g.nodes[["x", "y"]].to_numpy()[de])
    qi, ei = g.edge_tree.query(pts, predicate="dwithin", distance=network.MAX_GAP_M)
    d = csgraph.dijkstra(g.matrix, directed=False, indices=de, min_only=True,
                         limit=network.MIN_DETOUR_RATIO * network.MAX_GAP_M)
    return len(qi), int(np.isfinite(d).sum())


def _momepy_peer(g):
    import warnings

    import momepy

    edges = g.edges[["geometry"]].copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = momepy.extend_lines(edges, tolerance=network.MAX_GAP_M)
    return int((out.geometry.length - edges.geometry.length > 1e-6).sum())


def _links_case(n: int, peer: bool):
    def setup():
        return network.build_graph(synthetic_roads(n, removed=0.06, seed=1))

    def run(g):
        t = time.perf_counter()
        ends, links = network.dead_ends_and_links(g)
        t_zjgis = time.perf_counter() - t
        peak = _peak_mb()
        t = time.perf_counter()
        n_pairs, reached = _links_floor(g)
        t_floor = time.perf_counter() - t
        out = {"edges": len(g.edges), "dead_ends": len(ends),
               "gaps": int((ends["kind"] == "gap").sum()), "links": len(links),
               "beyond_limit": int(links["beyond_limit"].sum()),
               "zjgis_s": round(t_zjgis, 3), "zjgis_peak_mb": round(peak),
               "floor_s": round(t_floor, 3), "ratio_to_floor": round(t_zjgis / t_floor, 2),
               "memory_target_mb": 2500, "memory_met": peak <= 2500,
               "floor_measures": "STRtree dwithin + one bounded multi-source Dijkstra"}
        if peer:
            t = time.perf_counter()
            extended = _momepy_peer(g)
            out.update(peer="momepy.extend_lines(tolerance=MAX_GAP_M)",
                       peer_s=round(time.perf_counter() - t, 3), peer_extended=extended)
        return out

    return setup, run


for _n, _label, _peer in ((10_000, "10k", True), (100_000, "100k", False),
                          (1_000_000, "1M", False)):
    _s, _r = _links_case(_n, _peer)
    case(f"network.dead_ends_and_links[{_label}]", setup=_s,
         target_s=15.0 if _n >= 10**6 else None,
         note="dead_ends + missing_links in one pass (one candidate search, true detours) on "
              "a grid with 6 % of block pieces removed; then the floor"
              + (" and momepy.extend_lines (the peer)" if _peer else "")
              + " in the same run")(_r)


def _ml_setup():
    g = network.build_graph(synthetic_roads(100_000, removed=0.06, seed=1))
    return g


@case("network.missing_links[100k]", setup=_ml_setup, target_s=10.0,
      note="missing_links on a 100k-edge grid with ~10,000 dead ends")
def _missing(g):
    ml = network.missing_links(g)
    return {"edges": len(g.edges), "dead_ends": int((g.degree == 1).sum()),
            "candidates": len(ml)}
