"""Correctness cases of issue 12 for the road network, each with an independent expectation.

Expected values come from hand computation on the drawn geometry or from networkx
shortest paths, never from zjgis itself.
"""

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString as L
from shapely.geometry import Point

from zjgis import network

UTM = "EPSG:32651"


def frame(lines, crs=UTM, **cols):
    return gpd.GeoDataFrame(cols, geometry=[L(c) for c in lines], crs=crs)


def square(side, x0=0.0, y0=0.0):
    c = [(x0, y0), (x0 + side, y0), (x0 + side, y0 + side), (x0, y0 + side)]
    return [[c[i], c[(i + 1) % 4]] for i in range(4)]


# ---------------------------------------------------------------- facing stubs with an offset


def test_two_offset_facing_stubs_get_one_link():
    # dead ends at (980, 1020) and (1010, 980): two parallel stubs 30 m apart that
    # overlap by 40 m; each one's nearest road point lies inside the other stub
    roads = frame(square(4000) + [[(980, 0), (980, 1020)], [(1010, 4000), (1010, 980)]],
                  name=["ring"] * 4 + ["A", "B"])
    ends = network.dead_ends(roads)
    assert set(ends["kind"]) == {"gap"} and len(ends) == 2
    links = network.missing_links(roads, dead_ends=ends)
    assert len(links) == 1  # one gap, one link (was two, one from each end)
    assert links["gap_m"].iloc[0] == pytest.approx(30.0)  # x 980 -> 1010 by hand
    # the true network distance, by hand: A's end down to the ring, round it and up B
    a_end = links.geometry.iloc[0].coords[0]
    along_ring = {(980.0, 1020.0): 1020 + 980 + 4000 + 1010 + (4000 - 1020),
                  (1010.0, 980.0): (4000 - 980) + 1010 + 4000 + 980 + 980}
    assert links["network_m"].iloc[0] == pytest.approx(along_ring[tuple(map(float, a_end))])


def test_node_to_node_facing_pair_is_still_one_link():
    roads = frame(square(4000) + [[(1000, 0), (1000, 1900)], [(1000, 4000), (1000, 2000)]])
    links = network.missing_links(roads)
    assert len(links) == 1 and links["gap_m"].iloc[0] == pytest.approx(100)


# ---------------------------------------------------------------- bridge decks


def bridge_case(on_bridge):
    lines = square(3000, -1500, -1500) + [[(-1500, 0), (1500, 0)], [(0, -1500), (0, -100)]]
    return frame(lines, name=["ring"] * 4 + ["deck", "ground"],
                 layer=[0] * 4 + [1 if on_bridge else 0, 0],
                 bridge=[None] * 4 + ["yes" if on_bridge else None, None])


def test_a_bridge_deck_is_not_a_gap_target_for_a_ground_road():
    # the ground road ends 100 m short of the deck; the nearest ground road is the ring,
    # 1,400 m away (> max_gap_m = 200): no at-grade link exists, so cul_de_sac
    ends = network.dead_ends(bridge_case(on_bridge=True)).set_index("name")
    assert ends.loc["ground", "kind"] == "cul_de_sac"
    assert len(network.missing_links(bridge_case(on_bridge=True))) == 0
    # control: the same street at grade is a gap 100 m away
    ends = network.dead_ends(bridge_case(on_bridge=False)).set_index("name")
    assert ends.loc["ground", "kind"] == "gap"
    assert ends.loc["ground", "nearest_gap_m"] == pytest.approx(100)


# ---------------------------------------------------------------- default extent


def test_a_ring_road_drawn_as_one_closed_line_is_the_edge_of_the_data():
    n, r = 64, 1000.0
    ring = [(r * math.cos(2 * math.pi * k / n), r * math.sin(2 * math.pi * k / n))
            for k in range(n)]
    ring.append(ring[0])
    roads = frame([ring, [(r, 0), (300, 0)], [(-r, 0), (-300, 0)]])
    ends = network.dead_ends(roads)
    assert len(ends) == 2
    # by hand: from (±300, 0) to the nearest side of the 64-gon (apothem r cos(pi/64))
    expected = (r - 300) * math.cos(math.pi / n)
    np.testing.assert_allclose(ends["edge_distance_m"], expected, rtol=1e-9)
    # 698 m from the edge (> 500 m), 600 m apart and 698 m from the ring: cul-de-sacs,
    # not "boundary" as with the hull of the three nodes (a line through the centre)
    assert set(ends["kind"]) == {"cul_de_sac"}


