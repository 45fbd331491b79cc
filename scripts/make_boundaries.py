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
* real data: district boundaries (OSM via geoBoundaries, WGS-84), rail stations
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
from shapely import Point, Polygon

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from zjgis import crs as zcrs  # noqa: E402
from zjgis import io as zio  # noqa: E402

SHARED = ROOT.parent / "shared"
DATA = SHARED / "data"
SEEDS = SHARED / "seeds"
OUT = ROOT / "data" / "boundaries"
BUILD_DATE = "2026-11-25"

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


#: 2017 outline: (anchor station, east offset m, north offset m, road the vertex stands for).
#: Vertices are placed from real station positions (WGS-84 after conversion) on our
#: reading of where each boundary road of the 2017 text runs; nothing here is surveyed.
OUTLINE_2017 = [
    ("龙阳路", 450, 300, "罗山路 × 龙东大道 (NW corner)"),
    ("张江高科", 0, 400, "龙东大道"),
    ("金科路", 0, 450, "龙东大道"),
    ("广兰路", 0, 250, "龙东大道"),
    ("唐镇", -1400, -100, "外环 (S20) × 龙东大道 (NE corner)"),
    ("张江路", 1300, 0, "外环 (S20)"),
    ("康桥东", 2300, -300, "外环 (S20) east of 康桥"),
    ("康新公路", 1700, -1500, "外环 – 沪芦高速 (S2) junction"),
    ("周浦东", 1200, 0, "沪芦高速 (S2)"),
    ("鹤沙航城", 900, 0, "沪芦高速 (S2)"),
    ("航头东", 700, 700, "沪芦高速 × 下盐公路 (SE corner)"),
    ("下沙", -100, 700, "下盐公路 (SW corner) — 沪奉高速 (S3)"),
    ("沈梅路", -700, 0, "沪奉高速 (S3)"),
    ("周浦", 300, 600, "沪奉高速 (S3)"),
    ("康桥", 450, 0, "沪奉高速 (S3)"),
    ("御桥", 600, -300, "沪奉高速 – 罗山路"),
    ("罗山路", -350, 200, "罗山路"),
    ("华夏中路", -300, 0, "罗山路"),
    ("芳芯路", 250, 0, "罗山路"),
]


def outline_2017(stations) -> tuple[Polygon, list[dict]]:
    pts, table = [], []
    for name, dx, dy, road in OUTLINE_2017:
        x, y = anchor(stations, name)
        pts.append((x + dx, y + dy))
        table.append({"anchor_station": name, "east_m": dx, "north_m": dy, "road": road})
    poly = Polygon(pts)
    assert poly.is_valid, shapely.is_valid_reason(poly)
    return to_wgs(poly), table


def make_science_city_2017() -> None:
    st = stations_wgs()
    poly, table = outline_2017(st)
    pd_poly = pudong()
    poly = shapely.intersection(poly, pd_poly)
    a = area_km2([poly])[0]
    assert 90 <= a <= 100, a
    out = gpd.GeoDataFrame(
        {"name": ["张江科学城（2017年规划范围，示意）"], "name_en": ["Zhangjiang Science City 2017 "
                                                    "(schematic)"],
         "plan_area_km2": [95.0], "boundary_text": [
             "北至龙东大道、东至外环-沪芦高速、南至下盐公路、西至罗山路-沪奉高速"],
         "accuracy": ["schematic"],
         "source": [f"schematic: {FACTS} (四至, 约94–95 km²) anchored on rail stations"]},
        geometry=[poly], crs=zcrs.WGS84)
    save("science_city_2017", out, meta={
        "accuracy": "schematic",
        "source": "schematic outline from the 2017 四至 text (zhangjiang_text_facts.csv) anchored "
                  "on 2025 rail-station positions; no official polygon available",
        "licence": "zjgis (MIT); anchors from Amap-derived station data (terms unknown)",
        "date": BUILD_DATE,
        "source_files": [FACTS, "data/transit/stations.csv"],
        "source_crs": "WGS-84 (anchors converted from GCJ-02)",
        "coordinate_conversions": ["GCJ-02 -> WGS-84 (anchor stations)"],
        "method": "polygon through vertices offset from named stations (table in "
                  "PROVENANCE.md), clipped to 浦东新区",
        "vertices": table,
        "area_km2": round(float(a), 2),
    })


def make_science_city_2022() -> None:
    sc17 = gpd.read_file(OUT / "science_city_2017.geojson").geometry.iloc[0]
    pd_m = to_metric(pudong())
    # stay 50 m inside the district edge so containment holds after rounding
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
         "source": [f"schematic: science_city_2017 grown by {d:.0f} m, clipped to 浦东新区; "
                    f"220 km² from {SEED_000}"]},
        geometry=[poly], crs=zcrs.WGS84)
    save("science_city_2022", out, meta={
        "accuracy": "schematic",
        "source": "schematic: the 2017 outline grown uniformly until the area is ~220 km² "
                  "(seed 000: 由95平方公里扩大至约220平方公里), clipped to 浦东新区; the real "
                  "expansion is not uniform and its boundary was not found",
        "licence": "zjgis (MIT); district edge ODbL 1.0 (© OpenStreetMap contributors)",
        "date": BUILD_DATE,
        "source_files": [SEED_000, "science_city_2017", "districts"],
        "source_crs": "WGS-84",
        "coordinate_conversions": [],
        "method": f"buffer {d:.0f} m (EPSG:32651, round joins) of science_city_2017 ∩ (浦东新区 "
                  "shrunk 50 m) ∪ science_city_2017",
        "area_km2": round(float(a), 2),
    })


BUILDERS = {
    "districts": make_districts,
    "rail_stations": make_rail_stations,
    "science_city_2017": make_science_city_2017,
    "science_city_2022": make_science_city_2022,
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
