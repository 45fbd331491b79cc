"""Build every layer shipped in data/boundaries/ from ../shared/data and ../shared/seeds.

Usage::

    .venv/bin/python scripts/make_boundaries.py            # all layers
    .venv/bin/python scripts/make_boundaries.py districts rail_stations

Deterministic: the same inputs give byte-identical files.  Writes
``data/boundaries/<name>.geojson`` (UTF-8, WGS-84 lon/lat, coordinates rounded
to 6 decimals ≈ 0.1 m) and ``data/boundaries/layers.json`` (per-layer
provenance read by zjgis.layers), and prints the geodesic areas that
PROVENANCE.md reports.

Honesty rules followed here (see data/boundaries/PROVENANCE.md):
* real data: district boundaries (OSM via geoBoundaries, WGS-84), street/town polygons
  (OSM admin_level=8, WGS-84), the 2017 outline traced on the OSM boundary roads, rail stations
  (Amap/metroman GCJ-02, converted with zjgis.crs.gcj02_to_wgs84), NBS codes;
* everything else is *schematic*: drawn from the policy texts (seeds) and the
  text facts, anchored on real station positions and district edges; the
  accuracy column says so on every feature.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from shapely import Point, Polygon

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from zjgis import crs as zcrs  # noqa: E402
from zjgis import io as zio  # noqa: E402

SHARED = ROOT.parent / "shared"
DATA = SHARED / "data"
SEEDS = SHARED / "seeds"
OUT = ROOT / "data" / "boundaries"
BUILD_DATE = "2026-12-01"

OSM_ATTRIBUTION = "© OpenStreetMap contributors (ODbL 1.0), via geoBoundaries gbOpen CHN ADM3"
SEED_000 = "seeds/000_ec62f4b2e27ebc50.txt (浦府〔2022〕210号, 张江科学城扩区提质三年行动方案)"
SEED_001 = "seeds/001_fcb6976a21c0d86c.txt (张江高新区 2023 年报, 一园一方案)"
SEED_002 = "seeds/002_b95cdc7fe4e94a22.txt (普科委〔2021〕17号, 张江普陀园“十四五”规划)"
FACTS = "data/reference/zhangjiang_text_facts.csv"

META: dict[str, dict] = {}


# --------------------------------------------------------------------------- helpers


def to_metric(geom):
    return gpd.GeoSeries([geom], crs=zcrs.WGS84).to_crs(zcrs.METRIC).iloc[0]


def to_wgs(geom):
    return gpd.GeoSeries([geom], crs=zcrs.METRIC).to_crs(zcrs.WGS84).iloc[0]


def area_km2(geoms) -> np.ndarray:
    s = gpd.GeoSeries(list(geoms), crs=zcrs.WGS84)
    return zcrs.geodesic_area(s)["area_km2"].to_numpy()


def finish(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Round to 1e-6 degrees keeping polygons valid; polygons become MultiPolygon-safe."""
    geoms = shapely.set_precision(np.asarray(gdf.geometry.values), 1e-6)
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms[bad] = shapely.make_valid(geoms[bad])
    out = gdf.copy()
    out = out.set_geometry(gpd.array.from_shapely(geoms, crs=zcrs.WGS84))
    return out


def save(name: str, gdf: gpd.GeoDataFrame, *, meta: dict) -> None:
    gdf = finish(gdf)
    assert gdf.crs.equals(zcrs.WGS84)
    assert shapely.is_valid(np.asarray(gdf.geometry.values)).all(), name
    path = OUT / f"{name}.geojson"
    # write through pyogrio with 6 decimals; RFC 7946 GeoJSON (no crs member)
    with zio.atomic_write(path) as tmp:
        tmp.unlink()
        gdf.to_file(tmp, driver="GeoJSON", COORDINATE_PRECISION=6, RFC7946="YES",
                    engine="pyogrio", WRITE_NAME="NO")
        # put the layer's provenance in the file itself (foreign member "zjgis")
        doc = json.loads(tmp.read_text(encoding="utf-8"))
        doc = {"type": doc["type"], "name": name,
               "zjgis": {k: meta[k] for k in ("accuracy", "source", "licence", "date")},
               "features": doc["features"]}
        tmp.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n",
                       encoding="utf-8")
    META[name] = {"file": path.name, **meta}
    polys = gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    extra = ""
    if polys.all():
        areas = area_km2(gdf.geometry)
        extra = f", total {areas.sum():.2f} km²"
    print(f"{name}: {len(gdf)} features{extra} -> {path.relative_to(ROOT)}")


def stations_wgs() -> pd.DataFrame:
    """All 2025 stations (amap_2025 + metroman_2025), converted GCJ-02 -> WGS-84."""
    s = pd.read_csv(DATA / "transit" / "stations.csv", dtype={"lon": str, "lat": str})
    s = s[s.source_id.isin(["amap_2025", "metroman_2025"])].copy()
    assert (s.declared_crs == "GCJ-02").all()
    s["source_lon"] = s.lon.astype(float)
    s["source_lat"] = s.lat.astype(float)
    lon, lat = zcrs.gcj02_to_wgs84(s.source_lon.to_numpy(), s.source_lat.to_numpy())
    s["lon"], s["lat"] = lon, lat
    return s


def anchor(stations: pd.DataFrame, name: str) -> tuple[float, float]:
    """WGS-84 position (metric, EPSG:32651) of an amap_2025 station, mean over its lines."""
    a = stations[(stations.source_id == "amap_2025") & (stations.station == name)]
    if a.empty:
        raise KeyError(f"station {name!r} not in amap_2025")
    pt = to_metric(Point(a.lon.mean(), a.lat.mean()))
    return pt.x, pt.y


def pudong() -> Polygon:
    d = gpd.read_file(OUT / "districts.geojson")
    return d.loc[d.name == "浦东新区", "geometry"].iloc[0]


# --------------------------------------------------------------------------- layers


def make_districts() -> None:
    src = DATA / "admin" / "shanghai_districts_geoboundaries_osm_wgs84.geojson"
    g = zio.read(src)
    codes = pd.read_csv(DATA / "admin" / "shanghai_streets_towns_2023.csv", dtype=str)
    adcode = codes.drop_duplicates("district_code").set_index("district_name")["district_code"]
    out = gpd.GeoDataFrame(
        {
            "name": g["district"],
            "name_en": g["district_en"],
            "adcode": g["district"].map(adcode),
            "source_shape_id": g["source_shape_id"],
            "accuracy": "derived",
            "source": "geoBoundaries gbOpen CHN ADM3 (OpenStreetMap), commit 9469f09",
        },
        geometry=g.geometry.values,
        crs=zcrs.WGS84,
    )
    assert out.adcode.notna().all(), out[out.adcode.isna()]
    out = out.sort_values("adcode").reset_index(drop=True)
    save("districts", out, meta={
        "accuracy": "derived",
        "source": "geoBoundaries gbOpen CHN ADM3 (OpenStreetMap-derived), district names; "
                  "adcode = NBS 2023 codes (china-division 2.7.0)",
        "licence": f"ODbL 1.0 — {OSM_ATTRIBUTION}; codes MIT/WTFPL",
        "date": BUILD_DATE,
        "source_files": ["data/admin/shanghai_districts_geoboundaries_osm_wgs84.geojson",
                         "data/admin/shanghai_streets_towns_2023.csv"],
        "source_crs": "WGS-84",
        "coordinate_conversions": [],
        "method": "copied; joined NBS district codes on name; rounded to 1e-6°",
    })


