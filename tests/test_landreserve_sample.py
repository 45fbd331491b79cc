"""The shipped sample register (generated, accuracy sample) and the match CLI on it."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from zjgis.errors import SampleDataWarning
from zjgis.landreserve import SAMPLE_DIR, STATUS_ZH, load_sample


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
    # matched, unmatched projects, idle parcels (layout: tests/test_cli_reserve.py)
    assert len(wb.sheetnames) == 3
    text = " ".join(str(c.value) for row in wb.worksheets[0].iter_rows() for c in row)
    assert sum(pid in text for pid in projects["project_id"]) > 0



def test_cli_map_on_sample(sample, tmp_path, capsys):
    pytest.importorskip("zjgis.layers")
    maps = pytest.importorskip("zjgis.maps")
    from zjgis.cli.main import main

    reg, projects, _ = sample
    pid = reg.parcels()["parcel_id"].iloc[0]
    reg.update(pid, {"name": "<script>alert(1)</script> A&B"}, note="XSS probe")
    proj = tmp_path / "projects.csv"
    projects.to_csv(proj, index=False)
    out, png = tmp_path / "reserve.html", tmp_path / "reserve.png"
    args = ["reserve", "map", "--register", str(reg.path), "--out", str(out), "--projects",
            str(proj), "--year", "2026", "--basemap", "none"]
    assert main(args) == 0
    text = out.read_text(encoding="utf-8")
    # offline: no script or stylesheet from the network
    assert maps.external_references(text) == []
    assert not re.search(r"<(script|link)\b[^>]*(src|href)\s*=\s*[\"']?(https?:)?//", text, re.I)
    # catalog layers, the parcels by status, the year's supply and the matched projects
    for layer in ("science_city_2022", "axis_zones", "landreserve_parcels",
                  "landreserve_supply", "landreserve_matched"):
        assert f'"name":"{layer}"' in text, layer
    for label in STATUS_ZH.values():
        assert f"{label}</div>" in text  # Chinese status labels in the legend
    assert "土地储备地块（按状态）" in text and "样例数据，非真实" in text
    assert f"{len(reg):,} 宗地块" in text
    # the sample label: a legend badge and a tooltip note on every sample feature
    assert 'zj-acc-sample' in text and "样例数据，非真实统计" in text
    # matched parcels are headed by their project's name
    matched = [n for n in projects["name"] if n in text]
    assert matched, "no project name on the map"
    # names from the register are escaped, never markup
    assert "<script>alert(1)" not in text
    assert r"\u003cscript\u003ealert(1)\u003c/script\u003e A\u0026B" in text
    # refuses to overwrite without --overwrite (file unchanged), then replaces it
    before = out.read_bytes()
    capsys.readouterr()
    assert main(args) == 1 and out.read_bytes() == before
    assert "--overwrite" in capsys.readouterr().err
    assert main([*args, "--overwrite", "--png", str(png), "--layers", "science_city_2022"]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main([*args[:5], str(tmp_path / "map.txt")]) == 1  # not .html
