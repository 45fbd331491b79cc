"""Network catchments: access at the nearest street point, one search, the same polygons.

Expected values are computed by hand on a superblock grid (closed-form walking
distances along the grid), and against a copy of the 0.1 implementation.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
import shapely.ops
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree
from shapely.geometry import LineString, Point

from zjgis import network, transit

UTM = "EPSG:32651"
BLOCK = 500.0
GRID = np.arange(-2, 4) * BLOCK  # streets at x, y = -1000 … 1500
STATION = (250.0, 40.0)  # 40 m north of the block face y = 0, mid-block


def _grid_roads() -> gpd.GeoDataFrame:
    lo, hi = GRID[0], GRID[-1]
    lines = [LineString([(x, lo), (x, hi)]) for x in GRID]
    lines += [LineString([(lo, y), (hi, y)]) for y in GRID]
    return gpd.GeoDataFrame(geometry=lines, crs=UTM)


def _hand_distance(x: float, y: float) -> float:
    """Walking distance on the grid from the station (40 m to (250, 0), then streets).

    A point on the street y = 0 is |x - 250| away along it; any other street
    point is reached by walking along y = 0 to a north–south street xk, along it
    to the point's y, and (on an east–west street) along that street: the
    shortest over xk.
    """
    sx = STATION[0]
    if abs(y) < 1e-9:
        return STATION[1] + abs(x - sx)
    on_vertical = np.isclose(GRID, x).any()
    if on_vertical:
        return STATION[1] + abs(x - sx) + abs(y)
    return STATION[1] + abs(y) + min(abs(sx - xk) + abs(x - xk) for xk in GRID)


def _hand_reached_lines(d: float, step: float = 1.0):
    """Reached street pieces at distance d: every 1 m of street whose hand distance <= d."""
    lo, hi = GRID[0], GRID[-1]
    s = np.arange(lo, hi + step / 2, step)
    pieces = []
    for fixed in GRID:
        for vertical in (True, False):
            pts = [(fixed, t) if vertical else (t, fixed) for t in s]
            ok = np.array([_hand_distance(*p) <= d for p in pts])
            runs = np.flatnonzero(np.diff(np.r_[0, ok.astype(int), 0]))
            for a, b in zip(runs[::2], runs[1::2]):
                if b - a >= 2:
                    pieces.append(LineString(pts[a:b]))
    return shapely.MultiLineString(pieces)


def _iou(a, b) -> float:
    return shapely.intersection(a, b).area / shapely.union(a, b).area


@pytest.fixture(scope="module")
def grid_coverage():
    st = gpd.GeoDataFrame({"name": ["S"]}, geometry=[Point(*STATION)], crs=UTM)
    return transit.station_coverage(st, roads=_grid_roads(), distances_m=[300, 500, 600],
                                    walk_m=800)


def test_station_joins_the_nearest_street_point(grid_coverage):
    st = grid_coverage.stations.iloc[0]
    assert st["access_m"] == pytest.approx(40.0)


@pytest.mark.parametrize("d", [300, 500, 600, 800])
def test_superblock_catchment_matches_the_hand_computed_one(grid_coverage, d):
    got = grid_coverage.areas.set_index("distance_m").geometry.loc[float(d)]
    # hand: the reached streets (1 m resolution) with the same 50 m band
    expected = shapely.buffer(_hand_reached_lines(d), 50.0)
    assert _iou(got, expected) > 0.995
    assert got.area == pytest.approx(expected.area, rel=0.01)


def test_superblock_catchment_is_larger_than_the_node_joined_one(grid_coverage):
    # the 0.1 join at the nearest node (253 m away) lost most of the 300 m catchment
    got = grid_coverage.areas.set_index("distance_m").geometry.loc[300.0]
    old = _old_network_areas(network.build_graph(_grid_roads()), np.array([STATION]),
                             [300.0], 150.0, 50.0)[0][0]
    assert old.area < 0.6 * got.area


def test_points_are_covered_by_their_own_walking_distance():
    # people on the streets at hand-computed walking distances from the station
    where = [(250.0, 0.0), (0.0, 200.0), (500.0, 400.0), (-300.0, 0.0), (750.0, 500.0)]
    hand = np.array([_hand_distance(x, y) for x, y in where])  # 40, 490, 690, 590, 1040
    pts = gpd.GeoDataFrame({"population": [1, 2, 4, 8, 16]},
                           geometry=[Point(p) for p in where], crs=UTM)
    st = gpd.GeoDataFrame(geometry=[Point(*STATION)], crs=UTM)
    cov = transit.station_coverage(st, roads=_grid_roads(), population=pts,
                                   distances_m=[300, 500, 600, 800], walk_m=800)
    z = cov.zones.iloc[0]
    for d in (300, 500, 600, 800):
        assert z[f"population_in_{d}m"] == pts["population"][hand <= d].sum()


def test_two_stations_one_search_equals_the_union_of_single_searches():
    roads = _grid_roads()
    rg = network.build_graph(roads)
    a = gpd.GeoDataFrame(geometry=[Point(*STATION)], crs=UTM)
    b = gpd.GeoDataFrame(geometry=[Point(1000.0, 740.0)], crs=UTM)
    both = transit.station_coverage(gpd.pd.concat([a, b], ignore_index=True), roads=rg,
                                    distances_m=[500], walk_m=500)
    ga = transit.station_coverage(a, roads=rg, distances_m=[500], walk_m=500).areas
    gb = transit.station_coverage(b, roads=rg, distances_m=[500], walk_m=500).areas
    union = shapely.union(ga.geometry.iloc[0], gb.geometry.iloc[0])
    assert _iou(both.areas.geometry.iloc[0], union) > 0.9999


# ---------------------------------------------------------------- the 0.1 implementation
def _old_network_areas(rg, st_xy, dists, access_m, service_buffer_m):
    """transit._network_areas of zjgis 0.1 (nearest node + nodes within access_m)."""
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


def _sample_stations_on_nodes(rg, k=6):
    # stations exactly on network nodes: the 0.1 join and the edge-point join coincide
    nodes = rg.nodes.iloc[np.linspace(0, len(rg.nodes) - 1, k).astype(int)]
    return nodes[["x", "y"]].to_numpy()


@pytest.mark.parametrize("which", ["test_network", "sample_roads"])
def test_polygons_equal_the_0_1_polygons_where_stations_sit_on_nodes(which):
    if which == "test_network":
        roads = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1200, 0)]),
                                           LineString([(600, 0), (600, 200)]),
                                           LineString([(0, 200), (1200, 200)])], crs=UTM)
        xy = np.array([[0.0, 0.0]])
    else:
        from zjgis import io

        roads = io.read(network.sample_path("roads")).to_crs(UTM)
        roads.attrs = {}
        xy = None
    rg = network.build_graph(roads)
    if xy is None:
        xy = _sample_stations_on_nodes(rg)
    dists = [300.0, 500.0, 600.0, 800.0]
    old = _old_network_areas(rg, xy, dists, 1e-9, 50.0)[0]
    st = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=UTM)
    new = transit.station_coverage(st, roads=rg, distances_m=dists, walk_m=800).areas
    for d, o in zip(dists, old):
        g = new.set_index("distance_m").geometry.loc[d]
        assert _iou(g, o) >= 0.9999, d


def test_polygons_equal_the_union_of_one_buffer_per_reached_piece():
    # the service areas are built from merged street chains; they must cover exactly what
    # one buffer per reached piece (cut with shapely.ops.substring, one by one) covers
    from zjgis import io

    roads = io.read(network.sample_path("roads")).to_crs(UTM)
    roads.attrs = {}
    rg = network.build_graph(roads)
    x0, y0, x1, y1 = roads.total_bounds
    rng = np.random.default_rng(7)
    xy = np.c_[rng.uniform(x0, x1, 12), rng.uniform(y0, y1, 12)]
    dists = [300.0, 800.0]
    st = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=UTM)
    new = transit.station_coverage(st, roads=rg, distances_m=dists, walk_m=800).areas
    reach = transit._NetworkReach(rg, xy, max(dists))
    for d in dists:
        e, a, b = reach._pieces(d)
        parts = [shapely.ops.substring(rg.edge_geoms[i], lo, hi)
                 for i, lo, hi in zip(e, a, b) if hi > lo]
        expected = shapely.union_all(shapely.buffer(np.array(parts, dtype=object), 50.0))
        got = new.to_crs(UTM).set_index("distance_m").geometry.loc[d]
        assert _iou(got, expected) >= 0.9999, d


def test_service_areas_are_valid_in_lonlat_and_measured_as_geodesic_area_would():
    # a 100 m grid in Zhangjiang with 50 m bands: neighbouring bands meet exactly along every
    # block's midline, the union leaves rings nanometres apart, and the stations come in
    # lon/lat, so the polygons are reprojected: they must still be valid there, and their
    # area the one crs.geodesic_area measures with its own validity check
    from zjgis import crs

    x0, y0, n = 357_000.0, 3_452_000.0, 30
    xs = x0 + np.arange(n) * 100.0
    ys = y0 + np.arange(n) * 100.0
    lines = [LineString([(x, ys[0]), (x, ys[-1])]) for x in xs]
    lines += [LineString([(xs[0], y), (xs[-1], y)]) for y in ys]
    roads = gpd.GeoDataFrame(geometry=lines, crs=UTM).to_crs("EPSG:4326")
    rng = np.random.default_rng(5)
    xy = np.c_[rng.uniform(xs[0], xs[-1], 25), rng.uniform(ys[0], ys[-1], 25)]
    st = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=UTM).to_crs("EPSG:4326")
    areas = transit.station_coverage(st, roads=roads, distances_m=[200.0, 350.0],
                                     walk_m=350).areas
    assert areas.crs == "EPSG:4326"
    assert areas.is_valid.all()
    assert (shapely.get_num_interior_rings(shapely.get_parts(areas.geometry.values)) > 0).any()
    checked = crs.geodesic_area(areas)["area_km2"].to_numpy()  # refuses invalid polygons
    np.testing.assert_allclose(areas["area_km2"].to_numpy(), checked, rtol=1e-12)
    # and the same set as the bands unioned in metres, before the 1 cm grid
    metric = areas.attrs["metric_crs"]
    rg = network.build_graph(roads.to_crs(metric))
    reach = transit._NetworkReach(rg, st.to_crs(metric).get_coordinates().to_numpy(), 350.0)
    for d, got in zip(areas["distance_m"], areas.to_crs(metric).geometry, strict=True):
        e, a, b = reach._pieces(d)
        parts = [shapely.ops.substring(rg.edge_geoms[i], lo, hi)
                 for i, lo, hi in zip(e, a, b) if hi > lo]
        expected = shapely.union_all(shapely.buffer(np.array(parts, dtype=object), 50.0))
        assert _iou(got, expected) >= 0.9999, d


def test_a_service_area_the_reprojection_breaks_is_repaired_and_measured():
    # valid in metres: 200 small holes whose tips lie 1 nm-10 µm inside a 2.5 km edge 25 km
    # from the projection's centre; in lon/lat the edge's image bends by more than that, so
    # the reprojected polygon crosses itself (and GEOS's 1 cm snapping would refuse it)
    import pyproj
    from shapely import Polygon

    from zjgis import crs

    metric = pyproj.CRS.from_proj4("+proj=tmerc +lat_0=31.2 +lon_0=121.6 +k=1 +x_0=0 +y_0=0 "
                                   "+ellps=WGS84 +units=m")
    a, b, c = np.array([20e3, 15e3]), np.array([22e3, 16.5e3]), np.array([22e3, 15e3])
    u = (b - a) / np.linalg.norm(b - a)
    inward = np.array([u[1], -u[0]])
    rng = np.random.default_rng(0)
    holes = []
    for t in 50 + 11.0 * np.arange(200):
        tip = a + u * t + inward * 10 ** rng.uniform(-9, -5)
        holes.append([tip, a + u * (t + 4) + inward * 3, a + u * (t - 4) + inward * 3])
    poly = Polygon([a, c, b], holes)
    assert poly.is_valid
    assert not gpd.GeoSeries([poly], crs=metric).to_crs("EPSG:4326").is_valid.iloc[0]
    got, m2 = transit._finish(poly, metric, "EPSG:4326")
    assert got.is_valid
    measured = crs.geodesic_area(gpd.GeoSeries([got], crs="EPSG:4326"))["area_m2"].iloc[0]
    assert m2 == pytest.approx(measured, rel=1e-12)
    # the triangle less its holes (1.5 km² - 200 × 12 m²) on the ellipsoid; the repair puts
    # vertices on the lon/lat chord of the 2.5 km edge, a few cm from its geodesic (the
    # truth: each ring measured alone, which its crossing does not disturb)
    rings = gpd.GeoSeries([poly], crs=metric)
    truth = crs.geodesic_area(rings, assume_valid=True)["area_m2"].iloc[0]
    assert truth == pytest.approx(1.5e6 - 2400, rel=2e-5)
    assert m2 == pytest.approx(truth, rel=2e-4)


def _awkward_streets() -> gpd.GeoDataFrame:
    """Streets that make strokes hard: a ring road, a figure of eight, a hairpin that
    turns back in one direction sector, a curved many-vertex street, a duplicated
    street, reversed drawing directions and a bridge over a street without a node."""
    t = np.linspace(0, 2 * np.pi, 49)
    ring = LineString(np.c_[600 + 250 * np.cos(t), 600 + 250 * np.sin(t)])
    eight = LineString(np.c_[1500 + 300 * np.sin(t), 400 + 150 * np.sin(2 * t)])
    hairpin = LineString([(0, 1200), (400, 1230), (0, 1260), (400, 1290)])
    curve = LineString(np.c_[np.linspace(0, 1200, 60), 900 + 80 * np.sin(np.linspace(0, 9, 60))])
    main = LineString([(0, 0), (2000, 0)])
    back = LineString([(2000, 100), (0, 100)])  # drawn westwards
    cross = [LineString([(x, -200), (x, 1400)]) for x in (0, 350, 1000)]
    dup = LineString([(350, -200), (350, 1400)])
    bridge = LineString([(200, -150), (800, 300)])
    lines = [ring, eight, hairpin, curve, main, back, *cross, dup, bridge]
    gdf = gpd.GeoDataFrame({"bridge": [False] * (len(lines) - 1) + [True]},
                           geometry=lines, crs=UTM)
    return gdf


def test_stroke_runs_cover_exactly_the_reached_pieces_on_awkward_streets():
    # the runs along merged strokes must cover what one buffer per reached piece covers,
    # whatever the streets' shape: the reference cuts each piece with shapely.ops.substring
    rg = network.build_graph(_awkward_streets())
    x0, y0, x1, y1 = rg.edges.total_bounds
    rng = np.random.default_rng(3)
    xy = np.c_[rng.uniform(x0, x1, 9), rng.uniform(y0, y1, 9)]
    dists = [150.0, 400.0, 900.0]
    st = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=UTM)
    new = transit.station_coverage(st, roads=rg, distances_m=dists, walk_m=900).areas
    reach = transit._NetworkReach(rg, xy, max(dists))
    strokes = transit._strokes(rg)
    assert len(strokes.lines) < len(rg.edges)  # edges were merged into longer strokes
    for d in dists:
        e, a, b = reach._pieces(d)
        parts = [shapely.ops.substring(rg.edge_geoms[i], lo, hi)
                 for i, lo, hi in zip(e, a, b) if hi > lo]
        expected = shapely.union_all(shapely.buffer(np.array(parts, dtype=object), 50.0))
        runs = strokes.runs(e[b > a], a[b > a], b[b > a], reach.length)
        # the runs are the reached street itself: every piece lies on a run and every run
        # on the pieces (to a micrometre)
        lines = np.array(parts, dtype=object)
        on_runs = shapely.buffer(shapely.union_all(runs), 1e-6)
        on_pieces = shapely.buffer(shapely.union_all(lines), 1e-6)
        assert shapely.length(shapely.difference(lines, on_runs)).sum() < 1e-3, d
        assert shapely.length(shapely.difference(runs, on_pieces)).sum() < 1e-3, d
        got = new.to_crs(UTM).set_index("distance_m").geometry.loc[d]
        assert _iou(got, expected) >= 0.9999, d


def test_service_areas_of_many_stations_show_a_stage_bar_when_bars_are_on(monkeypatch, capsys):
    # bars are forced on (as in a terminal): 100+ stations name each stage; fewer, none
    from zjgis import _log

    monkeypatch.setenv(_log.ENV_VAR, "1")
    rg = network.build_graph(_grid_roads())
    rng = np.random.default_rng(0)
    x0, y0, x1, y1 = rg.edges.total_bounds
    for k, shown in ((transit._AREAS_BAR_STATIONS, True), (5, False)):
        xy = np.c_[rng.uniform(x0, x1, k), rng.uniform(y0, y1, k)]
        st = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=UTM)
        cov = transit.station_coverage(st, roads=rg, distances_m=[300.0], walk_m=300)
        capsys.readouterr()
        assert len(cov.areas) == 1
        err = capsys.readouterr().err
        for stage in ("service areas", "street strokes", "street bands and geodesic areas"):
            assert (stage in err) is shown, (k, stage)