def make_rail_stations() -> None:
    s = stations_wgs()
    # amap_2025 is the raw Amap service (2025-03-05); metroman_2025 adds the lines amap
    # lacks (金山铁路).  Both are GCJ-02 (shared/data/PROVENANCE.md).
    s["line"] = s["line"].replace({"磁浮线": "磁悬浮"})
    amap = s[s.source_id == "amap_2025"]
    metro = s[(s.source_id == "metroman_2025") & ~s.line.isin(set(amap.line))]
    both = pd.concat([amap, metro])
    both = both.sort_values(["source_id", "line", "route", "seq"])
    # one point per station per line (branches repeat stations): first route wins
    both = both.drop_duplicates(["line", "station"], keep="first")
    clean = both.station.str.replace(r"[（(](\d+号线|市域机场线|市域|原[^)）]*)[)）]$", "",
                                     regex=True)
    out = gpd.GeoDataFrame(
        {
            "station": clean.values,
            "station_source": both.station.values,
            "station_en": both.station_en.values,
            "line": both.line.values,
            "source": both.source_id.values,
            "source_station_id": both.source_station_id.astype(str).values,
            "source_crs": "GCJ-02",
            "source_lon": both.source_lon.values,
            "source_lat": both.source_lat.values,
            "conversion": "GCJ-02 -> WGS-84 (zjgis.crs.gcj02_to_wgs84, exact inverse)",
            "accuracy": "derived",
        },
        geometry=gpd.points_from_xy(both.lon, both.lat),
        crs=zcrs.WGS84,
    ).sort_values(["line", "station"], key=lambda c: c.str.zfill(8)).reset_index(drop=True)
    save("rail_stations", out, meta={
        "accuracy": "derived",
        "source": "Amap subway service via JoJoJoJoJoJoJo/ShanghaiSubwayFilter (amap_2025, "
                  "2025-03-05); 金山铁路 from metromancn/MetroMapOpenMiniProgram (metroman_2025)",
        "licence": "repos MIT; coordinates originate from Amap, Amap terms unknown",
        "date": BUILD_DATE,
        "source_files": ["data/transit/stations.csv"],
        "source_crs": "GCJ-02",
        "coordinate_conversions": ["GCJ-02 -> WGS-84"],
        "method": "one point per (line, station); GCJ-02 converted exactly with zjgis.crs",
    })


OSM_TRANSIT = "data/transit/shanghai_osm_metro_elevated_wgs84.json"
OSM_TRANSIT_ATTRIBUTION = ("© OpenStreetMap contributors; Geofabrik extract of 2026-07-28, "
                           "via luiszengii/shanghai-property-sector-map 38a55f1")

#: The 2017 boundary text (北至龙东大道、东至外环–沪芦高速、南至下盐公路、西至罗山路–沪奉高速) as
#: the ring of OSM roads that trace it, in order around the area: (side, OSM names).
BOUNDARY_ROADS_2017 = [
    ("north", ("龙东高架路", "龙东大道")),
    ("east (north part)", ("外环高速",)),
    ("east (south part)", ("沪芦高速",)),
    ("south", ("下盐公路",)),
    ("west (south part)", ("沪奉高速",)),
    ("west (north part)", ("罗山高架路", "罗山路")),
]
#: Window (lon/lat) the road pieces are clipped to before they are joined: the 2017 area and
#: ~1–2 km around it, so the ring roads' far parts do not take part.
TRACE_WINDOW = (121.54, 31.04, 121.70, 31.245)
#: Smallest face of the polygonized road ring kept as part of the area, km² (drops the
#: slivers between dual carriageways and inside interchanges).
TRACE_MIN_FACE_KM2 = 1.0
#: Morphological closing (m) joining the faces either side of a dual-carriageway road that
#: crosses the area (外环高速 between 罗山路 and 沪芦高速).
TRACE_CLOSING_M = 60.0


def osm_transit() -> dict:
    return json.loads((SHARED / OSM_TRANSIT).read_text(encoding="utf-8"))


def _join_pieces(lines: list) -> tuple[list, list[float]]:
    """Bridge the gaps between the pieces of one road: a minimum spanning forest over pieces.

    Pieces that touch are joined for free; otherwise the shortest segment between two end
    points is the bridge (Kruskal, deterministic order).  Returns the bridges and their lengths.
    """
    n = len(lines)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    ends = [shapely.get_coordinates(line)[[0, -1]] for line in lines]
    cand = []
    for i in range(n):
        for j in range(i + 1, n):
            if lines[i].intersects(lines[j]):
                cand.append((0.0, i, j, None))
                continue
            d = np.hypot(ends[i][:, None, 0] - ends[j][None, :, 0],
                         ends[i][:, None, 1] - ends[j][None, :, 1])
            k = np.unravel_index(int(np.argmin(d)), d.shape)
            cand.append((float(d[k]), i, j, shapely.LineString([ends[i][k[0]], ends[j][k[1]]])))
    cand.sort(key=lambda c: (c[0], c[1], c[2]))
    bridges, lengths = [], []
    for dist, i, j, seg in cand:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[ri] = rj
            if seg is not None:
                bridges.append(seg)
                lengths.append(dist)
    return bridges, lengths


def trace_2017() -> tuple[Polygon, list[dict]]:
    """The 2017 outline traced on the OSM centrelines of its boundary roads (EPSG:32651 -> WGS-84).

    1. per side, every OSM piece named in BOUNDARY_ROADS_2017, clipped to TRACE_WINDOW;
    2. join the pieces of a side (gaps bridged by the shortest end-to-end segments);
    3. close the corners: consecutive sides that do not meet get the shortest segment
       between them;
    4. node and polygonize everything; keep the faces >= TRACE_MIN_FACE_KM2, join them by a
       TRACE_CLOSING_M closing and fill holes.
    """
    roads = osm_transit()["elevatedRoads"]
    window = shapely.box(*TRACE_WINDOW)
    sides, table = [], []
    for side, names in BOUNDARY_ROADS_2017:
        pieces = []
        for r in roads:
            if r["name"] not in names:
                continue
            for path in r["paths"]:
                clipped = shapely.intersection(shapely.LineString(path), window)
                pieces += [g for g in shapely.get_parts(clipped)
                           if g.geom_type == "LineString" and not g.is_empty]
        assert pieces, side
        metric = list(gpd.GeoSeries(pieces, crs=zcrs.WGS84).to_crs(zcrs.METRIC))
        bridges, lengths = _join_pieces(metric)
        sides.append(shapely.union_all(metric + bridges))
        table.append({"side": side, "osm_names": "、".join(names), "pieces": len(metric),
                      "road_km": round(sum(g.length for g in metric) / 1000, 2),
                      "bridged_gaps": len(bridges),
                      "longest_gap_m": round(max(lengths, default=0.0), 0)})
    corners = []
    for (side_a, _), a, (side_b, _), b in zip(BOUNDARY_ROADS_2017, sides,
                                              BOUNDARY_ROADS_2017[1:] + BOUNDARY_ROADS_2017[:1],
                                              sides[1:] + sides[:1]):
        if not a.intersects(b):
            p, q = shapely.ops.nearest_points(a, b)
            corners.append(shapely.LineString([p, q]))
            table.append({"side": f"corner {side_a} → {side_b}", "osm_names": "(closing segment)",
                          "pieces": 0, "road_km": 0.0, "bridged_gaps": 1,
                          "longest_gap_m": round(p.distance(q), 0)})
    net = shapely.union_all(sides + corners)
    faces = shapely.get_parts(shapely.polygonize(list(shapely.get_parts(net))))
    big = [f for f in faces if f.area >= TRACE_MIN_FACE_KM2 * 1e6]
    assert len(big) == 2, [round(f.area / 1e6, 2) for f in faces if f.area > 1e5]
    closed = shapely.union_all(big).buffer(TRACE_CLOSING_M, quad_segs=8).buffer(
        -TRACE_CLOSING_M, quad_segs=8)
    assert closed.geom_type == "Polygon", closed.geom_type
    poly = Polygon(closed.exterior)
    return to_wgs(poly), table