# ---------------------------------------------------------------- true detours


def detour_case():
    return frame(square(4000) + [
        [(1000, 0), (1000, 1500)], [(1050, 4000), (1050, 1600)],  # pair 1: gap 111.8 m
        [(3000, 0), (3000, 1000)], [(3050, 0), (3050, 1000)],  # pair 2: gap 50 m
    ], name=["ring"] * 4 + ["P1", "Q1", "P2", "Q2"])


def test_links_are_ranked_by_their_true_detour_not_the_search_limit():
    links = network.missing_links(detour_case())  # search limit 3 x 200 = 600 m
    assert len(links) == 2
    one = links[links["gap_m"] > 100].iloc[0]
    two = links[links["gap_m"] < 100].iloc[0]
    # by hand: pair 1 round the west of the ring, pair 2 along the south side
    assert one["gap_m"] == pytest.approx(math.hypot(50, 100))
    assert one["network_m"] == pytest.approx(1500 + 1000 + 4000 + 1050 + 2400)
    assert two["network_m"] == pytest.approx(1000 + 50 + 1000)
    assert one["beyond_limit"] and two["beyond_limit"] and not links["disconnected"].any()
    # the documented priority with the true distances ...
    def prio(row):
        return (row["network_m"] - row["gap_m"]) / row["gap_m"] * (
            1 + row["branch_length_m"] / 1000)
    assert one["branch_length_m"] in (pytest.approx(1500), pytest.approx(2400))
    assert one["priority"] == pytest.approx(prio(one))
    assert two["priority"] == pytest.approx(prio(two))
    # ... puts pair 1 first; with the 600 m limit as the distance it came second
    assert list(links["gap_m"] > 100) == [True, False]
    lower_bound = [(600 - r["gap_m"]) / r["gap_m"] * (1 + r["branch_length_m"] / 1000)
                   for _, r in (("1", one), ("2", two))]
    assert lower_bound[0] < lower_bound[1]


def test_a_link_between_separate_networks_is_flagged_disconnected():
    roads = frame([[(0, 0), (2000, 0)], [(1000, 0), (1000, 900)],
                   [(0, 3000), (2000, 3000)], [(1000, 3000), (1000, 1000)]])
    links = network.missing_links(roads, edge_buffer_m=0)
    assert len(links) == 1 and bool(links["disconnected"].iloc[0])
    assert np.isnan(links["network_m"].iloc[0]) and links["priority"].iloc[0] > 0


def test_link_network_distances_match_networkx_on_the_sample():
    roads = gpd.read_file(network.sample_path("roads"))
    g = network.build_graph(roads)
    links = network.missing_links(g).to_crs(g.crs)
    G = nx.Graph()
    for u, v, w in zip(g.edges["u"], g.edges["v"], g.edges["length_m"], strict=True):
        if u != v and (not G.has_edge(u, v) or G[u][v]["w"] > w):
            G.add_edge(int(u), int(v), w=float(w))
    assert links["beyond_limit"].any()  # the case the fix is about is present
    for _, link in links.iterrows():
        e = g.edges.iloc[int(link["target_edge"])]
        end = Point(link.geometry.coords[-1])
        along = e.geometry.project(end)
        d = nx.single_source_dijkstra_path_length(G, int(link["dead_end_node"]), weight="w")
        want = min(d.get(int(e["u"]), np.inf) + along,
                   d.get(int(e["v"]), np.inf) + e["length_m"] - along)
        if np.isfinite(want):
            assert link["network_m"] == pytest.approx(want, rel=1e-9, abs=1e-6)
        else:
            assert link["disconnected"]


@pytest.mark.parametrize("n", [50, 1001, 20000])
def test_extent_hull_with_octagon_filter_equals_the_geos_hull(n):
    from zjgis.network.deadends import _hull

    rng = np.random.default_rng(n)
    pts = np.vstack([rng.normal(size=(n, 2)) * [3000, 800],
                     [[0, 5000], [0, -5000], [9000, 0]]])  # a few far extremes
    want = shapely.convex_hull(shapely.multipoints(pts))
    got = _hull(pts)
    assert got.equals(want) and got.area == pytest.approx(want.area, rel=1e-12)
