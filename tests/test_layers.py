"""Tests of zjgis.layers: catalog contract, cache, overrides, shipped data and check()."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from _layers_fixtures import clean_catalog  # noqa: F401 - autouse fixture
from shapely import Point, box

from zjgis import crs, layers
from zjgis.errors import (
    CoordinateShiftWarning,
    GeometryError,
    ReadError,
    SchematicDataWarning,
    ValidationError,
)

ALL = layers.layer_names()


# --------------------------------------------------------------------------- contract


def test_list_layers_has_every_layer_with_provenance():
    cat = layers.list_layers()
    assert list(cat.columns[:8]) == ["name", "title_zh", "title_en", "kind", "accuracy",
                                     "source", "licence", "feature_count"]
    assert set(cat["name"]) == set(ALL)
    assert cat["accuracy"].isin(layers.ACCURACY_CLASSES).all()
    assert (cat["source"].str.len() > 20).all()
    assert (cat["licence"].str.len() > 3).all()
    assert (cat["origin"] == "shipped").all()
    assert (cat["feature_count"] > 0).all()


@pytest.mark.parametrize("name", ALL)
def test_load_contract(name):
    gdf = layers.load(name)
    spec = layers.SPECS[name]
    assert gdf.crs.equals("EPSG:4326")
    assert set(spec.columns) <= set(gdf.columns)
    assert gdf["accuracy"].isin(layers.ACCURACY_CLASSES).all()
    assert set(gdf.geometry.geom_type) <= set(spec.geom_types)
    for key in ("layer", "title_zh", "title_en", "kind", "accuracy", "source", "licence"):
        assert gdf.attrs[key], key
    assert gdf.attrs["kind"] == spec.kind
    assert shapely.is_valid(np.asarray(gdf.geometry.values)).all()
    # coordinates rounded to ~6 decimals (0.1 m), lon/lat around Shanghai
    xy = shapely.get_coordinates(np.asarray(gdf.geometry.values))
    assert np.allclose(xy, np.round(xy, 6), atol=1e-9)
    assert (xy[:, 0] > 120.8).all() and (xy[:, 0] < 122.2).all()
    assert (xy[:, 1] > 30.6).all() and (xy[:, 1] < 31.9).all()


def test_schematic_layers_say_so_on_every_feature():
    for name in ("science_city_2022",
                 "industrial_communities", "axis", "axis_zones", "putuo_subparks",
                 "hitech_parks"):
        gdf = layers.load(name)
        assert (gdf["accuracy"] == "schematic").all(), name
        assert gdf.attrs["accuracy"] == "schematic"


def test_shipped_files_carry_provenance_themselves(root):
    folder = root / "data" / "boundaries"
    text = (folder / "PROVENANCE.md").read_text(encoding="utf-8")
    meta = json.loads((folder / "layers.json").read_text(encoding="utf-8"))["layers"]
    for name in ALL:
        doc = json.loads((folder / f"{name}.geojson").read_text(encoding="utf-8"))
        assert doc["zjgis"]["accuracy"] == meta[name]["accuracy"]
        assert all("accuracy" in f["properties"] and "source" in f["properties"]
                   for f in doc["features"]), name
        assert f"`{name}`" in text, f"{name} missing from PROVENANCE.md"
    assert "ODbL" in text and "OpenStreetMap contributors" in text


def test_unknown_layer():
    with pytest.raises(ValidationError, match="unknown layer 'nope'.*districts"):
        layers.load("nope")


def test_info():
    info = layers.info("science_city_2022")
    assert info["accuracy"] == "schematic"
    assert 205 <= info["area_km2"] <= 235
    assert info["feature_count"] == 1
    assert "rail_stations" in layers.list_layers()["name"].tolist()
    assert "area_km2" not in layers.info("rail_stations")


def test_load_returns_copies_cache_cannot_be_corrupted():
    a = layers.load("districts")
    a.loc[a.index[0], "name"] = "XXX"
    a.attrs["source"] = "tampered"
    a.iloc[0:1, 0] = None
    b = layers.load("districts")
    assert "XXX" not in set(b["name"])
    assert len(b) == 16
    assert b.attrs["source"] != "tampered"


def test_warn_schematic_is_opt_in():
    layers.load("science_city_2022")  # no warning by default (pytest turns them into errors)
    with pytest.warns(SchematicDataWarning, match="science_city_2022.*schematic"):
        layers.load("science_city_2022", warn_schematic=True)
    layers.load("science_city_2017", warn_schematic=True)  # derived: no warning


# --------------------------------------------------------------------------- shipped data


def _area(gdf):
    return float(crs.geodesic_area(gdf)["area_km2"].sum())


def test_areas_in_required_ranges():
    assert 90 <= _area(layers.load("science_city_2017")) <= 100
    assert 205 <= _area(layers.load("science_city_2022")) <= 235
    assert 9 <= _area(layers.load("putuo_subparks")) <= 11


def test_science_city_2017_is_traced_on_the_osm_boundary_roads(shared_data):
    sc = layers.load("science_city_2017")
    assert (sc["accuracy"] == "derived").all()
    assert "ODbL" in sc.attrs["licence"]
    # not rescaled: its own area, checked against the texts' 94–95 km² (pyproj, not zjgis)
    area = pyproj_area(sc.geometry)[0]
    assert 94 * 0.95 <= area <= 95 * 1.05
    assert sc["area_km2"].iloc[0] == pytest.approx(area, abs=0.01)
    # the outline runs on the OSM centrelines of the named roads wherever OSM has them
    doc = json.loads((shared_data / "transit" / "shanghai_osm_metro_elevated_wgs84.json")
                     .read_text(encoding="utf-8"))
    names = {"龙东高架路", "龙东大道", "外环高速", "沪芦高速", "下盐公路", "沪奉高速", "罗山高架路",
             "罗山路"}
    roads = gpd.GeoSeries([shapely.LineString(p) for r in doc["elevatedRoads"]
                           if r["name"] in names for p in r["paths"]], crs=4326)
    roads_m = shapely.union_all(roads.to_crs(crs.METRIC).values)
    ring = sc.to_crs(crs.METRIC).geometry.iloc[0].exterior
    pts = shapely.points([ring.interpolate(x).coords[0] for x in np.arange(0, ring.length, 50)])
    dist = shapely.distance(roads_m, pts)
    assert np.median(dist) < 5
    assert (dist < 50).mean() > 0.70  # the rest bridges gaps between OSM's elevated pieces
    # 张江高科 (Line 2) lies inside, 龙阳路 (west of 罗山路) outside
    st = layers.load("rail_stations").drop_duplicates("station").set_index("station")
    poly = sc.geometry.iloc[0]
    assert poly.contains(st.geometry["张江高科"]) and not poly.contains(st.geometry["龙阳路"])


def test_districts_are_the_real_16_with_nbs_codes():
    d = layers.load("districts")
    assert len(d) == 16
    row = d.set_index("name").loc["浦东新区"]
    assert row["adcode"] == "310115"
    assert d.set_index("name").loc["普陀区", "adcode"] == "310107"
    assert (d["accuracy"] == "derived").all()
    # geoBoundaries (OSM) areas stated in shared/data/PROVENANCE.md: 普陀 55.77, 黄浦 20.56 km²
    areas = crs.geodesic_area(d.set_index("name"))["area_km2"]
    assert areas["普陀区"] == pytest.approx(55.77, abs=0.1)
    assert areas["黄浦区"] == pytest.approx(20.56, abs=0.1)


def test_rail_stations_converted_from_gcj02(shared_data):
    st = layers.load("rail_stations")
    assert not st.duplicated(["line", "station"]).any()
    assert (st["source_crs"] == "GCJ-02").all()
    assert st.attrs["coordinate_conversions"] == ["GCJ-02 -> WGS-84"]
    # the stored point is the exact inverse of the source's GCJ-02 coordinate
    glon, glat = crs.wgs84_to_gcj02(st.geometry.x.to_numpy(), st.geometry.y.to_numpy())
    assert np.allclose(glon, st["source_lon"], atol=2e-6)
    assert np.allclose(glat, st["source_lat"], atol=2e-6)
    # and ~500 m away from it (the GCJ-02 offset in Shanghai)
    shift = np.hypot((glon - st.geometry.x) * 95_000, (glat - st.geometry.y) * 111_000)
    assert 400 < np.median(shift) < 650
    z = st[st["station"] == "张江高科"]
    assert list(z["line"]) == ["2号线"]
    assert {"金山铁路", "2号线", "16号线"} <= set(st["line"])


def test_putuo_subparks_names_blocks_and_industries_from_seed():
    p = layers.load("putuo_subparks").set_index("name")
    assert len(p) == 14
    assert (p["block"] == "north").sum() == 6 and (p["block"] == "south").sum() == 8
    assert p.loc["桃浦智创城", "block"] == "north"
    assert p.loc["长风科技园", "industries_zh"] == "先进材料、生物医药、公共安全"
    assert p.loc["武宁科技园", "industries_zh"] == "智能电工、智慧交通"


def test_streets_towns_are_the_real_osm_units_with_nbs_codes(shared_data):
    t = layers.load("streets_towns")
    assert (t["accuracy"] == "derived").all() and t.attrs["accuracy"] == "derived"
    assert "ODbL" in t.attrs["licence"] and "OpenStreetMap contributors" in t.attrs["licence"]
    # every NBS 2023 街道/镇 of 浦东新区 (36) and 普陀区 (10), once, with its code
    import pandas as pd

    nbs = pd.read_csv(shared_data / "admin" / "shanghai_streets_towns_2023.csv", dtype=str)
    nbs = nbs[nbs["district_code"].isin(["310115", "310107"]) & nbs["kind"].isin(["街道", "镇"])]
    assert len(nbs) == 46
    assert sorted(zip(t["code"], t["name"])) == sorted(zip(nbs["code"], nbs["name"]))
    assert (t["district"] == "浦东新区").sum() == 36 and (t["district"] == "普陀区").sum() == 10
    assert t.set_index("name").loc["张江镇", "code"] == "310115125"
    assert t.set_index("name").loc["真如镇街道", "code"] == "310107022"  # NBS, not upstream's
    # the geometry is OSM's, unchanged beyond the 1e-6° rounding: same area as the source
    src = gpd.read_file(shared_data / "admin" / "shanghai_streets_towns_osm_2026-08-19.geojson")
    src = src.set_index("osm_name").loc[t["name"]]
    geod = pyproj_area(src.geometry)
    assert np.allclose(t["area_km2"], geod, rtol=1e-4, atol=6e-4)  # column rounded to 1e-3
    # 11 flagged by the documented rule, all in Pudong, never called official
    sel = t[t["expansion_11"]]
    assert len(sel) == 11 and (sel["district"] == "浦东新区").all()
    assert sel["expansion_rule"].str.contains("not the official list").all()
    assert "张江镇" in set(sel["name"])
    assert t["share_in_2022"].between(0, 1).sum() == 36  # Pudong only
    assert t.loc[t["district"] == "普陀区", "share_in_2022"].isna().all()


def pyproj_area(geoms) -> np.ndarray:
    """Geodesic area, km², by pyproj.Geod directly (independent of zjgis.crs)."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    return np.array([abs(geod.geometry_area_perimeter(g)[0]) / 1e6 for g in geoms])