def station_comparison() -> dict:
    """Shipped rail_stations (Amap GCJ-02 -> WGS-84) vs OSM stations of the same name, metres.

    For every OSM station whose name is a shipped station name: the geodesic distance to the
    nearest shipped point of that name (a station has one point per line), after the
    GCJ-02 -> WGS-84 conversion and, for contrast, before it (the raw Amap coordinate).
    """
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    shipped = load_out("rail_stations")
    osm = pd.DataFrame(osm_transit()["metroStations"])
    rows = []
    for name, pos in zip(osm["name"], osm["position"]):
        same = shipped[shipped.station == name]
        if same.empty:
            continue
        n = len(same)
        _, _, d = geod.inv(np.full(n, pos[0]), np.full(n, pos[1]), same.geometry.x.to_numpy(),
                           same.geometry.y.to_numpy())
        _, _, raw = geod.inv(np.full(n, pos[0]), np.full(n, pos[1]), same.source_lon.to_numpy(),
                             same.source_lat.to_numpy())
        rows.append((name, float(d.min()), float(raw.min())))
    t = pd.DataFrame(rows, columns=["station", "m", "raw_m"]).sort_values("m")
    worst = t.tail(5)
    return {"osm_stations": len(osm), "matched_by_name": len(t),
            "median_m": round(float(t.m.median()), 1),
            "p90_m": round(float(t.m.quantile(0.9)), 1), "max_m": round(float(t.m.max()), 1),
            "raw_gcj02_median_m": round(float(t.raw_m.median()), 1),
            "worst": [f"{r.station} {r.m:.0f} m" for r in worst[::-1].itertuples()]}


def make_rail_lines() -> None:
    lines = [ln for ln in osm_transit()["metroLines"] if ln["route"] != "network"]
    geoms = [shapely.MultiLineString([p for p in ln["paths"]]) for ln in lines]
    out = gpd.GeoDataFrame(
        {
            "line": [f"{ln['route'].replace('-', '/')}号线" for ln in lines],
            "name_osm": [ln["name"] for ln in lines],
            "osm_id": [ln["id"] for ln in lines],
            "accuracy": "derived",
            "source": "OpenStreetMap metro route relations (Geofabrik extract 2026-07-28), "
                      "simplified 5 m upstream",
        },
        geometry=geoms, crs=zcrs.WGS84,
    )
    cmp_ = station_comparison()
    save("rail_lines", out, meta={
        "accuracy": "derived",
        "source": "OpenStreetMap metro lines 1–18 (and the shared 3/4 section), Geofabrik "
                  "extract of 2026-07-28 (via luiszengii/shanghai-property-sector-map); the "
                  "network relation (all track incl. depots) is not shipped; 浦江线, 磁浮线, "
                  "市域机场线 and 金山铁路 are not among the OSM lines of the source",
        "licence": f"ODbL 1.0 — {OSM_TRANSIT_ATTRIBUTION}",
        "date": BUILD_DATE,
        "source_files": [OSM_TRANSIT],
        "source_crs": "WGS-84",
        "coordinate_conversions": [],
        "method": "one MultiLineString per OSM line entry (paths as given, simplified 5 m in "
                  "EPSG:32651 upstream), rounded to 1e-6°",
        "station_check": cmp_,
    })


def make_science_city_2017() -> None:
    poly, table = trace_2017()
    a = area_km2([poly])[0]
    assert 90 <= a <= 100, a
    out = gpd.GeoDataFrame(
        {"name": ["张江科学城（2017年规划范围，依道路中心线推绘）"],
         "name_en": ["Zhangjiang Science City 2017 (traced on OSM road centrelines)"],
         "plan_area_km2": [95.0], "boundary_text": [
             "北至龙东大道、东至外环-沪芦高速、南至下盐公路、西至罗山路-沪奉高速"],
         "area_km2": [round(float(a), 2)],
         "accuracy": ["derived"],
         "source": ["derived: the 四至 text traced on the OSM centrelines of the boundary roads "
                    f"({OSM_TRANSIT}); not an official polygon, not rescaled"]},
        geometry=[poly], crs=zcrs.WGS84)
    save("science_city_2017", out, meta={
        "accuracy": "derived",
        "source": "the 2017 四至 text (北至龙东大道、东至外环–沪芦高速、南至下盐公路、西至罗山路–"
                  "沪奉高速; zhangjiang_text_facts.csv) traced on the OpenStreetMap centrelines of "
                  "those roads (2026-07-28 extract); no official polygon available; area not "
                  "rescaled",
        "licence": f"ODbL 1.0 — {OSM_TRANSIT_ATTRIBUTION}",
        "date": BUILD_DATE,
        "source_files": [FACTS, OSM_TRANSIT],
        "source_crs": "WGS-84",
        "coordinate_conversions": [],
        "method": "per side the OSM pieces of the named roads clipped to "
                  f"{TRACE_WINDOW}; gaps between pieces bridged by a minimum spanning forest of "
                  "end-to-end segments; corners that do not meet closed by the shortest segment; "
                  f"noded and polygonized; faces ≥ {TRACE_MIN_FACE_KM2:g} km² kept, joined by a "
                  f"{TRACE_CLOSING_M:g} m closing (EPSG:32651), holes filled",
        "sides": table,
        "area_km2": round(float(a), 2),
        "area_stated_km2": "94 (文汇报 2017-09-18) – 95 (2017 批复)",
    })


def make_science_city_2022() -> None:
    sc17 = gpd.read_file(OUT / "science_city_2017.geojson").geometry.iloc[0]
    # inside both the district (geoBoundaries) and the union of its OSM street/town units,
    # 50 m inside their edges so containment holds after rounding
    units = osm_units()
    pd_units = shapely.union_all(np.asarray(units.loc[units.district == "浦东新区", "geometry"]))
    pd_m = to_metric(shapely.intersection(pudong(), pd_units))
    inner = pd_m.buffer(-50)
    s17 = to_metric(sc17)
    target = 220.0

    def grown(d):
        return to_wgs(shapely.intersection(s17.buffer(d, quad_segs=8, join_style="round"),
                                           inner).union(s17))

    lo, hi = 0.0, 6000.0
    for _ in range(40):
        mid = (lo + hi) / 2
        if area_km2([grown(mid)])[0] < target:
            lo = mid
        else:
            hi = mid
    d = round((lo + hi) / 2, 0)
    poly = grown(d)
    a = area_km2([poly])[0]
    assert 205 <= a <= 235, a
    out = gpd.GeoDataFrame(
        {"name": ["张江科学城（扩区后约220平方公里，示意）"],
         "name_en": ["Zhangjiang Science City, expanded (schematic)"],
         "plan_area_km2": [220.0], "buffer_m": [d],
         "accuracy": ["schematic"],
         "source": [f"schematic: science_city_2017 grown by {d:.0f} m, clipped to 浦东新区 "
                    "and its OSM street/town units; "
                    f"220 km² from {SEED_000}"]},
        geometry=[poly], crs=zcrs.WGS84)
    save("science_city_2022", out, meta={
        "accuracy": "schematic",
        "source": "schematic: the traced 2017 outline grown uniformly until the area is ~220 "
                  "km² (seed 000: 由95平方公里扩大至约220平方公里), clipped to 浦东新区 and to the "
                  "OSM street/town units; the real expansion is not uniform and its boundary "
                  "was not found",
        "licence": "zjgis (MIT); district and street/town edges and the traced 2017 outline "
                   "ODbL 1.0 (© OpenStreetMap contributors)",
        "date": BUILD_DATE,
        "source_files": [SEED_000, "science_city_2017", "districts", OSM_UNITS],
        "source_crs": "WGS-84",
        "coordinate_conversions": [],
        "method": f"buffer {d:.0f} m (EPSG:32651, round joins) of science_city_2017 ∩ ((浦东新区 "
                  "∩ union of its 36 OSM units) shrunk 50 m) ∪ science_city_2017",
        "area_km2": round(float(a), 2),
    })


