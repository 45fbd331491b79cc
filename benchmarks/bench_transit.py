"""Station catchments (``transit.station_coverage``, network mode) at city scale.

A 225 × 225 street grid with 100 m blocks (50,625 nodes, 100,800 edges — the
size of Pudong's walk network) and 10 / 100 / 1,000 stations at random
positions off the streets, distances 300/500/600/800 m, 20,000 population
points.  In each case, in the same process and run, best of 3 each:

* **zjgis** — ``station_coverage(stations, roads=graph)``: edge-point
  snapping of the stations and one bounded multi-source Dijkstra (the timed
  figure, ``zjgis_s``); ``zjgis_with_points_s`` adds 20,000 population points
  (edge-point snapping, coverage at every distance).  The polygons are built
  on first access of ``.areas`` and timed in ``transit.areas[*]``;
* **floor** — ``cKDTree`` snapping of the stations to nodes plus one
  ``scipy.sparse.csgraph.dijkstra(limit=800, min_only=True)`` (distances only);
* **peer** — networkx ``multi_source_dijkstra_path_length(cutoff=800)`` from
  the same snapped nodes on ``graph.graph`` (distances only).

Targets (issue 19.1): 1,000 stations × 4 distances under 3 s and within 30×
the floor; ``ratio_to_floor`` is in the results table.

Measured 2026-12-01 on the shared 2-core machine (other jobs running), one run:

=========  =======  =======  ========  ==========  ===============  =========
stations   zjgis s  floor s  ratio     networkx s  + 20k points s   polygons s
=========  =======  =======  ========  ==========  ===============  =========
10         0.060    0.069    0.9×      0.109       1.55             2.8
100        0.057    0.039    1.5×      0.435       1.11             23.6
1,000      0.171    0.139    1.2×      2.78        1.75             120.3
=========  =======  =======  ========  ==========  ===============  =========

The coverage figures meet both targets (0.17 s < 3 s; 1.2× the floor; 16×
faster than networkx).  Snapping 20,000 points to their nearest edge
(``STRtree.query_nearest``) costs ~1.5 s.  The service-area *polygons* (one
buffer-and-union of up to ~100k street pieces per distance) do not: 120 s for
1,000 stations on this dense grid, where 800 m catchments cover 90 % of it.

Service-area polygons, before and after (helper B2, 2026-12-02, shared 2-core
machine at load 4–5; one script, the same stations and graph, each case run
twice in a row; "before" is ``transit.py`` of commit a2b9559, one buffer per
street piece and a tiled cascaded union; "after" merges the pieces into
chains running straight through crossings, buffers the chains, skips cutting
whole edges and builds two bands at once on two threads).  Areas identical
(IoU 1.0 at every distance, 4 distances × 3 sizes):

=========  ==========  ===========  =========  =======  ==========  ==================
stations   before s    after s      speed-up   floor s  networkx s  after / floor
=========  ==========  ===========  =========  =======  ==========  ==================
10         2.83, 4.10  1.12, 1.24   2.5–3.3×   0.10     0.15–0.23   ~11×
100        18.6, 20.4  8.36, 5.39   2.2–3.8×   0.05–0.1 0.40–0.61   80–105×
1,000      78.0, 123   42.4, 23.1   1.8–5.3×   0.12     1.85–1.89   200–360×
=========  ==========  ===========  =========  =======  ==========  ==================

(run 1 of 1,000 stations shared the cores with another experiment; run 2 is
the cleaner figure.)  The target — 1,000 stations × 4 distances **under 3 s**,
within 30× the floor — is NOT met for the polygons: 23 s is still ~8× over.
What was tried and rejected on the 1,000-station case: one
``buffer(MultiLineString)`` of all pieces, of their ``union_all`` or
``line_merge`` (5–6× *slower* than the per-piece union: GEOS nodes every
offset curve at once); ``union_all(grid_size=0.01)`` (4× slower);
``buffer(MultiPolygon, 0)`` (12× slower at 800 m); union per direction sector
then across sectors (1.7× slower); tiling the chain union (no gain);
``quad_segs=4`` (1.3× faster but IoU 0.99966 < 0.9999).  The remaining cost
is the union of the bands (~200k crossings on this grid, where 50 m bands
meet exactly along every block's midline) and the 300/500 m bands' many short
chains; a per-face construction (a block whose sides are all reached is
covered up to its erosion by the buffer) would avoid most crossings and is
the next step.

Fourth round (2026-12-02, 01:45-02:00 UTC, quiet machine; one run each, floor and
networkx in the same run).  The polygons are now built from runs along strokes
merged once per graph (no ``line_merge`` per distance), one union per group of
overlapping bands, vectorised sliver removal and one reprojection; the geodesic
area reads every ring at once.  Same polygons (IoU 1.0 against the previous code
at every distance, 10 and 1,000 stations):

=========  =======  =======  =====  ==========  ===============  ==========
stations   zjgis s  floor s  ratio  networkx s  + 20k points s   polygons s
=========  =======  =======  =====  ==========  ===============  ==========
10         0.014    0.021    0.7×   0.038       0.44             1.2
100        0.019    0.022    0.9×   0.19        0.42             2.1
1,000      0.043    0.047    0.9×   0.82        0.46             7.3
=========  =======  =======  =====  ==========  ===============  ==========

Coverage by zone and points meets the targets (0.04 s < 3 s, 0.9× the floor).
The service-area polygons do not: 7.3 s for 1,000 stations × 4 distances (was
21 s on a quiet machine), against 3 s.  Of the 7.3 s, the GEOS unions of the
street bands are ~5.5 s of CPU over two threads, the 1 cm snapping that keeps the
rings valid in lon/lat ~2 s, the geodesic areas ~1 s.  Tried this round and
rejected: a per-face construction (a block whose sides are all reached is covered
up to its inward buffer; on this grid most bands still border a partly reached
block, and the union of a large covered polygon with the rest was slower),
snapping the bands to 1 cm before the union (2-3× slower: exact coincidences),
widening the bands by 1 mm so they overlap instead of touching (no gain), flat
caps (only 2× on the union even if every cap could go, and here the run ends are
the catchment frontier, which needs round caps).

Fifth round (2026-12-02, 04:35 UTC, quiet machine, one run each; only the polygon
cases were run, the coverage figures above are unchanged code).  What the 7.3 s held
that was not geometry: every area was checked for validity twice (after its 1 cm
snapping in metres and again inside ``geodesic_area``, ~0.3-0.5 s each for an area
with a thousand holes), snapped although it stayed in the metric CRS, and measured in
the main thread after all bands; the strokes built their end points as shapely
objects.  Now the union (valid in metres) is measured without a second check, put on
the 1 cm grid of its CRS only when reprojected (after one check there, and a repair if
a µm-near ring crossed a bent km-long edge), finished on the band's own thread; the
strokes read the graph's cached end vertices and merge their sectors on two threads.
Areas: the same to 2e-6 (the 1 cm snapping in metres is gone), IoU ≥ 0.99998 against
the fourth round at every distance:

=========  =================  ==========  =================================
stations   polygons s (was)   zjgis s     lon/lat stations and streets
=========  =================  ==========  =================================
10         0.68 (1.2)         0.70
100        1.38 (2.1)         1.41
1,000      4.42 (7.3)         4.50        5.5 polygons, all valid in lon/lat
=========  =================  ==========  =================================

Still over the 3 s target.  Of the 4.4 s, the GEOS unions are ~5 s of CPU over two
threads and the strokes 0.45 s; with the unions perfectly shared the floor of this
construction is ~3.3 s.  Tried this round and rejected (each measured on the 1,000-
station bands): GEOS ``disjoint_subset_union_all`` and unions per direction sector
(within noise of the present union); Clipper 6 (pyclipper 1.4) for the union (no faster,
with the conversion); flat-capped bands plus end discs (1.4× slower: crossings, not
vertices, cost); dropping the bands of streets whose neighbouring blocks are all
covered and adding those blocks by ``coverage_union`` (exact, but the kept bands, cut
into shorter runs, union slower); each distance as the last one plus the pieces reached
since (2× slower); noding all band outlines and polygonizing (3× slower); runs cut to
at most 0.8-3 km (no gain).

Sixth round (2026-12-02, 05:50-06:40 UTC, quiet machine).  The 1,000-station polygons,
three runs back to back: 4.27, 4.25, 4.50 s (code unchanged since the fifth round).  Per
distance, one thread, in seconds of the band union against the alternatives tried (the
same runs and bands; "IoU" against the present union):

=======================================================  =====  =====  =====  =====
construction                                             300 m  500 m  600 m  800 m
=======================================================  =====  =====  =====  =====
present: cascaded union per overlap group                1.2    2.0    1.7    0.8
Clipper 6 offset (open round ends, offset + union)       1.3    2.7    2.0    0.8
tiles of 2/4 km: clip, union per tile, coverage union    2.0    1.8    1.8    1.0
bands only beside a face not fully reached, round caps   1.5    2.5    1.9    0.6
the same with flat caps (a lower bound, not the area)    0.7    1.2    0.8    0.4
=======================================================  =====  =====  =====  =====

* The tiles' own unions take 1.2-1.5 s at 500/600 m: tiling removes the top levels of the
  cascade, which were not the cost.  Tiles of 1 km made input that ``coverage_union_all``
  refused ("incorrectly noded").
* The face construction (faces of the street graph by ``polygonize``, 1.0 s per graph): a
  face whose edges are all reached is filled, a band is needed only beside a face that is
  not, and the holes of the kept bands that lie in filled faces are dropped by a point
  test, with no overlay.  Exact, but cutting the runs where they enter filled faces adds
  round caps that cost more than the bands they replace.  Flat caps at those cuts halve
  the union, but they are right only where no corner of an unfilled face at the cut is
  reflex; with that proof still owed and the faces' 1 s, the best case is about 3 s.  It
  was not taken: a wrong area is worse than a slow one.
* Arcs are not the cost: ``quad_segs`` 8 → 6 → 4 → 2 → 1 makes the 500 m union 1.99 →
  1.86 → 1.70 → 1.37 → 1.21 s, and already at 6 the IoU is 0.9995 (< 0.9999).
* One buffer of each overlap group's MultiLineString is faster for small groups (300 m:
  0.84 against 1.19 s) and 3.5-11× slower for large ones: ~0.15 s over the four bands.
* The figure depends on the output.  Bands of 49 m (or 47.3 m) on this 100 m grid leave a
  2 m square of each block uncovered (45,000 holes at 800 m), and the same union takes
  28-30 s instead of 4.4 s.  The 50 m bands here meet exactly along every block's
  midline, the easy case for GEOS.

So the exact construction stays at about 4.3 s on two cores, and the 3 s target is not met
here: the unions are ~5.9 s of CPU, and each distance is one task.

pandana (the issue's second peer: ``aggregate`` 1.75 s after a 56 s build) installs
from PyPI here (0.8, a manylinux wheel), but ``Network(...)`` + ``precompute(800)`` on
this grid ran 26 CPU-minutes without finishing (2026-12-02 02:00-02:15) and was
stopped, so it is not a case; the issue's own figures are the reference.
"""