@pytest.mark.parametrize(("district", "iou_min"), [("浦东新区", 0.95), ("普陀区", 0.99)])
def test_streets_towns_union_equals_the_osm_district(district, iou_min):
    t = layers.load("streets_towns")
    d = layers.load("districts").set_index("name")
    union = shapely.union_all(t.loc[t["district"] == district].to_crs(crs.METRIC).geometry.values)
    whole = d.loc[[district]].to_crs(crs.METRIC).geometry.iloc[0]
    iou = union.intersection(whole).area / union.union(whole).area
    assert iou >= iou_min
    # the units never reach far beyond the district: ≥ 99 % of their area lies inside it
    assert union.intersection(whole).area / union.area > 0.99
    assert layers.UNION_IOU_MIN[district] == iou_min


def test_streets_towns_shares_by_brute_force():
    t = layers.load("streets_towns").set_index("name")
    sc17 = layers.load("science_city_2017").geometry.iloc[0]
    z = t.loc["张江镇"]
    inside = pyproj_area([z.geometry.intersection(sc17)])[0]
    assert z["share_in_2017"] == pytest.approx(inside / pyproj_area([z.geometry])[0], abs=2e-4)
    assert t.loc["陆家嘴街道", "share_in_2017"] == 0


def test_communities_are_named_generically_and_industries_are_known_keys():
    c = layers.load("industrial_communities")
    assert c["community_id"].is_unique
    assert c["name"].str.contains("示意").all()  # never presented as official names
    keys = {k for v in c["industries"] for k in v.split(";")}
    assert keys <= set(layers.INDUSTRY_KEYS)
    assert {"integrated_circuits", "biomedicine"} <= keys


