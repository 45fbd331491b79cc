"""A map layer carries the WORST accuracy class of its features (issue 15; one ranking).

The ranking official < derived < schematic < sample belongs to ``zjgis.layers``;
the map used to rank schematic worse than sample.  Expected classes below are
written out by hand from that documented order, not computed by zjgis.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import pytest
import shapely

from zjgis.maps import _prepare


def _frame(values):
    pts = [shapely.Point(121.60 + 0.001 * i, 31.20) for i in range(len(values))]
    return gpd.GeoDataFrame({"name": [f"点{i}" for i in range(len(values))],
                             "accuracy": values}, geometry=pts, crs="EPSG:4326")


@pytest.mark.parametrize(("values", "expected"), [
    (["schematic", "sample"], "sample"),
    (["sample", "schematic", "official"], "sample"),
    (["official", "schematic", "derived"], "schematic"),
    (["official", "derived", None], "derived"),
    (["official", "official"], "official"),
    (["derived"], "derived"),
])
def test_layer_accuracy_is_the_worst_feature(values, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sample/schematic warnings are the map's badges
        (prepared,) = _prepare.prepare([], [_frame(values)], language="zh")
    assert prepared.accuracy == expected


def test_boundary_change_is_as_good_as_the_worse_outline():
    def outline(name, accuracy, box):
        gdf = gpd.GeoDataFrame({"name": [name]}, geometry=[shapely.box(*box)], crs="EPSG:4326")
        gdf.attrs = {"layer": name, "kind": "boundary", "accuracy": accuracy}
        return gdf

    old = outline("science_city_2017", "sample", (121.55, 31.15, 121.65, 31.22))
    new = outline("science_city_2022", "schematic", (121.55, 31.15, 121.70, 31.25))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prepared = _prepare.prepare([old, new], None, language="zh")
    change = next(p for p in prepared if p.name == "science_city_change")
    assert change.accuracy == "sample"