from __future__ import annotations

import time

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from _harness import case
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from zjgis import network, transit

CRS = "EPSG:32651"
N_GRID = 225
BLOCK = 100.0
DISTANCES = (300, 500, 600, 800)


def _grid():
    xs = np.arange(N_GRID) * BLOCK
    lines = [shapely.LineString([(x, 0), (x, xs[-1])]) for x in xs]
    lines += [shapely.LineString([(0, y), (xs[-1], y)]) for y in xs]
    return network.build_graph(gpd.GeoDataFrame(geometry=lines, crs=CRS)), xs[-1]


def _setup(k: int):
    def make():
        rg, size = _grid()
        rng = np.random.default_rng(k)
        st = gpd.GeoDataFrame(geometry=shapely.points(rng.uniform(0, size, (k, 2))), crs=CRS)
        pop = gpd.GeoDataFrame({"population": rng.integers(1, 100, 20_000)},
                               geometry=shapely.points(rng.uniform(0, size, (20_000, 2))),
                               crs=CRS)
        _ = rg.edge_tree, rg.graph  # built once per graph, shared by analyses
        return rg, st, pop
    return make


def _best(fn, repeat=3):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, min(times)


def _floor(rg, xy):
    nodes = cKDTree(rg.nodes[["x", "y"]].to_numpy()).query(xy)[1]
    return csgraph.dijkstra(rg.matrix, directed=False, indices=np.unique(nodes),
                            limit=max(DISTANCES), min_only=True)


