"""zjgis.schema: canonical fields, aliases, truncated names and map_columns."""

from __future__ import annotations

import logging

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from zjgis import schema
from zjgis.errors import ValidationError


def _fields():
    return [(t, f) for t, fs in schema.TABLES.items() for f in fs]


@pytest.mark.parametrize(("table", "field"), _fields(), ids=lambda x: getattr(x, "name", x))
def test_every_name_of_a_field_maps_to_it(table, field):
    for name in (field.name, *field.aliases):
        out = schema.map_columns(pd.DataFrame({name: [1]}), table)
        assert list(out.columns) == [field.name], name
        expected = {} if name == field.name else {name: field.name}
        assert out.attrs["column_mapping"] == expected


@pytest.mark.parametrize("table", list(schema.TABLES))
def test_no_spelling_means_two_fields_of_one_table(table):
    seen: dict[str, str] = {}
    for f in schema.TABLES[table]:
        for name in (f.name, *f.aliases):
            key = schema._norm(name)
            assert seen.setdefault(key, f.name) == f.name, (name, seen[key], f.name)


def test_dbf_truncated_names_by_bytes():
    # a DBF field holds 10 bytes: computed here by encoding, independently of zjgis
    cases = {"land_use_code": "land_use_c", "street_town": "street_tow",
             "supply_year": "supply_yea", "declared_area": "declared_a"}
    for full, cut in cases.items():
        assert full.encode("ascii")[:10].decode() == cut
        out = schema.map_columns(pd.DataFrame({cut: [1]}), "parcels")
        assert list(out.columns) == [full]
    gbk = "计划供应年份".encode("gbk")[:10].decode("gbk")  # 5 characters in GBK
    utf8 = "计划供应年份".encode()[:10].decode("utf-8", "ignore")  # 3 in UTF-8
    for cut in (gbk, utf8):
        assert list(schema.map_columns(pd.DataFrame({cut: [1]}), "parcels").columns) == [
            "supply_year"]


def test_units_in_headers_full_width_and_spacing():
    df = pd.DataFrame({" 地块编号 ": ["a"], "面积（公顷）": [1.0]})
    out = schema.map_columns(df, "parcels")
    assert list(out.columns) == ["parcel_id", "declared_area"]
    assert out.attrs["column_units"] == {"declared_area": "ha"}
    for header, unit in (("面积(亩)", "mu"), ("用地面积/m²", "m2"), ("面积 (㎡)", "m2"),
                         ("declared_area_mu", "mu"),
                         ("申报面积(亩)", "mu"), ("申报面积(公顷)", "ha")):  # the plan's 地块清单
        got = schema.map_columns(pd.DataFrame({header: [1.0]}), "parcels")
        assert got.attrs["column_units"] == {"declared_area": unit}, header
    proj = schema.map_columns(pd.DataFrame({"用地需求(亩)": [30]}), "projects")
    assert list(proj.columns) == ["demand_mu"]
    assert proj.attrs["column_units"] == {"demand_mu": "mu"}


def test_register_columns_area_ha_mu_are_not_declared_area():
    df = pd.DataFrame({"parcel_id": ["a"], "area_m2": [1.0], "area_ha": [1.0], "area_mu": [1.0]})
    out = schema.map_columns(df, "parcels")
    assert list(out.columns) == list(df.columns)


def test_explicit_mapping_wins_and_resolves_ambiguity():
    df = pd.DataFrame({"地块编号": ["a"], "宗地号": ["b"], "名称": ["n"]})
    with pytest.raises(ValidationError, match="地块编号.*宗地号|宗地号.*地块编号") as err:
        schema.map_columns(df, "parcels")
    assert "--columns" in str(err.value)
    out = schema.map_columns(df, "parcels", columns={"宗地号": "parcel_id"})
    assert out["parcel_id"].tolist() == ["b"]
    assert "地块编号" in out.columns  # the other one is kept as a free attribute
    out = schema.map_columns(df, "parcels", columns=["宗地号=parcel_id", "地块编号=name"])
    assert out.attrs["column_mapping"] == {"宗地号": "parcel_id", "地块编号": "name"}
    assert "名称" in out.columns  # name was taken explicitly, so 名称 is not guessed