# --------------------------------------------------------------------------- step 2 layers


def load_out(name: str) -> gpd.GeoDataFrame:
    return gpd.read_file(OUT / f"{name}.geojson")


def voronoi_cells(points_m: list[tuple[float, float]], extent) -> list:
    """Voronoi cells (EPSG:32651) of ``points_m``, in input order, clipped to ``extent``."""
    mp = shapely.MultiPoint(points_m)
    cells = shapely.voronoi_polygons(mp, extend_to=extent.buffer(20000))
    parts = list(shapely.get_parts(cells))
    out = []
    for x, y in points_m:
        p = Point(x, y)
        cell = next(c for c in parts if c.contains(p) or c.touches(p))
        out.append(shapely.intersection(cell, extent))
    return out


N_STREETS_TOWNS = 11  # seed 000: 整合扩区范围11个街镇的空间资源
OSM_UNITS = "data/admin/shanghai_streets_towns_osm_2026-08-19.geojson"
OSM_UNITS_ATTRIBUTION = ("© OpenStreetMap contributors; admin_level=8 relations of the "
                         "2026-08-19 extract, via FelixVVu/jinke b0a7026")
#: THE replaceable rule that picks the "11 streets/towns" of the 220 km² expansion.  No source
#: we have names them (seed 000 gives only the number); this is zjgis's rule, not an official
#: list.  Change it here (or load the bureau's list with layers.use) and rebuild.
EXPANSION_RULE = ("zjgis rule, not the official list: the 11 Pudong units with the largest "
                  "geodesic area inside the schematic science_city_2022 outline")
#: Pudong's 2025-11-14 adjustment of town lines (Pudong government notice 2025/325/348121).
PUDONG_2025_NOTE = ("Pudong moved several town lines on 2025-11-14 (北蔡–张江, 金桥–张江, "
                    "周家渡–上钢新村, 川沙–祝桥, 北蔡–康桥); OSM may not follow them; OSM "
                    "boundaries are not legal boundaries")


def osm_units() -> gpd.GeoDataFrame:
    """The 46 OSM street/town polygons of 浦东新区 and 普陀区 joined to the NBS 2023 codes.

    The join is on district + name: the upstream file's ``official_control_code_2023`` swaps
    万里街道 and 真如镇街道 against the NBS table (china-division 2.7.0, confirmed by the
    village codes: 310107022 holds 南大街/北大街居委会 of 真如镇街道).
    """
    g = gpd.read_file(SHARED / OSM_UNITS)
    g = g[g["district"].isin(["浦东新区", "普陀区"])].copy()
    assert (g["osm_name"] == g["official_control_name_2023"]).all()
    codes = pd.read_csv(DATA / "admin" / "shanghai_streets_towns_2023.csv", dtype=str)
    codes = codes[["code", "name", "kind", "district_name", "district_code"]]
    m = g.merge(codes, left_on=["district", "official_control_name_2023"],
                right_on=["district_name", "name"], how="left", validate="one_to_one")
    assert m["code"].notna().all(), m.loc[m["code"].isna(), "osm_name"].tolist()
    m["upstream_code"] = m["official_control_code_2023"].str[:9]
    m = gpd.GeoDataFrame(m, geometry="geometry", crs=zcrs.WGS84)
    return m.sort_values("code").reset_index(drop=True)


def make_streets_towns() -> None:
    units = osm_units()
    n_pd = int((units.district == "浦东新区").sum())
    n_pt = int((units.district == "普陀区").sum())
    assert (n_pd, n_pt) == (36, 10), (n_pd, n_pt)
    sc17 = load_out("science_city_2017").geometry.iloc[0]
    sc22 = load_out("science_city_2022").geometry.iloc[0]
    area = area_km2(units.geometry)
    in17 = area_km2([shapely.intersection(g, sc17) for g in units.geometry])
    in22 = area_km2([shapely.intersection(g, sc22) for g in units.geometry])
    pudong_mask = (units.district == "浦东新区").to_numpy()
    order = np.argsort(-np.where(pudong_mask, in22, -1.0), kind="stable")
    chosen = np.zeros(len(units), dtype=bool)
    chosen[order[:N_STREETS_TOWNS]] = True
    out = gpd.GeoDataFrame(
        {
            "name": units["name"], "code": units["code"], "kind": units["kind"],
            "district": units["district"], "district_code": units["district_code"],
            "osm_relation_id": units["osm_relation_id_source"].astype(str),
            "area_km2": np.round(area, 3),
            "area_in_2017_km2": np.where(pudong_mask, np.round(in17, 3), np.nan),
            "share_in_2017": np.where(pudong_mask, np.round(in17 / area, 4), np.nan),
            "area_in_2022_km2": np.where(pudong_mask, np.round(in22, 3), np.nan),
            "share_in_2022": np.where(pudong_mask, np.round(in22 / area, 4), np.nan),
            "expansion_11": chosen,
            "expansion_rule": np.where(chosen, EXPANSION_RULE, ""),
            "accuracy": "derived",
            "source": "OpenStreetMap admin_level=8 (2026-08-19), not a legal boundary; "
                      "codes NBS 2023",
        },
        geometry=list(units.geometry), crs=zcrs.WGS84,
    )
    left_out = out[~out.expansion_11 & (out.area_in_2022_km2 > 0.05)]
    save("streets_towns", out, meta={
        "accuracy": "derived",
        "source": "OpenStreetMap street/town (街道/镇) relations, admin_level=8, extract of "
                  "2026-08-19 (via FelixVVu/jinke); all 36 units of 浦东新区 and 10 of 普陀区, "
                  "joined to the NBS 2023 statistical codes (china-division 2.7.0). "
                  f"{PUDONG_2025_NOTE}. expansion_11 is a replaceable zjgis rule, not official",
        "licence": f"ODbL 1.0 — {OSM_UNITS_ATTRIBUTION}; codes MIT/WTFPL",
        "date": BUILD_DATE,
        "source_files": [OSM_UNITS, "data/admin/shanghai_streets_towns_2023.csv",
                         "science_city_2017", "science_city_2022"],
        "source_crs": "WGS-84",
        "coordinate_conversions": [],
        "method": "copied (no simplification), joined to the NBS codes on district + name, "
                  "rounded to 1e-6°; area_km2 geodesic; share_in_2017/2022 = geodesic area "
                  "inside science_city_2017/2022 ÷ area_km2 (Pudong only)",
        "expansion_rule": EXPANSION_RULE,
        "expansion_11": [f"{r.name} ({r.code}, {r.area_in_2022_km2:.2f} km² inside)"
                         for r in out[out.expansion_11].itertuples()],
        "not_included_but_overlapping": [
            f"{r.name} ({r.code}, {r.area_in_2022_km2:.2f} km² inside)"
            for r in left_out.sort_values("area_in_2022_km2", ascending=False).itertuples()],
        "code_note": "the upstream file's official_control_code_2023 swaps 万里街道 (NBS "
                     "310107021) and 真如镇街道 (NBS 310107022); zjgis joins on the name and "
                     "keeps the NBS code",
        "pudong_2025_adjustment": PUDONG_2025_NOTE,
    })


