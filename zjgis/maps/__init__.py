"""Briefing maps of Zhangjiang Science City: folium HTML for the joint meeting, static figures.

* :func:`briefing_map` — every layer in the house style, legend with accuracy
  classes, title block, tooltips/popups; analysis results via ``extra=``;
* :func:`save` — one self-contained, offline HTML file (Leaflet inlined from an
  installed package), written atomically; returns its size;
* :func:`show` — inline display in Jupyter, offline as :func:`save` writes it
  (a :class:`BriefingMap` as the last line of a cell displays the same way);
* :func:`figure` / :func:`save_figure` — the same layers as a matplotlib figure
  with Chinese labels (Noto Sans CJK) for slides, PNG or PDF;
* :func:`choropleth` and :class:`Style` — styles for ``extra=`` layers.

maps never imports the analysis modules: their results arrive through ``extra=``.

Examples
--------
>>> from zjgis import maps
>>> m = maps.briefing_map(["science_city_2022"], title="张江科学城 {{ 范围 }}")
>>> "张江科学城 {{ 范围 }}" in m.render_page()  # text is data, never a template
True
"""

from __future__ import annotations

from zjgis.maps._page import BriefingMap
from zjgis.maps.briefing import BASEMAPS, briefing_map
from zjgis.maps.compare import compare_page, save_page, timeline_page
from zjgis.maps.figure import MissingFontWarning, cjk_font, figure, save_figure
from zjgis.maps.offline import InlineMap, SavedMap, external_references, save, show
from zjgis.maps.style import (
    INDUSTRY_PALETTE,
    METRO_LINE_COLOURS,
    Style,
    barrier_style,
    choropleth,
    industry_colour,
    line_colour,
)

__all__ = [
    "BASEMAPS",
    "BriefingMap",
    "INDUSTRY_PALETTE",
    "InlineMap",
    "METRO_LINE_COLOURS",
    "MissingFontWarning",
    "SavedMap",
    "Style",
    "barrier_style",
    "briefing_map",
    "choropleth",
    "compare_page",
    "cjk_font",
    "external_references",
    "figure",
    "industry_colour",
    "line_colour",
    "save",
    "save_figure",
    "save_page",
    "show",
    "timeline_page",
]
