"""The awkward-input table through map_columns, the value resolvers and normalize_projects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from awkward import CASE_IDS, cases, frame_cases, run_case

from zjgis import schema
from zjgis.landreserve import normalize_projects
from zjgis.landreserve.values import industry_keys, land_use_codes

# renaming columns never looks at geometry or CRS: none of the geometry cases is refused
_NONE = frozenset()


@pytest.mark.parametrize("kind", ["point", "line", "polygon"])
@pytest.mark.parametrize("case_id", CASE_IDS)
def test_map_columns_over_awkward_layers(kind, case_id):
    table = {"point": "stations", "line": "roads", "polygon": "parcels"}[kind]
    found = dict(cases(kind, 名称=lambda i: f"n{i}"))
    if case_id not in found:
        pytest.skip(f"{case_id} does not apply to {kind}")
    gdf = found[case_id]
    out = run_case(lambda g: schema.map_columns(g, table), gdf, case_id, must_refuse=_NONE)
    assert len(out) == len(gdf) and out.crs == gdf.crs
    assert out.geometry.equals(gdf.geometry) or len(gdf) == 0


PROJECTS = {"项目名称": ["甲", "乙", "丙"], "产业类别": ["集成电路", "生物医药", "人工智能"],
            "用地需求(亩)": [30.0, 40.0, 50.0]}


@pytest.mark.parametrize("case_id", [c for c, _ in frame_cases(PROJECTS, id_column="项目名称")])
def test_normalize_projects_over_awkward_tables(case_id):
    df = dict(frame_cases(PROJECTS, id_column="项目名称"))[case_id]
    result = run_case(normalize_projects, df, case_id,
                      must_refuse={"nan_value", "inf_value", "negative", "text_value",
                                   "duplicate_ids", "missing_column"})
    if case_id == "empty":
        assert len(result) == 0


@pytest.mark.parametrize("value", [None, np.nan, "", "  ", 0, -1, 1.5, "十二", "工业用地 ",
                                   "１００１０１", object()])
def test_value_resolvers_never_leak_tracebacks(value):
    codes, problems = land_use_codes(pd.Series([value], dtype=object))
    assert (codes.iloc[0] is None) != (problems.iloc[0] is None)
    run_case(lambda s: industry_keys(s), pd.Series([value], dtype=object), "value",
             must_refuse={"value"})