def _peer(rg, xy):
    nodes = cKDTree(rg.nodes[["x", "y"]].to_numpy()).query(xy)[1]
    return nx.multi_source_dijkstra_path_length(rg.graph, set(map(int, nodes)),
                                                cutoff=max(DISTANCES), weight="length_m")


def _run(data):
    rg, st, pop = data
    xy = st.get_coordinates().to_numpy()
    # stations × distances (the figures the floor and the peer compute) …
    _, t_z = _best(lambda: transit.station_coverage(st, roads=rg, distances_m=DISTANCES,
                                                    walk_m=800))
    # … and with 20,000 population points covered from the same search
    cov, t_pts = _best(lambda: transit.station_coverage(st, roads=rg, population=pop,
                                                        distances_m=DISTANCES, walk_m=800))
    _, t_floor = _best(lambda: _floor(rg, xy))
    _, t_peer = _best(lambda: _peer(rg, xy))
    return {"stations": len(st), "edges": len(rg.edges), "points": len(pop),
            "zjgis_s": round(t_z, 3), "zjgis_with_points_s": round(t_pts, 3),
            "floor_s": round(t_floor, 4),
            "networkx_s": round(t_peer, 3), "ratio_to_floor": round(t_z / t_floor, 1),
            "ratio_to_networkx": round(t_z / t_peer, 2),
            "share_800m": round(float(cov.zones["population_share_800m"].iloc[0]), 3),
            "target_s": 3.0, "target_met": t_z < 3.0, "ratio_target": 30.0,
            "ratio_met": t_z / t_floor <= 30.0}


