"""Tests of the employment_2023 layer: census jobs per street/town, strata never lost or doubled."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from _layers_fixtures import clean_catalog  # noqa: F401 - autouse fixture

from zjgis import layers


@pytest.fixture(scope="module")
def census(shared_data) -> pd.DataFrame:
    e = pd.read_csv(shared_data / "stats" / "shanghai_street_employment_2023.csv", dtype=str)
    e = e[e["district"].isin(["浦东新区", "普陀区"])].copy()
    e["jobs"] = e["employment_reconciled"].astype(int)
    return e


def test_every_unit_has_its_census_figure(census):
    emp = layers.load("employment_2023")
    assert len(emp) == 46 and emp["code"].is_unique
    assert (emp["accuracy"] == "derived").all()
    geo = census[census["control_type"] != "functional_zone"]
    assert len(geo) == 46
    want = geo.set_index("official_control_name_2023")["jobs"]
    got = emp.set_index("name")["jobs_2023"]
    assert got.sort_index().to_dict() == want.sort_index().to_dict()
    assert (emp["jobs_2023_low"] <= emp["jobs_2023"]).all()
    assert (emp["jobs_2023"] <= emp["jobs_2023_high"]).all()
    # same polygons as streets_towns
    st = layers.load("streets_towns").set_index("code")
    e = emp.set_index("code")
    assert all(e.geometry[c].equals(st.geometry[c]) for c in e.index)


def test_zhangjiang_stratum_is_allocated_once_and_never_dropped(census):
    emp = layers.load("employment_2023").set_index("name")
    strata = census[census["control_type"] == "functional_zone"].set_index(
        "official_control_name_2023")["jobs"]
    assert strata["张江高科技园区"] == 469_000
    zj = emp.loc["张江镇"]
    assert zj["jobs_2023"] == 21_000  # the town's own figure excludes the zone
    assert zj["zone_stratum_jobs_2023"] == 469_000
    assert zj["jobs_2023_incl_stratum"] == 490_000
    assert "张江高科技园区" in zj["stratum_rule"]
    # allocated exactly once: the stratum column sums to the one allocated stratum
    assert emp["zone_stratum_jobs_2023"].sum() == 469_000
    assert (emp["jobs_2023_incl_stratum"] == emp["jobs_2023"] + emp["zone_stratum_jobs_2023"]).all()


def test_totals_balance_with_the_census_table(census, root):
    emp = layers.load("employment_2023")
    meta = json.loads((root / "data" / "boundaries" / "layers.json").read_text(
        encoding="utf-8"))["layers"]["employment_2023"]
    unallocated = sum(int(s.rsplit(": ", 1)[1].replace(",", "")) for s in
                      meta["strata_unallocated"])
    assert unallocated == 203_000 + 149_000  # 金桥经济技术开发区 + 保税区, listed, not dropped
    for district, table_total in census.groupby("district")["jobs"].sum().items():
        d = emp[emp["district"] == district]
        shipped = int(d["jobs_2023_incl_stratum"].sum())
        rest = unallocated if district == "浦东新区" else 0
        assert shipped + rest == table_total, district
    # Pudong by control type, as the shared provenance states it
    pd_ = emp[emp["district"] == "浦东新区"]
    assert pd_.loc[pd_["kind"] == "街道", "jobs_2023"].sum() == 695_000
    assert pd_.loc[pd_["kind"] == "镇", "jobs_2023"].sum() == 1_099_000
    assert meta["totals"]["浦东新区"]["district_total"] == 2_879_157
