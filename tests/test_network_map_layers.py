"""Dead-end map layers: one language per map, and the 样例 badge on results from sample roads."""

from __future__ import annotations

import re

import geopandas as gpd
import pytest

from zjgis import maps, network
from zjgis.errors import ValidationError

LATIN = re.compile(r"[A-Za-z]")


@pytest.fixture(scope="module")
def result():
    roads = gpd.read_file(network.sample_path("roads"))
    ends, links = network.dead_ends_and_links(roads)
    return roads, ends, links


def test_zh_titles_and_tooltip_labels_have_no_english(result):
    roads, ends, links = result
    layers = network.briefing_layers(ends, links, roads=roads, language="zh")
    assert len(layers) >= 3
    for _, style in layers:
        assert not LATIN.search(style["title"]), style["title"]
        for col in style.get("tooltip", []):
            assert not LATIN.search(style["aliases"][col]), col
    assert not LATIN.search(network.map_title("zh"))
    titles = [s["title"] for _, s in layers]
    assert "尽端路" in titles and "候选连通" in titles
    assert all("kind" not in s.get("tooltip", []) for _, s in layers)  # kind_zh instead


def test_en_titles_have_no_chinese(result):
    roads, ends, links = result
    for _, style in network.briefing_layers(ends, links, roads=roads, language="en"):
        assert not re.search(r"[\u4e00-\u9fff]", style["title"]), style["title"]
    assert network.map_title("en") == "Dead ends and missing links"
    with pytest.raises(ValidationError, match="language"):
        network.briefing_layers(ends, links, language="fr")


def test_results_from_sample_roads_carry_the_sample_badge(result):
    roads, ends, links = result
    assert set(roads["accuracy"]) == {"sample"}  # the shipped sample roads
    layers = network.briefing_layers(ends, links, roads=roads)
    assert {s["accuracy"] for _, s in layers} == {"sample"}
    # without the roads the dead ends alone say nothing: no badge is invented
    bare = ends.drop(columns=[c for c in ("accuracy",) if c in ends.columns])
    bare.attrs = {}
    assert all("accuracy" not in s for _, s in network.briefing_layers(bare))
    # an explicit class wins; and the worst class of the inputs is used
    official = roads.assign(accuracy="official")
    tagged = ends.copy()
    tagged.attrs = {"accuracy": "derived"}
    got = {s["accuracy"] for _, s in network.briefing_layers(tagged, roads=official)}
    assert got == {"derived"}
    got = {s["accuracy"] for _, s in network.briefing_layers(bare, accuracy="schematic")}
    assert got == {"schematic"}


def test_the_map_legend_shows_the_badge_and_no_english(result, tmp_path):
    roads, ends, links = result
    m = maps.briefing_map(extra=network.briefing_layers(ends, links.head(5), roads=roads),
                          title=network.map_title("zh"), layers=[])
    maps.save(m, tmp_path / "m.html")
    text = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert "样例" in text
    assert "Dead ends and missing links" not in text and "cul_de_sac 尽端路" not in text
    assert "尽端路 cul_de_sac" not in text and "候选连通 missing links" not in text