for _k in (10, 100, 1000):
    case(f"transit.coverage[{_k} stations, 100k edges]", setup=_setup(_k),
         target_s=3.0 if _k == 1000 else None,
         note="the case's seconds include all three, 3 times each; zjgis_s is the figure; "
              "zjgis vs floor (cKDTree + one csgraph dijkstra) vs networkx, best of 3 each "
              "inside the case")(_run)


def _timed_areas(st, roads):
    """Seconds of the coverage call, of building its polygons, and the polygons."""
    t = time.perf_counter()
    cov = transit.station_coverage(st, roads=roads, distances_m=DISTANCES, walk_m=800)
    t_cov = time.perf_counter() - t
    t = time.perf_counter()
    areas = cov.areas
    return t_cov, time.perf_counter() - t, areas


def _areas(data):
    rg, st, pop = data
    t_cov, t_poly, areas = _timed_areas(st, rg)
    return {"stations": len(st), "coverage_s": round(t_cov, 3), "polygons_s": round(t_poly, 2),
            "zjgis_s": round(t_cov + t_poly, 2),
            "area_800m_km2": round(float(areas["area_km2"].iloc[-1]), 2)}


for _k in (10, 100, 1000):
    case(f"transit.areas[{_k} stations, 100k edges]", setup=_setup(_k),
         target_s=3.0 if _k == 1000 else None,
         note="service-area polygons (street chains buffered and unioned per distance "
              "band), timed once")(_areas)


def _setup_lonlat():
    def make():
        rg, st, pop = _setup(1000)()
        return rg.edges[["geometry"]].to_crs("EPSG:4326"), st.to_crs("EPSG:4326")
    return make


def _areas_lonlat(data):
    # the planner's files: stations and streets in lon/lat, so the graph is built in a
    # transverse Mercator at their centre and every area goes back to lon/lat (checked,
    # repaired if the reprojection broke it, put on the 1e-7° grid)
    roads, st = data
    t_cov, t_poly, areas = _timed_areas(st, roads)
    return {"stations": len(st), "graph_and_coverage_s": round(t_cov, 2),
            "polygons_s": round(t_poly, 2), "valid": bool(areas.is_valid.all()),
            "area_800m_km2": round(float(areas["area_km2"].iloc[-1]), 2)}


case("transit.areas[1000 stations, 100k edges, lon/lat]", setup=_setup_lonlat(),
     note="service-area polygons with stations and streets in lon/lat (graph built inside "
          "the call, timed apart as graph_and_coverage_s), timed once")(_areas_lonlat)
