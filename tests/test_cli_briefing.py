"""``zjgis briefing``: basemap, extent and the refusal of bad values (one line, non-zero exit)."""

from __future__ import annotations

import json
import re

from zjgis.cli.main import main


def _view(path) -> list[list[float]]:
    page = path.read_text(encoding="utf-8")
    m = re.search(r'zjgis\.ready\(map_\w+, (\{"bounds":.*?\})\);', page)
    return json.loads(m.group(1))["bounds"]


def test_extent_bbox_and_default_offline(tmp_path, capsys):
    out = tmp_path / "b.html"
    assert main(["briefing", "--out", str(out), "--layers", "science_city_2022",
                 "--extent", "121.60,31.20,121.62,31.21"]) == 0
    (s, w), (n, e) = _view(out)
    assert w < 121.60 < 121.62 < e and (e - w) < 0.03
    page = out.read_text(encoding="utf-8")
    assert "zjgis.tiles(" not in page  # default basemap none: nothing fetched


def test_url_basemap_needs_a_frame(tmp_path, capsys):
    out = tmp_path / "b.html"
    code = main(["briefing", "--out", str(out), "--layers", "science_city_2022",
                 "--basemap", "https://t.example.invalid/{z}/{x}/{y}.png"])
    err = capsys.readouterr().err
    assert code != 0 and "basemap_frame" in err and "Traceback" not in err
    assert not out.exists()
    assert main(["briefing", "--out", str(out), "--layers", "science_city_2022",
                 "--basemap", "https://t.example.invalid/{z}/{x}/{y}.png",
                 "--basemap-frame", "WGS-84", "--basemap-attribution", "© 测试"]) == 0
    assert "© 测试" in out.read_text(encoding="utf-8")


def test_bad_extent_is_one_line(tmp_path, capsys):
    code = main(["briefing", "--out", str(tmp_path / "b.html"), "--layers",
                 "science_city_2022", "--extent", "nowhere"])
    err = capsys.readouterr().err
    assert code != 0 and "--extent" in err and "fit_to" not in err and "Traceback" not in err
