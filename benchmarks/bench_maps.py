"""Briefing map with 10,000 parcel polygons (~80 vertices each): build + save, size, render.

Targets (issue 5, 2-core machine): under 3 s for ``briefing_map`` + ``save``
(offline) and under 5 MB of HTML; for reference, folium with raw geometry
writes about 36 MB in about 7 s.  The parcels are CAD-like rounded rectangles
(straight sides, 19-vertex arcs at the corners) ≈ 60–100 m across, on a 240 m
grid over the science city.  Time to first render is measured in headless
Chromium (networking off) from navigation to the second animation frame after
all layers were added.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from _harness import case

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _maps_fixtures import parcels  # noqa: E402

from zjgis import maps  # noqa: E402

N = 10_000


def make_parcels():
    g = parcels(N, vertices=80, seed=7)
    return g


@case("maps.briefing_map+save offline [10k parcels x 80 vertices]", setup=make_parcels,
      target_s=3.0, repeat=2)
def build_and_save(gdf):
    with tempfile.TemporaryDirectory() as tmp:
        m = maps.briefing_map(
            [gdf], basemap="none", title="储备地块（样例）",
            extra=None,
        )
        saved = maps.save(m, Path(tmp) / "parcels.html")
        return {"mb": round(saved.size_mb, 2), "features": len(gdf),
                "vertices_in": int(gdf.geometry.count_coordinates().sum()),
                "size_target_mb": 5, "size_met": saved.size_mb < 5}


@case("maps.first_render chromium [10k parcels]", setup=make_parcels, repeat=1)
def first_render(gdf):
    from _browser import Page, find_chromium

    exe = find_chromium()
    if exe is None:
        return {"skipped": "no chromium"}
    with tempfile.TemporaryDirectory() as tmp:
        saved = maps.save(maps.briefing_map([gdf], basemap="none"), Path(tmp) / "p.html")
        with Page(exe) as page:
            t0 = time.perf_counter()
            ms = page.open(saved.path)
            wall = time.perf_counter() - t0
            errors = page.console_errors()
            # responsiveness: time of one pan+redraw of all 10k polygons
            pan_ms = page.evaluate(
                "new Promise(r => { const m = zjgis.layers.__map; const t = performance.now();"
                " m.once('moveend', () => requestAnimationFrame(() => r(performance.now() - t)));"
                " m.panBy([200, 100], {animate: false}); })", await_promise=True)
    return {"first_render_ms": round(ms), "wall_s": round(wall, 2), "pan_redraw_ms":
            round(float(pan_ms)), "console_errors": len(errors), "mb": round(saved.size_mb, 2)}


@case("maps.folium_raw_reference [10k parcels, folium.GeoJson]", setup=make_parcels, repeat=1)
def folium_raw(gdf):
    import folium

    with tempfile.TemporaryDirectory() as tmp:
        m = folium.Map(location=[31.2, 121.6], zoom_start=13)
        folium.GeoJson(gdf, tooltip=folium.GeoJsonTooltip(["parcel_id", "status"])).add_to(m)
        path = Path(tmp) / "raw.html"
        m.save(str(path))
        return {"note": "folium defaults, raw geometry, CDN links (not offline)",
                "mb": round(path.stat().st_size / 2**20, 2)}