EMPLOYMENT = "data/stats/shanghai_street_employment_2023.csv"
EMPLOYMENT_DISTRICTS = "data/stats/shanghai_district_employment_2023.csv"
#: THE rule for Pudong's development-zone strata (counted apart from the towns whose territory
#: they lie in; no redistributable polygon): stratum -> the unit it is allocated to.  张江高科技
#: 园区 lies inside 张江镇 (the census counts its 469 000 apart: 张江镇's 21 000 excludes them).
#: 金桥经济技术开发区 and the 保税区 straddle several towns (and the 保税区 has sites outside the
#: science city), so they are not allocated: they stay in the layer's provenance, not dropped.
STRATUM_ALLOCATION = {"张江高科技园区": "张江镇"}
STRATUM_RULE = ("zjgis rule: the 张江高科技园区 stratum (469 000, counted apart from 张江镇 by the "
                "census) is allocated whole to the 张江镇 polygon; not in jobs_2023, only in "
                "jobs_2023_incl_stratum")


def make_employment_2023() -> None:
    units = osm_units()
    emp = pd.read_csv(SHARED / EMPLOYMENT, dtype=str)
    emp = emp[emp.district.isin(["浦东新区", "普陀区"])].copy()
    for col in ("employment_nominal", "employment_reconciled", "employment_rounding_lower",
                "employment_rounding_upper_exclusive"):
        emp[col] = emp[col].astype(int)
    geo = emp[emp.control_type != "functional_zone"]
    strata = emp[emp.control_type == "functional_zone"]
    m = units.merge(geo, left_on=["district", "name"],
                    right_on=["district", "official_control_name_2023"], how="left",
                    validate="one_to_one")
    assert m.employment_reconciled.notna().all(), m.loc[m.employment_reconciled.isna(), "name"]
    stratum_name = {v: k for k, v in STRATUM_ALLOCATION.items()}
    sj = strata.set_index("official_control_name_2023")["employment_reconciled"]
    zone = m["name"].map(stratum_name).fillna("")
    zone_jobs = zone.map(lambda z: int(sj[z]) if z else 0).astype(int)
    out = gpd.GeoDataFrame(
        {
            "name": m["name"], "code": m["code"], "district": m["district"], "kind": m["kind"],
            "jobs_2023": m.employment_reconciled.astype(int),
            "jobs_2023_published": m.employment_nominal.astype(int),
            "jobs_2023_low": m.employment_rounding_lower.astype(int),
            "jobs_2023_high": (m.employment_rounding_upper_exclusive.astype(int)
                               - (m.rounding_increment_people.astype(int) > 1)),
            "zone_stratum": zone,
            "zone_stratum_jobs_2023": zone_jobs,
            "jobs_2023_incl_stratum": m.employment_reconciled.astype(int) + zone_jobs,
            "stratum_rule": np.where(zone != "", STRATUM_RULE, ""),
            "universe": "法人单位从业人员 (legal-entity workplace employment, secondary + tertiary "
                        "sector, individual businesses excluded), 2023-12-31",
            "publication_url": m.publication_url,
            "accuracy": "derived",
            "source": "5th economic census district bulletins (2023), third-party transcription; "
                      "geometry OSM admin_level=8",
        },
        geometry=list(m.geometry), crs=zcrs.WGS84,
    )
    dist = pd.read_csv(SHARED / EMPLOYMENT_DISTRICTS, dtype=str).set_index("district")
    totals = {}
    for dname in ("浦东新区", "普陀区"):
        sub = emp[emp.district == dname]
        total = int(dist.loc[dname, "employment"])
        geo_sum = int(sub.employment_reconciled.sum())
        totals[dname] = {"district_total": total, "in_street_town_table": geo_sum,
                         "not_subdivided": total - geo_sum,
                         "by_control_type": {k: int(v) for k, v in sub.groupby("control_type")
                                             .employment_reconciled.sum().items()}}
    unallocated = [f"{r.official_control_name_2023} ({r.official_control_code_2023[:9]}): "
                   f"{r.employment_reconciled:,}" for r in strata.itertuples()
                   if r.official_control_name_2023 not in STRATUM_ALLOCATION]
    save("employment_2023", out, meta={
        "accuracy": "derived",
        "source": "2023 workplace employment per street/town (第五次全国经济普查 district bulletins, "
                  "法人单位从业人员, 2023-12-31; bulletin URL per row; transcribed by FelixVVu/jinke "
                  "b0a7026, not independently verified) on the OSM street/town polygons; the "
                  "张江高科技园区 stratum is allocated to 张江镇 by a written rule "
                  "(jobs_2023_incl_stratum)",
        "licence": f"figures: official statistics, cited per row; geometry ODbL 1.0 — "
                   f"{OSM_UNITS_ATTRIBUTION}",
        "date": BUILD_DATE,
        "source_files": [EMPLOYMENT, EMPLOYMENT_DISTRICTS, OSM_UNITS],
        "source_crs": "WGS-84",
        "coordinate_conversions": [],
        "method": "joined on district + name; jobs_2023 = employment_reconciled (= the published "
                  "figure, Pudong's 12 streets −250 each so they sum to the published subtotal); "
                  "jobs_2023_published/low/high = the printed figure and its rounding interval",
        "stratum_rule": STRATUM_RULE,
        "strata_unallocated": unallocated,
        "totals": totals,
    })


def axis_line_m(stations) -> shapely.LineString:
    """金科路 (Line 2) → 中科路 (Line 13) → 康新公路 (Line 11) → due south, metric."""
    sc17 = to_metric(load_out("science_city_2017").geometry.iloc[0])
    xs = [anchor(stations, n) for n in ("金科路", "中科路", "康新公路")]
    minx, miny, maxx, maxy = sc17.bounds
    line = shapely.LineString([(xs[0][0], maxy + 1000), *xs, (xs[-1][0], miny - 1000)])
    return shapely.intersection(line, sc17)


