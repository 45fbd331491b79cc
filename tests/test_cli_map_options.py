"""Every map command takes the same map options (issue 15 items 1, 5).

``zjgis deadends --map``, ``jobs-housing --map``, ``reserve map`` and ``scenario``
take ``--basemap none|osm|amap|NAME|URL``, ``--basemap-frame``,
``--basemap-attribution`` and ``--extent`` (:func:`zjgis.cli.briefing.add_map_options`).
The default is ``none``: the page requests no tile.  ``--extent`` with a lon/lat bbox
sets the opening view (the bounds handed to the page's fit).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from zjgis import crs
from zjgis.cli.main import main
from zjgis.landreserve import Register

sys.path.insert(0, str(Path(__file__).parent))
from _landreserve_helpers import parcels  # noqa: E402

OPTIONS = ("--basemap", "--basemap-frame", "--basemap-attribution", "--extent")
TILE_HOSTS = ("tile.openstreetmap", "autonavi", "zjgis.tiles(")
#: a 2 × 1 km window in the north-west of the science city, away from every input below
BBOX = (121.55, 31.22, 121.57, 31.23)


def _run(argv) -> int:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")  # badges of schematic/sample layers: not the subject here
        code = main([str(a) for a in argv])
    assert code == 0, err.getvalue()
    return code


def _view(page: str) -> tuple[float, float, float, float]:
    """The (west, south, east, north) the page opens on, from its ``zjgis.ready`` call."""
    m = re.search(r'zjgis\.ready\(map_\w+, (\{"bounds":.*?\})\);', page)
    assert m, "no opening view in the page"
    (s, w), (n, e) = json.loads(m.group(1))["bounds"]
    return w, s, e, n


def _inside_bbox(view) -> bool:
    w, s, e, n = view
    bw, bs, be, bn = BBOX
    # the bbox plus a margin: contains the bbox, not more than twice its size
    return (w <= bw and s <= bs and e >= be and n >= bn
            and (e - w) < 2 * (be - bw) and (n - s) < 2 * (bn - bs))


def _roads(tmp_path) -> Path:
    """A 600 × 400 m grid with one dead end, in the south-east of the science city."""
    x0, y0 = crs.to_metric(gpd.GeoDataFrame(geometry=[shapely.Point(121.64, 31.18)],
                                            crs=crs.WGS84)).geometry.iloc[0].coords[0]
    lines = [shapely.LineString([(x0, y0 + dy), (x0 + 600, y0 + dy)]) for dy in (0, 200, 400)]
    lines += [shapely.LineString([(x0 + dx, y0), (x0 + dx, y0 + 400)]) for dx in (0, 300, 600)]
    lines.append(shapely.LineString([(x0 + 600, y0 + 200), (x0 + 800, y0 + 200)]))  # dead end
    roads = gpd.GeoDataFrame({"name": [f"路{i}" for i in range(len(lines))]},
                             geometry=lines, crs=crs.METRIC).to_crs(crs.WGS84)
    path = tmp_path / "roads.geojson"
    roads.to_file(path)
    return path


def _jobs_inputs(tmp_path) -> tuple[Path, Path]:
    x0, y0 = crs.to_metric(gpd.GeoDataFrame(geometry=[shapely.Point(121.62, 31.19)],
                                            crs=crs.WGS84)).geometry.iloc[0].coords[0]
    zones = gpd.GeoDataFrame(
        {"code": ["A", "B"], "name": ["甲", "乙"], "jobs": [30, 10], "workers": [10, 30]},
        geometry=[shapely.box(x0, y0, x0 + 500, y0 + 500),
                  shapely.box(x0 + 500, y0, x0 + 1000, y0 + 500)], crs=crs.METRIC,
    ).to_crs(crs.WGS84)
    zones.to_file(tmp_path / "zones.geojson")
    pd.DataFrame({"home": ["A", "B", "B"], "work": ["A", "A", "B"],
                  "count": [10, 20, 10]}).to_csv(tmp_path / "od.csv", index=False)
    return tmp_path / "zones.geojson", tmp_path / "od.csv"


def _register(tmp_path) -> Path:
    path = tmp_path / "r.gpkg"
    with Register.create(path, study_area=None) as reg:
        reg.add(parcels(4), date="2024-01-01")
    return path


def _commands(tmp_path) -> dict[str, list]:
    """Per map command: the arguments that make a map at ``{out}``."""
    zones, od = _jobs_inputs(tmp_path)
    return {
        "deadends": ["deadends", _roads(tmp_path), "--out", tmp_path / "e.gpkg",
                     "--overwrite", "--map"],
        "jobs-housing": ["jobs-housing", zones, od, "--out", tmp_path / "r.xlsx",
                         "--overwrite", "--map"],
        "reserve map": ["reserve", "map", "--register", _register(tmp_path), "--overwrite",
                        "--layers", "science_city_2022", "--out"],
    }


@pytest.mark.parametrize("command", [["deadends"], ["jobs-housing"], ["reserve", "map"],
                                     ["scenario"], ["briefing"]])
def test_every_map_command_lists_the_map_options(command, capsys):
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    text = capsys.readouterr().out
    for option in OPTIONS:
        assert option in text, f"{' '.join(command)} --help lacks {option}"
    assert "none|osm|amap|NAME|URL" in text


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Each command's map twice: by default, and with ``--extent BBOX``."""
    tmp_path = tmp_path_factory.mktemp("maps")
    made = {}
    for name, argv in _commands(tmp_path).items():
        default, framed = tmp_path / f"{name}-default.html", tmp_path / f"{name}-bbox.html"
        _run([*argv, default])
        _run([*argv, framed, "--extent", ",".join(map(str, BBOX))])
        made[name] = (default.read_text(encoding="utf-8"), framed.read_text(encoding="utf-8"))
    return made


