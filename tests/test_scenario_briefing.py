"""The scenario briefings in headless Chromium: two synchronised maps, the change table,
no external request, hostile scenario text shown literally; the register time slider's
counts equal ``Register.as_of`` for each year."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from _browser import Page, find_chromium

from zjgis.cli.main import main

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium not installed (apt-get install chromium; scripts/setup_env.sh test does it)",
)
EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "scenarios" / "example.toml"
HOSTILE = '<img src=x onerror="window.zjgisPwned=1">{{7*7}}{% raw %}'


def _open(page: Page, path: Path, *, frames: int) -> None:
    page.call("Page.navigate", url=path.resolve().as_uri())
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if page.evaluate("document.body && document.body.getAttribute('data-synced')") \
                == str(frames):
            break
        time.sleep(0.1)
    else:
        raise TimeoutError(f"{path}: the maps were not linked in time")
    page.pump(0.5)


@pytest.fixture(scope="module")
def briefing(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scenario")
    text = EXAMPLE.read_text(encoding="utf-8")
    hostile = HOSTILE.replace('"', "'")
    text = text.replace('name = "方案示例：', f'name = "{hostile}方案示例：')
    # base paths in the example are keywords ("sample", "catalog"): the copy runs anywhere
    scenario = folder / "hostile.toml"
    scenario.write_text(text, encoding="utf-8")
    out = folder / "brief.html"
    assert main(["scenario", str(scenario), "--out", str(out), "--xlsx",
                 str(folder / "brief.xlsx"), "--png", str(folder / "brief.png")]) == 0
    return out


def test_briefing_files(briefing):
    from openpyxl import load_workbook

    html = briefing.read_text(encoding="utf-8")
    assert "{{7*7}}" in html and "49方案" not in html  # template syntax stays literal
    assert "<img src=x" not in html  # escaped in the page
    wb = load_workbook(briefing.with_suffix(".xlsx"))
    assert "指标对比" in wb.sheetnames
    assert briefing.with_suffix(".png").stat().st_size > 10_000


@needs_chromium
def test_briefing_renders_offline_and_synchronised(briefing):
    with Page(CHROMIUM, width=1400, height=1000) as page:
        _open(page, briefing, frames=2)
        rendered = page.evaluate(
            "Array.from(document.querySelectorAll('iframe.sync')).map("
            "f => f.contentDocument.documentElement.getAttribute('data-zjgis-rendered'))")
        assert rendered == ["1", "1"]
        drawn = page.evaluate(
            "Array.from(document.querySelectorAll('iframe.sync')).map("
            "f => f.contentDocument.querySelectorAll('path.leaflet-interactive').length)")
        assert min(drawn) > 10
        # pan the left map: the right one follows
        # pan within both maps' bounds (each map limits panning to its own content)
        page.evaluate("zjgisMaps[0].panBy([120, 60], {animate: false}); 0")
        page.pump(0.3)
        centres = json.loads(page.evaluate(
            "JSON.stringify(zjgisMaps.map(m => [m.getCenter().lat, m.getCenter().lng, "
            "m.getZoom()]))"))
        assert centres[0] == pytest.approx(centres[1])
        page.evaluate("zjgisMaps[1].setZoom(zjgisMaps[1].getZoom() + 1, {animate: false}); 0")
        page.pump(0.3)
        zooms = page.evaluate("JSON.stringify(zjgisMaps.map(m => m.getZoom()))")
        assert len(set(json.loads(zooms))) == 1
        assert page.evaluate("document.querySelectorAll('section table').length") >= 2
        assert "就业岗位" in page.evaluate("document.querySelector('section table').innerText")
        title = page.evaluate("document.querySelector('header h1').textContent")
        assert title.startswith(HOSTILE.replace('"', "'"))
        assert page.evaluate("window.zjgisPwned === undefined")
        assert page.requests() == []
        assert page.console_errors() == []


def test_outlines_view(tmp_path):
    out = tmp_path / "kuoqu.html"
    assert main(["scenario", "--outlines", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "2017年范围（约95平方公里）" in html and "2022年范围（约220平方公里）" in html


@needs_chromium
def test_register_timeline_counts_equal_as_of(tmp_path):
    import warnings

    import zjgis.landreserve as lr

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg, _, _ = lr.load_sample(copy_to=tmp_path / "r.gpkg")
        out = tmp_path / "timeline.html"
        # the sample's parcels near the schematic outline's edge are reported, not fatal
        assert main(["scenario", "--timeline", str(tmp_path / "r.gpkg"), "--years", "2022",
                     "2024", "2026", "--out", str(out)]) == 0
    with Page(CHROMIUM, width=1400, height=1000) as page:
        _open(page, out, frames=3)
        counts = json.loads(page.evaluate("document.getElementById('counts').textContent"))
        for row in counts:
            expected = reg.as_of(f"{row['年份']}-12-31")
            assert row["合计"] == len(expected)
            for status, zh in lr.STATUS_ZH.items():
                assert row[zh] == int((expected["status"] == status).sum())
        # the slider shows one year at a time
        page.evaluate("var s = document.getElementById('year'); s.value = 0; "
                      "s.dispatchEvent(new Event('input')); 0")
        shown = page.evaluate("Array.from(document.querySelectorAll('.year.on')).map("
                              "d => d.getAttribute('data-year'))")
        assert shown == ["2022"]
        assert page.requests() == []