def test_axis_zones_and_innovation_source():
    z = layers.load("axis_zones").set_index("zone")
    assert z.loc["north", "label_zh"] == "中国芯"
    assert z.loc["middle", "label_zh"] == "智能造"
    assert z.loc["south", "label_zh"] == "创新药"
    assert "innovation_source" in z.index
    # north is north of south
    assert z.loc["north"].geometry.centroid.y > z.loc["south"].geometry.centroid.y
    assert layers.load("axis").geometry.iloc[0].within(
        layers.load("science_city_2017").geometry.iloc[0].buffer(1e-4))


def test_hitech_parks_in_their_districts():
    p = layers.load("hitech_parks")
    d = layers.load("districts").set_index("name")
    for _, row in p.iterrows():
        assert d.geometry[row["district"]].buffer(1e-6).contains(row.geometry), row["name"]
    assert p.set_index("name").loc["嘉定园", "industries_zh"].startswith("汽车")


# --------------------------------------------------------------------------- check()


def test_check_passes_on_shipped_data():
    result = layers.check()
    assert list(result.columns[:6]) == ["check", "layer", "passed", "detail", "measured",
                                        "expected"]
    assert result["passed"].all(), result[~result["passed"]].to_string()
    kinds = set(result["check"])
    assert {"within", "no_overlap", "area", "count", "valid_geometry"} <= kinds
    area = result[(result["check"] == "area") & (result["layer"] == "science_city_2022")]
    assert "± 10 %" in area["expected"].iloc[0]


