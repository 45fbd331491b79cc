"""``zjgis deadends``: outputs, refusals, one candidate search, bad input in one line."""

import geopandas as gpd

from zjgis import network
from zjgis.cli.main import main


def test_cli_deadends_refuses_to_replace_a_map_without_overwrite(tmp_path, monkeypatch, capsys):
    roads = str(network.sample_path("roads"))
    out, html = tmp_path / "ends.gpkg", tmp_path / "map.html"
    args = ["deadends", roads, "--out", str(out), "--map", str(html)]
    html.write_text("old map")
    assert main(args) == 1
    assert "map.html exists; pass --overwrite" in capsys.readouterr().err
    assert html.read_text() == "old map" and not out.exists()  # nothing written
    # a map that appears while the analysis runs is not replaced either: the save
    # itself refuses (the CLI used to save with overwrite=True)
    html.unlink()
    real = network.dead_ends_and_links

    def racing(*a, **k):
        html.write_text("someone else's map")
        return real(*a, **k)

    monkeypatch.setattr(network, "dead_ends_and_links", racing)
    assert main(args) == 1
    assert "map.html" in capsys.readouterr().err
    assert html.read_text() == "someone else's map"
    monkeypatch.undo()
    assert main([*args, "--overwrite"]) == 0
    assert "断头路" in html.read_text(encoding="utf-8")
    ends = gpd.read_file(out, layer="dead_ends")
    assert set(ends["kind"]) == set(network.DEAD_END_KINDS)




def test_cli_searches_candidates_once_and_writes_what_the_library_returns(
        tmp_path, monkeypatch, capsys):
    from zjgis.network import _candidates, deadends, links

    calls = []
    real = _candidates._candidates

    def counting(*a, **k):
        calls.append(len(a[1]))
        return real(*a, **k)

    monkeypatch.setattr(deadends, "_candidates", counting)
    monkeypatch.setattr(links, "_candidates", counting)
    out = tmp_path / "ends.gpkg"
    assert main(["deadends", str(network.sample_path("roads")), "--out", str(out),
                 "--map", str(tmp_path / "m.html"), "--basemap", "none"]) == 0
    assert len(calls) == 1  # was 3: dead_ends, then missing_links' dead_ends and its own search
    monkeypatch.undo()
    roads = gpd.read_file(network.sample_path("roads"))
    ends = network.dead_ends(roads)
    want = network.missing_links(roads, dead_ends=ends)
    got_ends = gpd.read_file(out, layer="dead_ends")
    got_links = gpd.read_file(out, layer="missing_links")
    assert sorted(got_ends["node"]) == sorted(ends.index)
    assert list(got_links["dead_end_node"]) == list(want["dead_end_node"])
    # links start only at dead ends called gap (one max_gap_m for both)
    gap_nodes = set(got_ends.loc[got_ends["kind"] == "gap", "node"])
    assert set(got_links["dead_end_node"]) <= gap_nodes
    assert f"{len(want)} missing-link candidates" in capsys.readouterr().out


def test_cli_bad_roads_give_one_line_and_exit_1(tmp_path, capsys):
    bad = tmp_path / "points.geojson"
    gpd.GeoDataFrame(geometry=gpd.points_from_xy([121.6, 121.61], [31.2, 31.2]),
                     crs="EPSG:4326").to_file(bad)
    assert main(["deadends", str(bad), "--out", str(tmp_path / "o.gpkg")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Point" in err and "centrelines" in err
    assert not (tmp_path / "o.gpkg").exists()