def make_axis() -> None:
    st = stations_wgs()
    line_m = axis_line_m(st)
    assert line_m.geom_type == "LineString", line_m.geom_type
    out = gpd.GeoDataFrame(
        {"name": ["创新源—产业核—联动廊主轴（金科路—康新公路，示意）"],
         "name_en": ["Innovation axis along Jinke Rd – Kangxin Hwy (schematic)"],
         "roads_zh": ["金科路—康新公路"], "length_m": [round(line_m.length, 0)],
         "accuracy": ["schematic"],
         "source": [f"{SEED_000}: 沿金科路—康新公路主干道; drawn through rail stations"]},
        geometry=[to_wgs(line_m)], crs=zcrs.WGS84)
    save("axis", out, meta={
        "accuracy": "schematic",
        "source": "seed 000 (沿金科路—康新公路主干道…串联); line drawn through the stations 金科路 "
                  "(Line 2), 中科路 (Line 13) and 康新公路 (Line 11), then due south; clipped to "
                  "science_city_2017",
        "licence": "zjgis (MIT); anchors Amap-derived (terms unknown)",
        "date": BUILD_DATE,
        "source_files": [SEED_000, "data/transit/stations.csv", "science_city_2017"],
        "source_crs": "WGS-84 (anchors converted from GCJ-02)",
        "coordinate_conversions": ["GCJ-02 -> WGS-84 (anchor stations)"],
        "method": "polyline through station anchors; not the road centreline",
    })


AXIS_CORRIDOR_M = 2500.0
ZONES = [
    ("north", "中国芯", "chips: integrated circuits (集成电路)", "integrated_circuits"),
    ("middle", "智能造", "smart manufacturing, AI (智能制造、人工智能)",
     "artificial_intelligence;advanced_manufacturing"),
    ("south", "创新药", "new drugs: biomedicine (生物医药)", "biomedicine"),
]


def zone_cuts_m(stations):
    """Latitudes (metric y) cutting the axis in three equal lengths."""
    line = axis_line_m(stations)
    y1 = line.interpolate(line.length / 3).y
    y2 = line.interpolate(2 * line.length / 3).y
    return line, y1, y2


def innovation_source_m(stations):
    """Core park 四至: 罗山路 E, 龙东大道 S, 外环 W, 华夏中路 N -> 2017 area north of 华夏中路."""
    sc17 = to_metric(load_out("science_city_2017").geometry.iloc[0])
    pts = [anchor(stations, n) for n in ("华夏中路", "中科路", "学林路", "张江路")]
    minx, miny, maxx, maxy = sc17.bounds
    pts = [(minx - 3000, pts[0][1]), *pts, (maxx + 3000, pts[-1][1])]
    north = Polygon([*pts, (maxx + 3000, maxy + 3000), (minx - 3000, maxy + 3000)])
    return shapely.intersection(sc17, north)


def make_axis_zones() -> None:
    st = stations_wgs()
    line, y1, y2 = zone_cuts_m(st)
    sc22 = to_metric(load_out("science_city_2022").geometry.iloc[0])
    corridor = shapely.intersection(line.buffer(AXIS_CORRIDOR_M, cap_style="flat"), sc22)
    minx, miny, maxx, maxy = sc22.bounds
    bands = [shapely.box(minx - 1, y1, maxx + 1, maxy + 1), shapely.box(minx - 1, y2, maxx + 1, y1),
             shapely.box(minx - 1, miny - 1, maxx + 1, y2)]
    rows = []
    for (zone, label, role, keys), band in zip(ZONES, bands):
        rows.append({"zone": zone, "label_zh": label, "role": role, "industries": keys,
                     "basis": f"{SEED_000}: 北部的“中国芯”、中部的“智能造”、南部的“创新药”",
                     "geometry": to_wgs(shapely.intersection(corridor, band))})
    core = innovation_source_m(st)
    rows.append({"zone": "innovation_source", "label_zh": "创新源",
                 "role": "innovation source core (科学城北部“创新源”为核心); drawn as the core park "
                         "罗山路以东、龙东大道以南、外环线以西、华夏中路以北 (≈25 km², secondary source)",
                 "industries": "", "basis": f"{SEED_000}; {FACTS} (zj_hitech_park_boundary)",
                 "geometry": to_wgs(core)})
    out = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=zcrs.WGS84)
    out["accuracy"] = "schematic"
    out["source"] = "schematic: axis corridor ±2.5 km split in equal thirds of the axis length"
    out.loc[out.zone == "innovation_source", "source"] = (
        "schematic: science_city_2017 north of 华夏中路 (line through stations 华夏中路, 中科路, "
        "学林路, 张江路)")
    save("axis_zones", out, meta={
        "accuracy": "schematic",
        "source": "seed 000 names the zones (north 中国芯, middle 智能造, south 创新药) and the "
                  "创新源 core but draws no boundaries; zones = ±2.5 km corridor of the axis "
                  "within science_city_2022 cut into equal thirds of the axis length; 创新源 = "
                  "the 25 km² core-park 四至 of zhangjiang_text_facts.csv (secondary source)",
        "licence": "zjgis (MIT)",
        "date": BUILD_DATE,
        "source_files": [SEED_000, FACTS, "axis", "science_city_2022"],
        "source_crs": "WGS-84",
        "coordinate_conversions": ["GCJ-02 -> WGS-84 (anchor stations)"],
        "method": "zone='innovation_source' is a fourth feature overlapping the north zone",
    })


N_COMMUNITIES = 15  # seed 000: 扩区范围内 15 个产业社区
COMMUNITY_RADIUS_M = 1500.0


def make_industrial_communities() -> None:
    st = stations_wgs()
    sc22_w = load_out("science_city_2022").geometry.iloc[0]
    sc22 = to_metric(sc22_w)
    a = st[st.source_id == "amap_2025"].drop_duplicates("station")
    a = a[shapely.contains_xy(sc22_w, a.lon.to_numpy(), a.lat.to_numpy())]
    a = a.sort_values("station").reset_index(drop=True)
    xy = np.column_stack(gpd.GeoSeries(gpd.points_from_xy(a.lon, a.lat), crs=zcrs.WGS84)
                         .to_crs(zcrs.METRIC).get_coordinates().to_numpy().T)
    # farthest-point sampling, starting at the station nearest the area's centroid
    c = sc22.centroid
    chosen = [int(np.argmin(np.hypot(xy[:, 0] - c.x, xy[:, 1] - c.y)))]
    dist = np.hypot(xy[:, 0] - xy[chosen[0], 0], xy[:, 1] - xy[chosen[0], 1])
    while len(chosen) < N_COMMUNITIES:
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        dist = np.minimum(dist, np.hypot(xy[:, 0] - xy[nxt, 0], xy[:, 1] - xy[nxt, 1]))
    seeds = a.iloc[chosen].copy()
    seeds["x"], seeds["y"] = xy[chosen, 0], xy[chosen, 1]
    seeds = seeds.sort_values(["y", "x"], ascending=[False, True]).reset_index(drop=True)
    cells = voronoi_cells(list(zip(seeds.x, seeds.y)), sc22.buffer(-30))
    geoms = [shapely.intersection(cell, Point(x, y).buffer(COMMUNITY_RADIUS_M, quad_segs=16))
             for cell, x, y in zip(cells, seeds.x, seeds.y)]
    # industries from the axis zone band the community centre falls in (seed 000 zones)
    _, y1, y2 = zone_cuts_m(st)
    band = np.where(seeds.y >= y1, 0, np.where(seeds.y >= y2, 1, 2))
    towns = load_out("streets_towns").to_crs(zcrs.METRIC)
    street = []
    for x, y in zip(seeds.x, seeds.y):
        hit = towns[towns.contains(Point(x, y))]
        street.append(hit.name.iloc[0] if len(hit) else "")
    zh = {"integrated_circuits": "集成电路", "biomedicine": "生物医药",
          "artificial_intelligence": "人工智能", "advanced_manufacturing": "智能制造"}
    keys = [ZONES[b][3] for b in band]
    out = gpd.GeoDataFrame(
        {
            "community_id": [f"C{i + 1:02d}" for i in range(len(seeds))],
            "name": [f"产业社区 {i + 1:02d}（示意）" for i in range(len(seeds))],
            "name_en": [f"Industrial community {i + 1:02d} (schematic)" for i in range(len(seeds))],
            "street_town": street,
            "industries": keys,
            "industries_zh": [";".join(zh[k] for k in k_.split(";")) for k_ in keys],
            "industries_basis": [f"derived: centre in the {ZONES[b][0]} third of the axis "
                                 f"({ZONES[b][1]}, seed 000); not the community's official "
                                 "positioning" for b in band],
            "seed_station": seeds.station.values,
            "accuracy": "schematic",
            "source": "schematic: generic name; Voronoi cell of a station ∩ 1.5 km disc, "
                      "inside science_city_2022",
        },
        geometry=[to_wgs(g) for g in geoms], crs=zcrs.WGS84,
    )
    save("industrial_communities", out, meta={
        "accuracy": "schematic",
        "source": "seed 000 gives the number (15 个产业社区) but no names, places or positioning; "
                  "names are generic, places are station-seeded cells, industries follow the "
                  "axis zone (north IC, middle AI/manufacturing, south biomedicine)",
        "licence": "zjgis (MIT); anchors Amap-derived (terms unknown)",
        "date": BUILD_DATE,
        "source_files": [SEED_000, "data/transit/stations.csv", "science_city_2022",
                         "streets_towns", "axis"],
        "source_crs": "WGS-84 (anchors converted from GCJ-02)",
        "coordinate_conversions": ["GCJ-02 -> WGS-84 (anchor stations)"],
        "method": "15 stations inside science_city_2022 by farthest-point sampling (start: "
                  "nearest the centroid); Voronoi cells ∩ 1.5 km discs; street_town = the "
                  "streets_towns cell holding the seed station",
    })


