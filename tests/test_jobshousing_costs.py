"""Network cost matrices from a zjgis RoadGraph, its networkx view and osmnx-style graphs."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import pandas as pd
import pytest
from shapely.geometry import LineString, box

from zjgis import crs, jobshousing, network
from zjgis.errors import CRSError, ValidationError


def _zones():
    # centroids (500, 500) and (3500, 4500), in metres
    return gpd.GeoDataFrame({"code": ["A", "B"], "jobs": [3.0, 9.0], "workers": [5.0, 7.0]},
                            geometry=[box(0, 0, 1000, 1000), box(3000, 4000, 4000, 5000)],
                            crs=crs.METRIC)


def _roads():
    # an L-shaped road: (500, 500) → (3500, 500) → (3500, 4500): 3000 + 4000 m
    return gpd.GeoDataFrame(geometry=[LineString([(500, 500), (3500, 500)]),
                                      LineString([(3500, 500), (3500, 4500)])],
                            crs=crs.METRIC)


def test_cost_matrix_takes_a_roadgraph_and_its_networkx_view():
    rg = network.build_graph(_roads())
    a = jobshousing.cost_matrix(_zones(), zone_id="code", method="network", graph=rg)
    assert a.loc["A", "B"] == pytest.approx(7000.0)  # hand: 3000 + 4000 m, both on nodes
    assert a.attrs["unit"] == "m"
    b = jobshousing.cost_matrix(_zones(), zone_id="code", method="network", graph=rg.graph)
    assert b.loc["A", "B"] == pytest.approx(7000.0)
    od = pd.DataFrame({"home": ["A"], "work": ["B"], "count": [2]})
    res = jobshousing.commute(od, _zones(), zone_id="code", cost="network", graph=rg)
    assert res.overall["mean_m"] == pytest.approx(7000.0)


def test_missing_weight_column_names_it_and_the_ones_present():
    rg = network.build_graph(_roads())
    with pytest.raises(ValidationError, match="'travel_time'.*length_m"):
        jobshousing.cost_matrix(_zones(), zone_id="code", method="network", graph=rg,
                                weight="travel_time")
    with pytest.raises(ValidationError, match="'travel_time'.*length_m"):
        jobshousing.cost_matrix(_zones(), zone_id="code", method="network", graph=rg.graph,
                                weight="travel_time")


def test_directed_graph_keeps_one_ways():
    g = nx.DiGraph(crs=crs.METRIC)
    g.add_node(0, x=500, y=500)
    g.add_node(1, x=3500, y=4500)
    g.add_edge(0, 1, length=5000.0)   # A → B direct
    g.add_edge(1, 0, length=9000.0)   # B → A the long way
    c = jobshousing.cost_matrix(_zones(), zone_id="code", method="network", graph=g)
    assert c.loc["A", "B"] == pytest.approx(5000.0)
    assert c.loc["B", "A"] == pytest.approx(9000.0)


def test_roadgraph_in_another_crs_than_the_zones_is_refused():
    rg = network.build_graph(_roads())
    with pytest.raises(CRSError, match="EPSG:4326.*reproject"):
        jobshousing.cost_matrix(_zones().to_crs(crs.WGS84), zone_id="code", method="network",
                                graph=rg)


def test_not_a_graph_is_refused():
    with pytest.raises(ValidationError, match="RoadGraph or a networkx graph"):
        jobshousing.cost_matrix(_zones(), zone_id="code", method="network", graph=_roads())


def test_roadgraph_costs_join_the_nearest_street_point():
    # centroids 40 m north of a straight street, 3000 m apart along it; the street's
    # junctions are 1000 m beyond each end: hand = 40 + 3000 + 40 m (not via the nodes)
    zones = gpd.GeoDataFrame({"code": ["A", "B"]},
                             geometry=[box(-500, -460, 500, 540), box(2500, -460, 3500, 540)],
                             crs=crs.METRIC)
    roads = gpd.GeoDataFrame(geometry=[LineString([(-1000, 0), (4000, 0)])], crs=crs.METRIC)
    c = jobshousing.cost_matrix(zones, zone_id="code", method="network",
                                graph=network.build_graph(roads))
    assert c.loc["A", "B"] == pytest.approx(3080.0)
    assert c.loc["B", "A"] == pytest.approx(3080.0)
    # and on a bent street the walk goes round: A at (500, 40) → (500, 0) → (3000, 0) → …
    roads = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (3000, 0)]),
                                       LineString([(3000, 0), (3000, 3000)])], crs=crs.METRIC)
    zones = gpd.GeoDataFrame({"code": ["A", "B"]},
                             geometry=[box(0, -460, 1000, 540), box(2540, 2000, 3540, 3000)],
                             crs=crs.METRIC)  # centroids (500, 40) and (3040, 2500)
    c = jobshousing.cost_matrix(zones, zone_id="code", method="network",
                                graph=network.build_graph(roads))
    assert c.loc["A", "B"] == pytest.approx(40 + 2500 + 2500 + 40)