def test_check_catches_a_bad_user_layer():
    sc17 = layers.load("science_city_2017")
    moved = sc17.copy()
    moved["geometry"] = moved.translate(xoff=0.2)  # ~19 km east: out of 2022 and Pudong
    sub = layers.load("putuo_subparks")
    overlapping = sub.copy()
    overlapping.loc[overlapping.index[1], "geometry"] = overlapping.geometry.iloc[0]
    result = layers.check({"science_city_2017": moved, "putuo_subparks": overlapping})
    failed = result[~result["passed"]]
    within = failed[(failed["check"] == "within") & (failed["layer"] == "science_city_2017")]
    assert len(within) == 1 and within["measured"].iloc[0] > 10_000
    ov = failed[(failed["check"] == "no_overlap") & (failed["layer"] == "putuo_subparks")]
    assert "桃浦智创城" in ov["detail"].iloc[0]
    with pytest.raises(ValidationError, match="layer check"):
        layers.check({"science_city_2017": moved}, raise_on_failure=True)


def test_check_area_tolerance_reported():
    sc22 = layers.load("science_city_2022")
    small = sc22.copy()
    small["geometry"] = sc22.to_crs(crs.METRIC).buffer(-2500).to_crs(4326)
    r = layers.check({"science_city_2022": small})
    row = r[(r["check"] == "area") & (r["layer"] == "science_city_2022")].iloc[0]
    assert not row["passed"]
    assert row["measured"] < 200
    assert "%" in row["detail"]