#: The 14 sub-parks of 张江普陀园 (seed 002, 张江普陀园“十四五”规划): block and positioning as the
#: plan states it (第四章（一） 优化产业空间布局), and the station whose name carries the park's
#: place name, where one exists.
PUTUO_SUBPARKS = [
    ("桃浦智创城", "north", "智能科技、智造研发、生命健康", "桃浦新村"),
    ("未来岛高新技术产业园", "north", "先进制造、高技术服务业", None),
    ("新金环高新技术产业园", "north", "智能科技、高技术服务业", None),
    ("真如铁三角科技园", "north", "医疗器械、检验检测服务、智能制造", "真如"),
    ("同济大学国家大学科技园普陀分园", "north", "智慧医疗、生命健康", None),
    ("麦腾创业天地", "north", "互联网+、智能制造、电子商务", None),
    ("长风生态商务区", "south", "数字经济、科技金融、人工智能", "长风公园"),
    ("中环国际中小企业总部社区", "south", "医疗器械、智能制造", None),
    ("华东师范大学国家大学科技园", "south", "教育科技、新一代信息技术、高技术服务业", None),
    ("天地软件园", "south", "数字经济、文化创意", None),
    ("新曹杨高新技术产业园", "south", "医疗科技、高技术服务业", "曹杨路"),
    ("谈家28-文化信息·商务港（曹杨）", "south", "新媒体、在线新经济、大数据", "曹杨路"),
    ("武宁科技园", "south", "智能电工、智慧交通", "武宁路"),
    ("长风科技园", "south", "先进材料、生物医药、公共安全", "长风公园"),
]
PUTUO_TOTAL_KM2 = 10.08  # seed 002: 规划总面积约10.08平方公里
#: North/south block split (our assumption): between 真如 (north block: 真如铁三角) and
#: 曹杨路 (south block: 新曹杨), i.e. this latitude in WGS-84.
PUTUO_BLOCK_SPLIT_LAT = 31.248


def make_putuo_subparks() -> None:
    st = stations_wgs()
    d = load_out("districts")
    units = osm_units()
    pt_units = shapely.union_all(np.asarray(units.loc[units.district == "普陀区", "geometry"]))
    # inside both the district (geoBoundaries) and the union of its 10 OSM street/town units
    putuo_w = shapely.intersection(d.loc[d.name == "普陀区", "geometry"].iloc[0], pt_units)
    putuo = to_metric(putuo_w).buffer(-30)
    a = st[st.source_id == "amap_2025"].drop_duplicates("station")
    a = a[shapely.contains_xy(putuo_w, a.lon.to_numpy(), a.lat.to_numpy())]
    a = a.sort_values("station").reset_index(drop=True)
    xy = gpd.GeoSeries(gpd.points_from_xy(a.lon, a.lat), crs=zcrs.WGS84).to_crs(zcrs.METRIC)
    a["x"], a["y"] = xy.x.to_numpy(), xy.y.to_numpy()
    a["block"] = np.where(a.lat >= PUTUO_BLOCK_SPLIT_LAT, "north", "south")
    used: set[str] = set()
    seeds = []
    # 1) name anchors; a second park on the same station takes the nearest free one
    for name, block, ind, anchor_name in PUTUO_SUBPARKS:
        if anchor_name is None:
            seeds.append(None)
            continue
        base = a[a.station == anchor_name].iloc[0]
        if anchor_name not in used:
            pick, basis = base, f"station {anchor_name} (place name in the park's name)"
        else:
            free = a[(a.block == block) & ~a.station.isin(used)]
            pick = free.iloc[int(np.argmin(np.hypot(free.x - base.x, free.y - base.y)))]
            basis = (f"station {pick.station}: nearest free station to {anchor_name} (the place "
                     "name in the park's name; that station already seeds another sub-park)")
        used.add(pick.station)
        seeds.append((pick, basis))
    # 2) parks without a place anchor: farthest-point sampling among the block's free stations
    for i, (name, block, ind, anchor_name) in enumerate(PUTUO_SUBPARKS):
        if seeds[i] is not None:
            continue
        taken = np.array([(s[0].x, s[0].y) for s in seeds if s is not None])
        free = a[(a.block == block) & ~a.station.isin(used)]
        dmin = np.min(np.hypot(free.x.to_numpy()[:, None] - taken[:, 0],
                               free.y.to_numpy()[:, None] - taken[:, 1]), axis=1)
        pick = free.iloc[int(np.argmax(dmin))]
        used.add(pick.station)
        seeds[i] = (pick, f"station {pick.station}: no location in our sources; placed at the "
                          f"{block}-block station farthest from the other sub-parks")
    pts = [(s[0].x, s[0].y) for s in seeds]
    cells = voronoi_cells(pts, putuo)

    def parts(r):
        return [shapely.intersection(c, Point(p).buffer(r, quad_segs=16))
                for c, p in zip(cells, pts)]

    lo, hi = 100.0, 3000.0
    for _ in range(40):
        mid = (lo + hi) / 2
        if area_km2([to_wgs(g) for g in parts(mid)]).sum() < PUTUO_TOTAL_KM2:
            lo = mid
        else:
            hi = mid
    radius = round((lo + hi) / 2, 0)
    geoms = [to_wgs(g) for g in parts(radius)]
    out = gpd.GeoDataFrame(
        {
            "name": [p[0] for p in PUTUO_SUBPARKS],
            "block": [p[1] for p in PUTUO_SUBPARKS],
            "block_zh": ["北区块" if p[1] == "north" else "南区块" for p in PUTUO_SUBPARKS],
            "industries_zh": [p[2] for p in PUTUO_SUBPARKS],
            "industries_basis": f"{SEED_002}, 第四章（一）: stated by the plan",
            "seed_station": [s[0].station for s in seeds],
            "location_basis": [s[1] for s in seeds],
            "accuracy": "schematic",
            "source": f"names, blocks, industries: {SEED_002}; geometry schematic (station-seeded "
                      f"cells of equal radius {radius:.0f} m, total {PUTUO_TOTAL_KM2} km²)",
        },
        geometry=geoms, crs=zcrs.WGS84,
    )
    save("putuo_subparks", out, meta={
        "accuracy": "schematic",
        "source": "names, blocks and industry focus from seed 002 (普陀园“十四五”规划); no sub-park "
                  "boundaries or areas were found, so the geometry is schematic: Voronoi cells of "
                  "one station per sub-park ∩ discs of equal radius, scaled so the total is the "
                  "plan's 10.08 km², inside 普陀区",
        "licence": "zjgis (MIT); district edge ODbL 1.0 (© OpenStreetMap contributors); anchors "
                   "Amap-derived (terms unknown)",
        "date": BUILD_DATE,
        "source_files": [SEED_002, "data/transit/stations.csv", "districts"],
        "source_crs": "WGS-84 (anchors converted from GCJ-02)",
        "coordinate_conversions": ["GCJ-02 -> WGS-84 (anchor stations)"],
        "method": f"block split at {PUTUO_BLOCK_SPLIT_LAT}°N (assumption); disc radius "
                  f"{radius:.0f} m solved for the total area",
    })


