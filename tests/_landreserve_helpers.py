"""Small hand-built frames for the land-reserve tests (no catalog needed)."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point, box

# a 2 km × 2 km study area around 121.60 E, 31.20 N (≈ 0.021° lon, 0.018° lat)
LON0, LAT0 = 121.60, 31.20
DLON, DLAT = 0.0105, 0.009  # ≈ 1 km


def study_area() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": ["test area"]},
                            geometry=[box(LON0 - 2.2 * DLON, LAT0 - 2.2 * DLAT,
                                          LON0 + 2.2 * DLON, LAT0 + 2.2 * DLAT)], crs=4326)


def cell(i: int, j: int, size: float = 0.1):
    """A square parcel of size×(≈1 km) at grid cell (i, j), i, j in 0..9 across the area."""
    x0 = LON0 - 2 * DLON + i * 0.4 * DLON
    y0 = LAT0 - 2 * DLAT + j * 0.4 * DLAT
    return box(x0, y0, x0 + size * 4 * DLON * 0.1 * 9.9, y0 + size * 4 * DLAT * 0.1 * 9.9)


def parcels(n: int = 6, *, prefix: str = "P", start: int = 0) -> gpd.GeoDataFrame:
    statuses = ["pre_acquisition", "acquired", "reserved", "supplied", "under_construction",
                "in_production"]
    codes = ["100101", "0802", "1101", "SH-CYZH", "100102", "0902"]
    towns = ["张江镇", "张江镇", "北蔡镇", "唐镇", "北蔡镇", "张江镇"]
    rows = []
    for k in range(start, start + n):
        rows.append({
            "parcel_id": f"{prefix}{k:03d}",
            "name": f"样例地块{k}",
            "street_town": towns[k % 6],
            "community": f"社区{k % 3}",
            "land_use_code": codes[k % 6],
            "status": statuses[k % 6],
            "supply_year": 2024 + k % 3,
            "geometry": cell(k % 10, k // 10),
        })
    return gpd.GeoDataFrame(rows, crs=4326)


def station(lon: float, lat: float) -> Point:
    return Point(lon, lat)
