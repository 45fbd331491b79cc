"""The shipped sample register (generated, accuracy sample) and the match CLI on it."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from zjgis.errors import SampleDataWarning
from zjgis.landreserve import SAMPLE_DIR, load_sample


@pytest.fixture
def sample(tmp_path):
    if not (SAMPLE_DIR / "register.gpkg").exists():
        pytest.skip("sample register not generated")
    with pytest.warns(SampleDataWarning, match="not real data"):
        reg, projects, enterprises = load_sample(tmp_path, study_area=None)
    yield reg, projects, enterprises
    reg.close()


def test_sample_is_labelled_and_consistent(sample):
    reg, projects, enterprises = sample
    p = reg.parcels()
    assert 200 <= len(p) <= 400
    assert (p["accuracy"] == "sample").all() and p["parcel_id"].str.startswith("SAMPLE-").all()
    assert reg.problems.empty
    assert p["status"].nunique() == 6
    assert (projects["accuracy"] == "sample").all()
    assert set(enterprises["parcel_id"]) <= set(p.loc[p["status"] == "in_production",
                                                      "parcel_id"])
    # history replays to the present
    now = reg.as_of("2100-01-01").set_index("parcel_id").sort_index()
    cur = p.set_index("parcel_id").sort_index()
    assert (now["status"] == cur["status"]).all()


def test_cli_match_on_sample(sample, tmp_path):
    pytest.importorskip("zjgis.layers")
    from zjgis.cli.main import main

    reg, projects, _ = sample
    proj = tmp_path / "projects.csv"
    projects.to_csv(proj, index=False)
    out = tmp_path / "m.xlsx"
    code = main(["reserve", "match", "--register", str(reg.path), "--projects", str(proj),
                 "--out", str(out)])
    assert code == 0
    wb = load_workbook(out)
    assert wb.sheetnames == ["matched", "unmatched_projects", "idle_parcels"]
    matched = pd.read_excel(out, sheet_name="matched")
    unmatched = pd.read_excel(out, sheet_name="unmatched_projects")
    assert len(matched) + len(unmatched) == len(projects)
    assert matched["parcel_id"].is_unique

