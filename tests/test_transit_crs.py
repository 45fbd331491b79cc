"""Transit: one CRS policy (raise, never reproject silently), one count policy (raise,
never 0), and buffer catchments measured where the data are (geodesic truth)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from zjgis import jobshousing, transit
from zjgis.errors import CRSError, ValidationError

UTM = "EPSG:32651"


def _stations(crs=UTM):
    return gpd.GeoDataFrame({"station": ["S"]}, geometry=[Point(0, 0)], crs=UTM).to_crs(crs)


def _zones(crs=UTM):
    return gpd.GeoDataFrame({"name": ["a"], "population": [100.0]},
                            geometry=[box(-1000, -1000, 1000, 1000)], crs=UTM).to_crs(crs)


def _points(crs=UTM, population=(10.0, 20.0)):
    return gpd.GeoDataFrame({"population": list(population)},
                            geometry=[Point(100, 0), Point(700, 0)], crs=UTM).to_crs(crs)


def test_zones_in_another_crs_raise_like_jobshousing_balance():
    with pytest.raises(CRSError, match="stations is in EPSG:32651 but zones is in EPSG:4326"):
        transit.station_coverage(_stations(), zones=_zones("EPSG:4326"),
                                 population="population")
    # the same pair in jobshousing: the same policy
    with pytest.raises(CRSError, match="EPSG:4326.*EPSG:32651|EPSG:32651.*EPSG:4326"):
        jobshousing.balance(_zones(), jobs=(_points("EPSG:4326"), "population"),
                            workers="population")


def test_points_and_roads_in_another_crs_raise():
    with pytest.raises(CRSError, match="population"):
        transit.station_coverage(_stations(), population=_points("EPSG:4326"))
    roads = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1000, 0)])], crs=UTM)
    with pytest.raises(CRSError, match="roads"):
        transit.station_coverage(_stations(), roads=roads.to_crs("EPSG:4326"))


@pytest.mark.parametrize("bad", [np.nan, -5.0, "十二"])
def test_missing_or_bad_counts_raise_never_zero(bad):
    pts = _points()
    pts["population"] = pts["population"].astype(object)
    pts.loc[pts.index[1], "population"] = bad
    with pytest.raises(ValidationError, match="population"):
        transit.station_coverage(_stations(), population=pts)
    zones = _zones()
    zones["population"] = zones["population"].astype(object)
    zones.loc[zones.index[0], "population"] = bad
    with pytest.raises(ValidationError, match="population"):
        transit.station_coverage(_stations(), zones=zones, population="population")


def _geodesic_circle(lon: float, lat: float, r: float, n: int = 1440) -> Polygon:
    geod = pyproj.Geod(ellps="WGS84")
    az = np.linspace(0, 360, n, endpoint=False)
    lons, lats, _ = geod.fwd(np.full(n, lon), np.full(n, lat), az, np.full(n, r))
    return Polygon(zip(lons, lats))


@pytest.mark.parametrize(("city", "lon", "lat"), [("Shanghai", 121.6, 31.2),
                                                  ("Urumqi", 87.6, 43.8),
                                                  ("Helsinki", 24.94, 60.17)])
def test_buffer_catchments_match_geodesic_circles(city, lon, lat):
    st = gpd.GeoDataFrame(geometry=[Point(lon, lat)], crs="EPSG:4326")
    cov = transit.station_coverage(st, distances_m=[500], walk_m=500)
    assert cov.areas.attrs["metric_crs"].startswith("+proj=tmerc")
    truth = _geodesic_circle(lon, lat, 500.0)
    geod = pyproj.Geod(ellps="WGS84")
    true_km2 = abs(geod.geometry_area_perimeter(truth)[0]) / 1e6
    got = cov.areas.geometry.iloc[0]
    assert cov.areas["area_km2"].iloc[0] == pytest.approx(true_km2, rel=2e-3)  # 16-gon/quad
    # shape: compare in a local equal-area frame
    laea = pyproj.CRS.from_proj4(f"+proj=laea +lat_0={lat} +lon_0={lon} +datum=WGS84")
    a, b = gpd.GeoSeries([got, truth], crs="EPSG:4326").to_crs(laea)
    assert shapely.intersection(a, b).area / shapely.union(a, b).area > 0.998


def test_a_projected_input_is_measured_in_its_own_crs():
    st = gpd.GeoDataFrame(geometry=[Point(24.94, 60.17)], crs="EPSG:4326").to_crs("EPSG:3067")
    cov = transit.station_coverage(st, distances_m=[500], walk_m=500)
    assert cov.areas.attrs["metric_crs"] == "EPSG:3067"
    assert cov.areas.crs == st.crs
