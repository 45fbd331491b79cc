import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString as L
from shapely.geometry import Point, box

from zjgis import network, transit
from zjgis.errors import CRSError, GeometryError, SampleDataWarning, ValidationError

UTM = "EPSG:32651"


def stations():
    return gpd.GeoDataFrame({"station": ["S"]}, geometry=[Point(0, 0)], crs=UTM)


def points():
    # four points of 100 people at 250, 450, 700 and 1000 m east of the station
    return gpd.GeoDataFrame({"population": [100, 100, 100, 100], "jobs": [1, 2, 3, 4]},
                            geometry=[Point(x, 0) for x in (250, 450, 700, 1000)], crs=UTM)


def test_buffer_coverage_counts_points_by_distance():
    cov = transit.station_coverage(stations(), population=points(), jobs=points())
    z = cov.zones.iloc[0]
    assert z["population_total"] == 400
    assert [z[f"population_in_{d}m"] for d in (300, 500, 600, 800)] == [100, 200, 200, 300]
    assert z["population_share_600m"] == pytest.approx(0.5)
    assert z["population_outside_800m"] == 100
    assert z["jobs_in_800m"] == 6
    assert cov.areas["method"].eq("buffer").all()
    assert cov.areas["area_km2"].iloc[0] == pytest.approx(np.pi * 0.09, rel=1e-2)


def test_network_coverage_follows_streets_and_zones():
    # station beside a street running east; a second street parallel 200 m north is
    # only joined at x = 600, so a point beside it at x = 0 is 200 m away in a straight
    # line but 1400 m by street.
    roads = gpd.GeoDataFrame(geometry=[L([(0, 0), (1200, 0)]), L([(600, 0), (600, 200)]),
                                       L([(0, 200), (1200, 200)])], crs=UTM)
    pts = gpd.GeoDataFrame({"population": [10, 20, 30]},
                           geometry=[Point(100, 20), Point(0, 190), Point(700, 20)], crs=UTM)
    zones = gpd.GeoDataFrame({"name": ["west", "east"]},
                             geometry=[box(-100, -100, 400, 300), box(400, -100, 1300, 300)],
                             crs=UTM)
    cov = transit.station_coverage(stations(), roads=roads, zones=zones, population=pts,
                                   distances_m=[500], walk_m=800)
    z = cov.zones.set_index("name")
    assert z.loc["west", "population_total"] == 30
    assert z.loc["west", "population_in_500m"] == 10  # the northern point is 1400 m by street
    assert z.loc["west", "population_in_800m"] == 10
    assert z.loc["east", "population_in_500m"] == 0
    assert z.loc["east", "population_in_800m"] == 30
    assert cov.stations["access_m"].iloc[0] == pytest.approx(0)
    buf = transit.station_coverage(stations(), zones=zones, population=pts, distances_m=[500])
    assert buf.zones.set_index("name").loc["west", "population_in_500m"] == 30
    # a prebuilt graph gives the same result
    again = transit.station_coverage(stations(), roads=network.build_graph(roads), zones=zones,
                                     population=pts, distances_m=[500], walk_m=800)
    assert again.zones["population_in_800m"].tolist() == cov.zones["population_in_800m"].tolist()


def test_zone_column_is_areal_weighted_and_sample_is_labelled():
    zones = gpd.GeoDataFrame({"name": ["a"], "population": [1000.0], "accuracy": ["sample"]},
                             geometry=[box(0, -500, 1000, 500)], crs=UTM)
    with pytest.warns(SampleDataWarning, match="zones"):
        cov = transit.station_coverage(stations(), zones=zones, population="population",
                                       distances_m=[300])
    share = cov.zones["population_share_300m"].iloc[0]
    assert share == pytest.approx(np.pi * 300**2 / 2 / 1e6, rel=1e-2)
    assert cov.zones["accuracy"].iloc[0] == "sample"


def test_bad_inputs():
    with pytest.raises(GeometryError, match="Point"):
        transit.station_coverage(gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)], crs=UTM))
    with pytest.raises(CRSError):
        transit.station_coverage(gpd.GeoDataFrame(geometry=[Point(0, 0)]))
    with pytest.raises(ValidationError, match="no zones"):
        transit.station_coverage(stations(), population="population")
    with pytest.raises(GeometryError, match="empty"):
        transit.station_coverage(gpd.GeoDataFrame(geometry=[], crs=UTM))