#: 一区22园: park, district, leading industries as seed 001 states them (“一园一方案”), or the
#: source that states them.  Seed 001 gives no industry line for 张江科学城 and 临港园.
HITECH_PARKS = [
    ("杨浦园", "杨浦区", "数字经济", SEED_001),
    ("嘉定园", "嘉定区", "汽车（新四化）、集成电路、生物医药", SEED_001),
    ("漕河泾园", "徐汇区", "人工智能、数字经济、生命健康", SEED_001),
    ("奉贤园", "奉贤区", "生命健康、高端装备制造、基因和细胞治疗", SEED_001),
    ("金桥园", "浦东新区", "未来车、智能造、新通信", SEED_001),
    ("闵行园", "闵行区", "高端装备（航空航天、能源装备）", SEED_001),
    ("松江园", "松江区", "新一代信息技术", SEED_001),
    ("金山园", "金山区", "化工新材料", SEED_001),
    ("宝山园", "宝山区", "高端新材料", SEED_001),
    ("静安园", "静安区", "大数据、云计算、区块链", SEED_001),
    ("黄浦园", "黄浦区", "金融科技", SEED_001),
    ("长宁园", "长宁区", "互联网服务", SEED_001),
    ("普陀园", "普陀区", "软件和信息服务（互联网与人工智能、大数据、物联网融合）", SEED_001),
    ("崇明园", "崇明区", "船舶与海工装备", SEED_001),
    ("陆家嘴园", "浦东新区", "软件和信息服务", SEED_001),
    ("徐汇园", "徐汇区", "生成式人工智能", SEED_001),
    ("虹口园", "虹口区", "互联网服务、工业互联网+数字技术", SEED_001),
    ("青浦园", "青浦区", "新一代信息技术（工业软件、嵌入式软件等）", SEED_001),
    ("自贸保税园", "浦东新区", "医疗器械智造、细胞与基因治疗", SEED_001),
    ("世博园", "浦东新区", "科技服务业", SEED_001),
    ("张江科学城（核心园）", "浦东新区", "生物医药、集成电路、人工智能", SEED_000),
    ("临港园", "浦东新区", "", "not stated in seed 001"),
]
#: Keyword of a park's name used to find a station named after it (default: name minus 园).
_PARK_KEYWORD = {"自贸保税园": "保税", "张江科学城（核心园）": "张江高科", "世博园": "世博",
                 "临港园": "临港"}


def make_hitech_parks() -> None:
    st = stations_wgs()
    d = load_out("districts")
    a = st.drop_duplicates("station").sort_values(["station"])
    putuo_parks = load_out("putuo_subparks")
    rows = []
    for name, district, ind, basis in HITECH_PARKS:
        poly = d.loc[d.name == district, "geometry"].iloc[0]
        kw = _PARK_KEYWORD.get(name, name.removesuffix("园"))
        m = a[a.station.str.contains(kw, regex=False)]
        m = m[shapely.contains_xy(poly, m.lon.to_numpy(), m.lat.to_numpy())]
        if name == "普陀园":
            geom = shapely.point_on_surface(putuo_parks.union_all())
            loc = "point on the union of the schematic putuo_subparks layer"
        elif len(m):
            r = m.iloc[0]
            geom = Point(r.lon, r.lat)
            loc = f"rail station {r.station} (name carries the park's name), inside {district}"
        else:
            geom = shapely.point_on_surface(poly)
            loc = f"representative point of {district} (no park location in our sources)"
        rows.append({"name": name, "district": district, "industries_zh": ind,
                     "industries_basis": basis, "location_basis": loc, "geometry": geom})
    out = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=zcrs.WGS84)
    out["accuracy"] = "schematic"
    out["source"] = "names and industries: seed 001 (seed 000 for 张江科学城); point: see " \
                    "location_basis"
    save("hitech_parks", out, meta={
        "accuracy": "schematic",
        "source": "park names and leading industries from seed 001 (张江高新区 2023 年报, 一园一方案); "
                  "张江科学城's three leading industries from seed 000; 临港园's not stated. "
                  "Points are schematic: a station named after the park inside its district, "
                  "else a representative point of the district",
        "licence": "zjgis (MIT); district edges ODbL 1.0 (© OpenStreetMap contributors); "
                   "stations Amap-derived (terms unknown)",
        "date": BUILD_DATE,
        "source_files": [SEED_001, SEED_000, "data/transit/stations.csv", "districts",
                         "putuo_subparks"],
        "source_crs": "WGS-84 (stations converted from GCJ-02)",
        "coordinate_conversions": ["GCJ-02 -> WGS-84 (stations)"],
        "method": "one point per park; location_basis says how it was placed",
    })


BUILDERS = {
    "districts": make_districts,
    "rail_stations": make_rail_stations,
    "rail_lines": make_rail_lines,
    "science_city_2017": make_science_city_2017,
    "science_city_2022": make_science_city_2022,
    "streets_towns": make_streets_towns,
    "employment_2023": make_employment_2023,
    "axis": make_axis,
    "axis_zones": make_axis_zones,
    "industrial_communities": make_industrial_communities,
    "putuo_subparks": make_putuo_subparks,
    "hitech_parks": make_hitech_parks,
}


def main(argv: list[str]) -> int:
    names = argv or list(BUILDERS)
    OUT.mkdir(parents=True, exist_ok=True)
    meta_path = OUT / "layers.json"
    if meta_path.exists():
        META.update(json.loads(meta_path.read_text(encoding="utf-8"))["layers"])
    for name in names:
        BUILDERS[name]()
    doc = {"about": "provenance of the shipped layers; written by scripts/make_boundaries.py, "
                    "read by zjgis.layers (see PROVENANCE.md)",
           "layers": {k: META[k] for k in BUILDERS if k in META}}
    zio.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", meta_path)
    for path in OUT.iterdir():  # atomic_write's temp files are 0600; data files are public
        path.chmod(0o644)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