def test_a_column_named_by_the_key_wins_over_aliases():
    # the register's own export has land_use_code and land_use (its name) side by side
    df = pd.DataFrame({"land_use_code": ["0802"], "land_use": ["科研用地"], "parcel_id": ["a"],
                       "地块编号": ["b"]})
    out = schema.map_columns(df, "parcels")
    assert list(out.columns) == list(df.columns)
    assert out.attrs["columns_not_mapped"] == {"land_use": "land_use_code",
                                               "地块编号": "parcel_id"}


def test_explicit_mapping_errors_suggest():
    df = pd.DataFrame({"宗地号": ["a"]})
    with pytest.raises(ValidationError, match="no column '宗地'.*did you mean '宗地号'"):
        schema.map_columns(df, "parcels", columns={"宗地": "parcel_id"})
    with pytest.raises(ValidationError, match="not a field of parcels.*did you mean 'parcel_id'"):
        schema.map_columns(df, "parcels", columns={"宗地号": "parcel_idd"})
    with pytest.raises(ValidationError, match="SOURCE=FIELD"):
        schema.parse_mapping(["宗地号"])
    with pytest.raises(ValidationError, match="unknown table"):
        schema.map_columns(df, "parcel")


def test_geodataframe_stays_geodataframe_and_logs(caplog):
    gdf = gpd.GeoDataFrame({"道路名称": ["张江路"], "道路等级": ["主干路"]},
                           geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=4326)
    gdf.attrs["source_path"] = "roads.shp"
    with caplog.at_level(logging.INFO, logger="zjgis"):
        out = schema.map_columns(gdf, "roads")
    assert isinstance(out, gpd.GeoDataFrame) and out.crs == gdf.crs
    assert list(out.columns) == ["name", "road_class", "geometry"]
    assert "道路名称 → name" in caplog.text and "roads.shp" in caplog.text
    assert out.attrs["source_path"] == "roads.shp"
    assert list(gdf.columns) == ["道路名称", "道路等级", "geometry"]  # input untouched


def test_od_and_zones_chinese():
    od = schema.map_columns(pd.DataFrame({"起点": [1], "终点": [2], "人数": [3]}), "od")
    assert list(od.columns) == ["home", "work", "count"]
    zones = schema.map_columns(pd.DataFrame({"就业岗位": [1], "居住就业人口": [2]}), "zones")
    assert list(zones.columns) == ["jobs", "workers"]


def test_area_units_against_definitions():
    assert schema.area_to_m2(1.0, "公顷") == 10_000.0
    assert schema.area_to_m2(15.0, "亩") == pytest.approx(10_000.0)  # 15 亩 = 1 公顷
    with pytest.raises(ValidationError, match="unknown area unit"):
        schema.area_to_m2(1.0, "acre")


@pytest.mark.parametrize("spelling", ["mu", "亩", " 亩 ", "ha", "公顷", "hm²", "m2", "㎡", "平方米",
                                      "km2", "平方公里"])
def test_unit_key_reads_keys_and_spellings_as_the_header_reader_does(spelling):
    key = schema.unit_key(spelling)
    assert key in schema.AREA_UNITS
    assert schema.header_unit(f"面积({spelling.strip()})") == key  # one reading of a unit
    df = schema.map_columns(pd.DataFrame(columns=[f"面积（{spelling.strip()}）"]), "parcels")
    assert df.attrs["column_units"] == {"declared_area": key}


@pytest.mark.parametrize("bad", ["acre", "", "英亩", None])
def test_unit_key_refuses_an_unknown_unit_listing_the_known(bad):
    with pytest.raises(ValidationError, match="unknown area unit") as err:
        schema.unit_key(bad)
    assert "公顷" in str(err.value) and "m2" in str(err.value)


def test_header_unit_is_none_without_a_unit():
    assert schema.header_unit("面积") is None
    assert schema.header_unit("备注(说明)") is None  # brackets that hold no unit


def test_markdown_lists_every_field():
    md = schema.schema_markdown()
    for table, field in _fields():
        assert f"| {table} | `{field.name}` |" in md
    assert schema.__doc__ is None or "``land_use_code``" in schema.__doc__


def test_readme_shows_the_current_column_table():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert schema.schema_markdown() in readme, (
        "README's column table is out of date: paste zjgis.schema.schema_markdown() into the "
        "section 导入规划局的文件 / Bureau files")