# --------------------------------------------------------------------------- overrides


def _bureau_file(tmp_path, name="zjsc.geojson", *, shift=0.0, extra_cols=None):
    """A 'bureau' boundary: the shipped 2022 area slightly shrunk (official-looking)."""
    sc = layers.load("science_city_2022")
    g = sc.to_crs(crs.METRIC).buffer(-200).to_crs(4326)
    gdf = gpd.GeoDataFrame({"MC": ["张江科学城"], **(extra_cols or {})},
                           geometry=g.translate(xoff=shift).values, crs=4326)
    path = tmp_path / name
    gdf.to_file(path)
    return path


def test_use_replaces_a_layer_and_catalog_reports_it(tmp_path):
    path = _bureau_file(tmp_path)
    layers.use("science_city_2022", path, accuracy="official", source="区规划资源局 2024",
               licence="internal", columns={"MC": "name"})
    cat = layers.list_layers().set_index("name")
    assert cat.loc["science_city_2022", "source"] == "区规划资源局 2024"
    assert cat.loc["science_city_2022", "accuracy"] == "official"
    assert cat.loc["science_city_2022", "origin"] == "use()"
    gdf = layers.load("science_city_2022")
    assert (gdf["accuracy"] == "official").all()
    assert gdf["name"].iloc[0] == "张江科学城"
    # check() runs on the replacement: the shipped layers drawn for the old (200 m larger)
    # boundary now reach >= 200 m outside it, and the check says so
    result = layers.check().set_index(["check", "layer"])
    # (communities were drawn 30 m inside the old boundary: >= 170 m outside the new one)
    assert not result.loc[("within", "industrial_communities"), "passed"]
    assert 160 < result.loc[("within", "industrial_communities"), "measured"] < 1000
    assert result.loc[("within", "science_city_2022"), "passed"]  # still inside 浦东新区
    layers.reset("science_city_2022")
    assert layers.list_layers().set_index("name").loc["science_city_2022", "origin"] == \
        "shipped"


def test_use_gcj02_file_is_converted(tmp_path):
    wgs = layers.load("science_city_2017")
    gcj = crs.convert(wgs, source="WGS-84", target="GCJ-02")
    path = tmp_path / "sc17_amap.geojson"
    gcj[["name", "geometry"]].to_file(path)
    with pytest.warns(CoordinateShiftWarning, match="declares EPSG:4326"):  # io: override named
        layers.use("science_city_2017", path, source_crs="GCJ-02", accuracy="derived")
    back = layers.load("science_city_2017")
    assert back.attrs["coordinate_conversions"] == ["GCJ-02 -> WGS-84"]
    assert back.attrs["source_crs"] == "GCJ-02"
    assert back.geometry.iloc[0].symmetric_difference(wgs.geometry.iloc[0]).area < 1e-9


def test_use_rejects_bad_files_and_keeps_previous(tmp_path):
    path = _bureau_file(tmp_path)  # has MC, not name
    with pytest.raises(ValidationError, match="lacks column.*name"):
        layers.use("science_city_2022", path)
    pts = gpd.GeoDataFrame({"name": ["x"]}, geometry=[Point(121.6, 31.2)], crs=4326)
    pts.to_file(tmp_path / "pts.geojson")
    with pytest.raises(GeometryError, match="not MultiPolygon or Polygon"):
        layers.use("science_city_2022", tmp_path / "pts.geojson")
    with pytest.raises(ValidationError, match="accuracy 'gold'"):
        layers.use("science_city_2022", path, accuracy="gold")
    with pytest.raises(ReadError, match="missing.gpkg.*file not found"):
        layers.use("science_city_2022", tmp_path / "missing.gpkg")
    assert layers.load("science_city_2022").attrs["origin"] == "shipped"


