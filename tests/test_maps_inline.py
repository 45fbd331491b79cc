"""A map shown inline in Jupyter draws with the network off (issue 14.4).

The notebook displays ``_repr_html_`` of the cell's last value; for a
:func:`zjgis.maps.briefing_map` (and :func:`zjgis.maps.show`) that is the
offline page — Leaflet inlined exactly as ``maps.save(offline=True)`` writes
it — in an ``<iframe srcdoc>``.  Rendered here in headless Chromium with
networking off, the features inside the iframe are counted.
"""

from __future__ import annotations

import time

import pytest
from _browser import Page, find_chromium
from _maps_fixtures import catalog_like

from zjgis import maps
from zjgis.errors import WriteError

CHROMIUM = find_chromium()


def test_repr_html_carries_leaflet_inline():
    m = maps.briefing_map(catalog_like(), basemap="none")
    out = m._repr_html_()
    assert out.startswith("<div") and "<iframe srcdoc=" in out
    assert "cdn.jsdelivr" not in out
    assert maps.external_references(__import__("html").unescape(out)) == []
    assert "Leaflet" in out  # the inlined library's banner


def test_show_refuses_a_map_that_needs_the_network():
    import folium

    plain = folium.Map()  # folium's default page loads jQuery and Bootstrap from CDNs
    with pytest.raises(WriteError, match="internet"):
        maps.show(plain)


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install chromium)")
@pytest.mark.parametrize("how", ["repr", "show"])
def test_inline_map_draws_offline_in_chromium(tmp_path, how):
    pytest.importorskip("websocket", reason="pip install websocket-client (test extra)")
    frames = catalog_like()
    m = maps.briefing_map(frames, basemap="none", title="内嵌")
    cell = m._repr_html_() if how == "repr" else maps.show(m)._repr_html_()
    page_file = tmp_path / "notebook_cell.html"
    page_file.write_text(f"<!DOCTYPE html><html><body>{cell}</body></html>", encoding="utf-8")
    with Page(CHROMIUM) as page:
        page.call("Page.navigate", url=page_file.resolve().as_uri())
        frame = "document.querySelector('iframe').contentWindow"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = page.evaluate(f"(() => {{ try {{ return {frame}.document.documentElement"
                                 ".getAttribute('data-zjgis-rendered'); } catch (e) "
                                 "{ return null; } })()")
            if done == "1":
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the inline map never finished drawing")
        page.pump(0.3)
        assert page.requests() == []  # nothing fetched: Leaflet came inline
        assert page.console_errors() == []
        counts = page.evaluate(f"(() => {{ const z = {frame}.zjgis; const out = {{}};"
                               "for (const [k, r] of Object.entries(z.layers)) {"
                               "if (k !== '__map') out[k] = r.count; } return out; })()")
        for g in frames:
            assert counts[g.attrs["layer"]] == len(g)
        paths = page.evaluate(f"{frame}.document.querySelectorAll('path.zj-f').length")
        assert paths >= sum(len(g) for g in frames if g.geom_type.iloc[0] != "Point")
