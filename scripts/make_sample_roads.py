"""Generate the SAMPLE road network of part of Zhangjiang Science City (data/sample_roads/).

No real road-centreline file of Pudong is available to the project, so this
script draws a plausible one for demos, notebooks and tests.  It is NOT a map
of real roads: positions, names and gaps are invented.  Every feature carries
``accuracy = "sample"``.

What it draws (deterministic, seed 2024), in UTM 51N then stored as WGS-84:

- a jittered street grid of 250 m blocks over about 5.0 km × 4.0 km centred
  near 121.60 °E, 31.20 °N (the Zhangjiang area), with arterials every 4th
  street and local streets between;
- two rivers (an east-west and a north-south canal, as polygons 30 m wide);
  streets cross them only at some bridges, so the other crossings end on
  both banks (gap dead ends across a barrier);
- about 4 % of the local block pieces removed (gaps in the grid) and short
  stubs into some blocks (their far ends lie within 200 m of the next street,
  so they count as ``gap`` dead ends);
- three walled campuses (superblocks of 2 × 2 to 3 × 2 blocks whose inner streets
  are left out) reached by one access road each, ending 220-250 m inside, far
  from any other road: true cul-de-sacs (``cul_de_sac`` dead ends);
- a 300 m grid of population and jobs points with made-up counts (sample).

Run:  python scripts/make_sample_roads.py  (writes data/sample_roads/*.geojson)
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

OUT = Path(__file__).resolve().parents[1] / "data" / "sample_roads"
SEED = 2024
METRIC = "EPSG:32651"
CENTRE_LONLAT = (121.600, 31.200)
BLOCK_M = 250.0
NX, NY = 21, 17  # streets per direction (5 km × 4 km)
RIVER_HALF_WIDTH_M = 15.0
#: walled campuses: (first x street, last x street, first y street, last y street), the
#: access road's entry (side, metres in, then metres of an east branch or 0)
CAMPUSES = (
    ((4, 7), (2, 4), ("south", 220.0, 100.0)),
    ((14, 16), (10, 12), ("west", 230.0, 0.0)),
    ((8, 11), (4, 6), ("north", 240.0, 0.0)),
)


def main() -> None:
    rng = np.random.default_rng(SEED)
    cx, cy = gpd.GeoSeries(shapely.points([CENTRE_LONLAT]), crs="EPSG:4326").to_crs(
        METRIC).get_coordinates().to_numpy()[0]
    x0 = cx - (NX - 1) * BLOCK_M / 2
    y0 = cy - (NY - 1) * BLOCK_M / 2
    xs = x0 + np.arange(NX) * BLOCK_M + rng.normal(0, 8, NX)
    ys = y0 + np.arange(NY) * BLOCK_M + rng.normal(0, 8, NY)
    river_y = y0 + 8.5 * BLOCK_M  # east-west canal between streets 8 and 9
    river_x = x0 + 13.5 * BLOCK_M  # north-south canal between streets 13 and 14
    rivers = [
        shapely.LineString([(x0 - 300, river_y - 40), (cx, river_y + 30),
                            (x0 + (NX - 1) * BLOCK_M + 300, river_y - 20)]),
        shapely.LineString([(river_x + 20, y0 - 300), (river_x - 30, cy),
                            (river_x + 10, y0 + (NY - 1) * BLOCK_M + 300)]),
    ]
    river_polys = [r.buffer(RIVER_HALF_WIDTH_M, cap_style="flat") for r in rivers]
    lines, names, classes, bridge = [], [], [], []
    campus_boxes = [shapely.box(xs[a] + 1, ys[c] + 1, xs[b] - 1, ys[d] - 1)
                    for (a, b), (c, d), _ in CAMPUSES]

    def add_street(coords, name, cls, crosses_at_bridge):
        lines.append(shapely.LineString(coords))
        names.append(name)
        classes.append(cls)
        bridge.append("yes" if crosses_at_bridge else None)

    for horizontal, fixed, n_along, along in ((True, ys, NX, xs), (False, xs, NY, ys)):
        for i, c in enumerate(fixed):
            arterial = i % 4 == 0
            cls = "arterial" if arterial else "local"
            label = f"样例{'东西' if horizontal else '南北'}{'大道' if arterial else '路'}{i + 1}"
            # block pieces between consecutive crossings
            for j in range(n_along - 1):
                a, b = along[j], along[j + 1]
                if not arterial and rng.random() < 0.04:
                    continue  # a missing piece: two dead ends facing each other
                pts = [(a, c), (b, c)] if horizontal else [(c, a), (c, b)]
                piece = shapely.LineString(pts)
                if any(piece.intersects(cb) for cb in campus_boxes):
                    continue  # inside a walled campus: no public street
                river = next((k for k, rp in enumerate(river_polys) if piece.intersects(rp)),
                             None)
                if river is not None:
                    if arterial or rng.random() < 0.35:
                        # a bridge: the piece over the river is its own way, tagged bridge
                        inside = piece.intersection(river_polys[river].buffer(5))
                        before = piece.difference(river_polys[river].buffer(5))
                        for part in getattr(before, "geoms", [before]):
                            add_street(part.coords, label, cls, False)
                        add_street(inside.coords, label, cls, True)
                    else:
                        # no bridge: the street stops 10 m short of each bank
                        for part in piece.difference(river_polys[river].buffer(10)).geoms \
                                if hasattr(piece.difference(river_polys[river].buffer(10)),
                                           "geoms") else [piece.difference(
                                               river_polys[river].buffer(10))]:
                            add_street(part.coords, label, cls, False)
                    continue
                add_street(pts, label, cls, False)
    # cul-de-sac stubs into blocks
    n_stubs = 25
    for _ in range(n_stubs):
        i, j = rng.integers(0, NX - 1), rng.integers(0, NY - 1)
        sx = xs[i] + BLOCK_M * rng.uniform(0.3, 0.7)
        stub = shapely.LineString([(sx, ys[j]), (sx, ys[j] + BLOCK_M * rng.uniform(0.3, 0.45))])
        if any(stub.intersects(rp) for rp in river_polys + campus_boxes):
            continue
        add_street(stub.coords, "样例支路", "service", False)
    # one access road into each campus, ending far from every other road
    for n, ((a, b), (c, d), (side, depth, branch)) in enumerate(CAMPUSES):
        mx, my = (xs[a] + xs[b]) / 2, (ys[c] + ys[d]) / 2
        start, end = {"south": ((mx, ys[c]), (mx, ys[c] + depth)),
                      "north": ((mx, ys[d]), (mx, ys[d] - depth)),
                      "west": ((xs[a], my), (xs[a] + depth, my))}[side]
        coords = [start, end] + ([(end[0] + branch, end[1])] if branch else [])
        add_street(coords, f"样例园区路{n + 1}", "service", False)

    roads = gpd.GeoDataFrame(
        {"road_id": [f"S{k:04d}" for k in range(len(lines))], "name": names,
         "road_class": classes, "bridge": bridge, "accuracy": "sample"},
        geometry=lines, crs=METRIC)
    water = gpd.GeoDataFrame(
        {"name": ["样例东西河", "样例南北河"], "kind": "river", "accuracy": "sample"},
        geometry=river_polys, crs=METRIC)
    # population and jobs: 300 m grid of points with made-up counts
    gx, gy = np.meshgrid(np.arange(x0, x0 + (NX - 1) * BLOCK_M, 300.0) + 150,
                         np.arange(y0, y0 + (NY - 1) * BLOCK_M, 300.0) + 150)
    gx, gy = gx.ravel(), gy.ravel()
    pop = rng.poisson(np.where(gx < cx, 1800, 700))  # more housing in the west
    jobs = rng.poisson(np.where(gy > river_y, 2500, 900))  # more jobs north of the canal
    people = gpd.GeoDataFrame(
        {"population": pop, "jobs": jobs, "accuracy": "sample"},
        geometry=shapely.points(np.column_stack([gx, gy])), crs=METRIC)
    OUT.mkdir(parents=True, exist_ok=True)
    for frame, name in ((roads, "roads"), (water, "rivers"), (people, "population_jobs")):
        out = frame.to_crs("EPSG:4326")
        out.geometry = shapely.set_precision(out.geometry.values, 1e-7)
        path = OUT / f"{name}.geojson"
        out.to_file(path, driver="GeoJSON", COORDINATE_PRECISION=7)
        print(f"wrote {path} ({len(out)} features, {path.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