def test_use_reprojects_metric_gpkg(tmp_path):
    d = layers.load("districts")
    path = tmp_path / "districts.gpkg"
    d.drop(columns=["accuracy"]).to_crs(crs.METRIC).to_file(path, layer="d")
    layers.use("districts", path, layer="d")  # no accuracy declared: assumed official
    out = layers.load("districts")
    assert out.crs.equals("EPSG:4326")
    assert (out["accuracy"] == "official").all()
    assert out.attrs["source"].startswith("user file")


def test_env_layer_dir_with_sidecar(tmp_path, monkeypatch):
    folder = tmp_path / "bureau"
    folder.mkdir()
    _bureau_file(folder, "science_city_2022.geojson", extra_cols={"name": ["张江科学城"]})
    (folder / "science_city_2022.provenance.json").write_text(json.dumps(
        {"accuracy": "official", "source": "区规划资源局 2024 批复范围", "licence": "internal use",
         "date": "2024-05-01"}, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv(layers.LAYER_DIR_ENV, str(folder))
    cat = layers.list_layers().set_index("name")
    assert cat.loc["science_city_2022", "source"] == "区规划资源局 2024 批复范围"
    assert cat.loc["science_city_2022", "accuracy"] == "official"
    assert cat.loc["science_city_2022", "origin"] == "ZJGIS_LAYER_DIR"
    assert cat.loc["districts", "origin"] == "shipped"
    assert layers.load("science_city_2022").attrs["date"] == "2024-05-01"
    # use() wins over the folder
    other = _bureau_file(tmp_path, "other.geojson", extra_cols={"name": ["x"]})
    layers.use("science_city_2022", other, source="draft", accuracy="schematic")
    assert layers.info("science_city_2022")["source"] == "draft"
    layers.reset()
    assert layers.info("science_city_2022")["origin"] == "ZJGIS_LAYER_DIR"


def test_env_layer_dir_bad_sidecar_and_broken_file(tmp_path, monkeypatch):
    folder = tmp_path / "o"
    folder.mkdir()
    _bureau_file(folder, "science_city_2022.geojson", extra_cols={"name": ["a"]})
    (folder / "science_city_2022.provenance.json").write_text('{"acuracy": "official"}')
    monkeypatch.setenv(layers.LAYER_DIR_ENV, str(folder))
    with pytest.raises(ValidationError, match="unknown key.*acuracy"):
        layers.load("science_city_2022")
    (folder / "science_city_2022.provenance.json").unlink()
    (folder / "streets_towns.geojson").write_text("{not json", encoding="utf-8")
    cat = layers.list_layers().set_index("name")
    assert cat.loc["streets_towns", "problem"].startswith("ReadError")
    assert cat.loc["science_city_2022", "accuracy"] == "official"  # no sidecar: assumed


def test_cache_sees_edited_file(tmp_path):
    path = tmp_path / "sc.geojson"
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[box(121.55, 31.05, 121.66, 31.23)],
                     crs=4326).to_file(path)
    layers.use("science_city_2022", path, validate=False)
    assert layers.load("science_city_2022")["name"].iloc[0] == "a"
    import os
    import time

    gpd.GeoDataFrame({"name": ["b"]}, geometry=[box(121.55, 31.05, 121.66, 31.23)],
                     crs=4326).to_file(path)
    os.utime(path, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    assert layers.load("science_city_2022")["name"].iloc[0] == "b"


@pytest.mark.parametrize(("said", "name"), [("街镇", "streets_towns"), ("车站", "rail_stations"),
                                            ("产业社区", "industrial_communities"),
                                            ("上海轨道交通线路", "rail_lines"),
                                            ("streets_towns", "streets_towns")])
def test_layers_answer_to_the_chinese_names_planners_type(said, name):
    assert layers.info(said)["layer"] == name
    assert len(layers.load(said)) == len(layers.load(name))


def test_an_unknown_layer_lists_the_names_with_their_chinese_titles():
    with pytest.raises(ValidationError, match=r"streets_towns \(浦东新区、普陀区街镇\)"):
        layers.load("不存在")
