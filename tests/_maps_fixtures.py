"""Small frames shaped like the layer catalog's (contract in the common brief), for map tests."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from shapely import LineString, Point, Polygon, box

XSS_NAME = "<img src=x onerror=window.__xss=1>"
XSS_TITLE = "<script>window.__xss=2</script>标题"

#: a known point (Zhangjiang Hi-Tech Park metro area) in WGS-84 and its published GCJ-02
KNOWN_WGS = (121.5892, 31.2053)


def _attrs(gdf, layer, kind, accuracy, title_zh, title_en, source="test fixture",
           licence="CC0"):
    gdf.attrs.update(layer=layer, kind=kind, accuracy=accuracy, title_zh=title_zh,
                     title_en=title_en, source=source, licence=licence)
    return gdf


def catalog_like(xss: bool = False) -> list[gpd.GeoDataFrame]:
    """One frame per catalog kind, around the science city, with catalog attrs."""
    crs = "EPSG:4326"
    b17 = gpd.GeoDataFrame({"name": ["张江科学城 2017"], "accuracy": ["schematic"]},
                           geometry=[box(121.56, 31.17, 121.66, 31.24)], crs=crs)
    b22 = gpd.GeoDataFrame({"name": ["张江科学城 2022"], "accuracy": ["schematic"]},
                           geometry=[box(121.55, 31.15, 121.68, 31.25)], crs=crs)
    comm = gpd.GeoDataFrame(
        {"community_id": ["C1", "C2", "C3"],
         "name": [XSS_NAME if xss else "张江集成电路社区", "张江药谷社区", "金科路社区"],
         "street_town": ["张江镇", "张江镇", "张江镇"],
         "industries": ["integrated_circuits", "biomedicine;artificial_intelligence",
                        "artificial_intelligence"],
         "industries_zh": ["集成电路", "生物医药；人工智能", "人工智能"],
         "accuracy": ["sample"] * 3},
        geometry=[box(121.58, 31.20, 121.60, 31.22), box(121.61, 31.20, 121.63, 31.22),
                  box(121.58, 31.17, 121.60, 31.19)], crs=crs)
    axis = gpd.GeoDataFrame({"name": ["科学城主轴"], "accuracy": ["schematic"]},
                            geometry=[LineString([(121.60, 31.24), (121.61, 31.20),
                                                  (121.62, 31.16)])], crs=crs)
    zones = gpd.GeoDataFrame(
        {"zone": ["north", "middle", "south"], "label_zh": ["中国芯", "智能造", "创新药"],
         "role": ["集成电路", "智能制造", "生物医药"], "accuracy": ["schematic"] * 3},
        geometry=[box(121.59, 31.22, 121.63, 31.24), box(121.59, 31.19, 121.63, 31.22),
                  box(121.59, 31.16, 121.63, 31.19)], crs=crs)
    stations = gpd.GeoDataFrame(
        {"station": ["张江高科", "金科路", "广兰路", "未知站"],
         "line": ["2号线", "2号线", "2号线", None], "accuracy": ["derived"] * 4},
        geometry=[Point(*KNOWN_WGS), Point(121.6025, 31.2107), Point(121.6207, 31.2171),
                  Point(121.63, 31.18)], crs=crs)
    parks = gpd.GeoDataFrame({"name": ["张江人工智能岛"], "district": ["浦东新区"],
                              "industries_zh": ["人工智能"], "accuracy": ["derived"]},
                             geometry=[Point(121.615, 31.205)], crs=crs)
    return [
        _attrs(b17, "science_city_2017", "boundary", "schematic", "科学城 2017", "City 2017"),
        _attrs(b22, "science_city_2022", "boundary", "schematic", "科学城 2022", "City 2022"),
        _attrs(comm, "industrial_communities", "community", "sample", "产业社区",
               "Industrial communities"),
        _attrs(axis, "axis", "axis", "schematic", "科学城主轴", "Axis"),
        _attrs(zones, "axis_zones", "axis_zone", "schematic", "主轴三区", "Axis zones"),
        _attrs(stations, "rail_stations", "station", "derived", "轨道交通车站", "Rail stations"),
        _attrs(parks, "hitech_parks", "park_point", "derived", "高新园区", "Hi-tech parks"),
    ]


def parcels(n: int = 40, vertices: int = 80, seed: int = 0) -> gpd.GeoDataFrame:
    """Rounded-rectangle parcels (CAD-like: straight sides, arcs at corners), lon/lat."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    lon0, lat0 = 121.56, 31.16
    step = 0.0025  # ≈ 240 m
    geoms = []
    quad = max(1, (vertices - 4) // 4)
    for i in range(n):
        cx = lon0 + (i % side) * step
        cy = lat0 + (i // side) * step
        w = step * rng.uniform(0.30, 0.42)
        h = step * rng.uniform(0.30, 0.42)
        r = min(w, h) * 0.25
        pts = []
        for k, (sx, sy) in enumerate([(1, 1), (-1, 1), (-1, -1), (1, -1)]):
            a0 = k * np.pi / 2
            ang = a0 + np.linspace(0, np.pi / 2, quad)
            px = cx + sx * (w - r) + r * np.cos(ang)
            py = cy + sy * (h - r) + r * np.sin(ang)
            pts.extend(zip(px, py))
        geoms.append(Polygon(pts))
    status = np.array(["储备", "已出让", "规划"], dtype=object)[rng.integers(0, 3, n)]
    gdf = gpd.GeoDataFrame({"parcel_id": [f"P{i:05d}" for i in range(n)],
                            "status": status, "area_ha": rng.uniform(1, 6, n).round(2)},
                           geometry=geoms, crs="EPSG:4326")
    gdf.attrs.update(layer="parcels", title_zh="储备地块（样例）", title_en="Parcels (sample)",
                     accuracy="sample", source="generated test parcels")
    return gdf