@pytest.mark.parametrize("name", ["deadends", "jobs-housing", "reserve map"])
def test_default_basemap_is_none_and_requests_no_tile(pages, name):
    default, framed = pages[name]
    for host in TILE_HOSTS:
        assert host not in default and host not in framed, f"{name}: {host} in the page"


@pytest.mark.parametrize("name", ["deadends", "jobs-housing", "reserve map"])
def test_extent_bbox_sets_the_opening_view(pages, name):
    default, framed = pages[name]
    assert _inside_bbox(_view(framed)), f"{name}: {_view(framed)} does not frame {BBOX}"
    # without --extent the map opens on its subject, which lies outside BBOX
    w, s, e, n = _view(default)
    assert not _inside_bbox((w, s, e, n))
    bw, bs, be, bn = BBOX
    assert e < bw or w > be or n < bs or s > bn, f"{name}: default view overlaps the bbox"


def test_osm_basemap_is_requested_only_when_asked(tmp_path):
    argv = _commands(tmp_path)["deadends"]
    _run([*argv, tmp_path / "osm.html", "--basemap", "osm"])
    assert "tile.openstreetmap" in (tmp_path / "osm.html").read_text(encoding="utf-8")


def test_url_basemap_without_frame_is_one_line(tmp_path, capsys):
    argv = _commands(tmp_path)["reserve map"]
    code = main([str(a) for a in argv] + [str(tmp_path / "u.html"), "--basemap",
                                          "https://t.example.invalid/{z}/{x}/{y}.png"])
    err = capsys.readouterr().err
    assert code != 0 and "basemap_frame" in err and "Traceback" not in err
    assert not (tmp_path / "u.html").exists()


def test_library_map_functions_default_to_no_basemap():
    import inspect

    from zjgis.cli.jobs_housing import jobs_housing_map
    from zjgis.maps import briefing_map

    for fn in (jobs_housing_map, briefing_map):
        assert inspect.signature(fn).parameters["basemap"].default == "none"


def test_scenario_timeline_takes_extent_and_no_tiles(tmp_path):
    import html

    out = tmp_path / "t.html"
    _run(["scenario", "--timeline", _register(tmp_path), "--years", "2024", "--out", out,
          "--extent", ",".join(map(str, BBOX))])
    page = html.unescape(out.read_text(encoding="utf-8"))  # the year's map sits in srcdoc
    assert _inside_bbox(_view(page))
    for host in TILE_HOSTS:
        assert host not in page


@pytest.mark.parametrize("name", ["reserve map", "briefing"])
def test_png_figure_gets_the_extent_too(tmp_path, monkeypatch, name):
    from zjgis import maps

    seen = []
    real = maps.figure

    def spying(*a, **k):
        seen.append(k.get("fit_to"))
        return real(*a, **{**k, "label_features": False})

    monkeypatch.setattr(maps, "figure", spying)
    argv = (_commands(tmp_path)["reserve map"] if name == "reserve map"
            else ["briefing", "--layers", "science_city_2022", "--out"])
    bbox = ",".join(map(str, BBOX))
    _run([*argv, tmp_path / "m.html", "--png", tmp_path / "m.png", "--extent", bbox])
    assert seen == [bbox] and (tmp_path / "m.png").stat().st_size > 10_000
