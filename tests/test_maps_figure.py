"""PNG figures keep title, subtitle, legend and footnotes inside the canvas (issue 15.3).

With the full layer catalog (18 rail lines, every industry) and a 300-parcel
register, every text and the legend box must lie inside the figure — checked
from matplotlib's own artists after a draw.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely import box

from zjgis import landreserve, maps

SHOTS = os.environ.get("ZJGIS_SCREENSHOTS")


def register_300() -> gpd.GeoDataFrame:
    rng = np.random.default_rng(3)
    xs, ys = rng.uniform(121.57, 121.66, 300), rng.uniform(31.16, 31.24, 300)
    statuses = list(landreserve.STATUSES)
    return gpd.GeoDataFrame(
        {"parcel_id": [f"ZJ-{i:03d}" for i in range(300)],
         "status": [statuses[i % len(statuses)] for i in range(300)],
         "area_mu": rng.uniform(5, 80, 300).round(1), "accuracy": ["sample"] * 300},
        geometry=[box(x, y, x + 0.002, y + 0.0015) for x, y in zip(xs, ys)], crs=4326)


def outside(fig) -> list[str]:
    """Artists (texts, legends) whose drawn box leaves the figure."""
    import matplotlib.legend
    import matplotlib.text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    frame = fig.bbox
    bad = []
    artists = [a for a in fig.findobj(matplotlib.text.Text) if a.get_visible() and a.get_text()]
    artists += list(fig.findobj(matplotlib.legend.Legend))
    for a in artists:
        bb = a.get_window_extent(renderer)
        if bb.x0 < frame.x0 - 0.5 or bb.y0 < frame.y0 - 0.5 or bb.x1 > frame.x1 + 0.5 \
                or bb.y1 > frame.y1 + 0.5:
            bad.append(f"{type(a).__name__} {getattr(a, 'get_text', lambda: '')()[:40]!r} "
                       f"{bb.bounds}")
    return bad


@pytest.mark.parametrize("language", ["zh", "en"])
def test_full_catalog_and_300_parcels_fit_the_canvas(tmp_path, language):
    pytest.importorskip("matplotlib")
    extra = landreserve.briefing_layers(register_300(), language=language)
    subtitle = ("2025 年度土地储备计划：预收储、收储、储备地块分布与供应安排，"
                "含全部轨道交通线路与车站、产业社区、街镇边界和科学城范围（示意）")
    fig = maps.figure(extra=extra, title="张江科学城 土地储备地块 挂图作战 2025",
                      subtitle=subtitle, language=language)
    try:
        assert outside(fig) == []
        legend = fig.legends[0]
        texts = [t.get_text() for t in legend.get_texts()]
        # 18 rail lines folded into one swatch row, which says what it counts
        folded = "共 18 类，各一色" if language == "zh" else "18 classes, one colour each"
        assert any(folded in t for t in texts), texts
        statuses = landreserve.STATUS_ZH if language == "zh" else landreserve.STATUS_EN
        for s in landreserve.STATUSES:  # every status has its entry
            assert any(statuses[s] in t for t in texts), s
        assert not any("（样例）（样例）" in t or "(sample) (sample)" in t for t in texts)
        assert not any("_" in t for t in texts if language == "en")
        out = maps.save_figure(fig, tmp_path / f"reserve_{language}.png", dpi=80)
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            (Path(SHOTS) / out.name).write_bytes(out.read_bytes())
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_station_names_are_labelled_without_overlap(language):
    """Rail stations in view carry their names; no two map texts overlap, none leaves the map."""
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt
    import pyproj

    from zjgis import layers

    fig = maps.figure(["science_city_2022", "rail_lines", "rail_stations"], language=language)
    try:
        ax = fig.axes[0]
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        names = [t for t in ax.texts if t.get_gid() == "zjgis-station-label"]
        # the stations whose point lies in the map window, projected independently (pyproj)
        stations = layers.load("rail_stations")
        to_utm = pyproj.Transformer.from_crs(4326, 32651, always_xy=True)
        x, y = to_utm.transform(stations.geometry.x.to_numpy(), stations.geometry.y.to_numpy())
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        in_view = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
        column = "station_en" if language == "en" else "station"
        expected = set(stations.loc[in_view, column].dropna())
        labelled = [t.get_text() for t in names]
        assert len(labelled) >= 10, labelled
        assert len(set(labelled)) == len(labelled)  # an interchange is named once
        assert set(labelled) <= expected
        frame = ax.get_window_extent(renderer)
        boxes = [t.get_window_extent(renderer) for t in names]
        for t, bb in zip(names, boxes):
            assert frame.x0 <= bb.x0 and bb.x1 <= frame.x1 and frame.y0 <= bb.y0 \
                and bb.y1 <= frame.y1, t.get_text()
        others = [t.get_window_extent(renderer) for t in ax.texts
                  if t.get_gid() != "zjgis-station-label" and t.get_text()]
        for i, bb in enumerate(boxes):
            assert not any(bb.overlaps(o) for o in boxes[i + 1:] + others), labelled[i]
        assert outside(fig) == []
    finally:
        plt.close(fig)


def test_fit_to_sets_the_figure_window():
    """``fit_to`` (the CLI's --extent) frames the figure: a bbox, projected with pyproj."""
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt
    import pyproj

    bbox = (121.55, 31.22, 121.57, 31.23)
    fig = maps.figure(["science_city_2022"], fit_to=",".join(map(str, bbox)),
                      label_features=False)
    try:
        to_utm = pyproj.Transformer.from_crs(4326, 32651, always_xy=True)
        xs, ys = to_utm.transform([bbox[0], bbox[2]], [bbox[1], bbox[3]])
        (x0, x1), (y0, y1) = fig.axes[0].get_xlim(), fig.axes[0].get_ylim()
        assert x0 <= min(xs) and max(xs) <= x1 and y0 <= min(ys) and max(ys) <= y1
        # framed on the 2 × 1 km box, not the ≈ 25 km science city (aspect may widen one axis)
        assert min(x1 - x0, y1 - y0) < 3 * max(max(xs) - min(xs), max(ys) - min(ys))
    finally:
        plt.close(fig)
