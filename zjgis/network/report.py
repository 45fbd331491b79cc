"""What a map of dead ends and missing links shows: :func:`briefing_layers`.

The ``zjgis deadends --map`` command and the notebooks draw the same layers with
the same colours and tooltip columns, because both take them from here.

Examples
--------
>>> import geopandas as gpd
>>> from zjgis import network
>>> roads = gpd.read_file(network.sample_path("roads"))
>>> ends, links = network.dead_ends_and_links(roads)
>>> layers = network.briefing_layers(ends, links, roads=roads)
>>> [style["title"] for _, style in layers]
['道路', '边界截断', '尽端路', '断头路(可打通)', '候选连通']
>>> {style["accuracy"] for _, style in layers}  # computed from the sample roads
{'sample'}
>>> network.map_title("en")
'Dead ends and missing links'
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from zjgis.errors import ValidationError
from zjgis.layers import worst_accuracy
from zjgis.network.deadends import DEAD_END_KINDS

__all__ = ["KIND_COLOURS", "KIND_EN", "briefing_layers", "map_title"]

#: Colour of each dead-end kind on maps.
KIND_COLOURS: dict[str, str] = {"boundary": "#9e9e9e", "cul_de_sac": "#1f78b4",
                                "gap": "#e31a1c"}

#: English legend names of the dead-end kinds (Chinese: :data:`DEAD_END_KINDS`).
KIND_EN: dict[str, str] = {"boundary": "Cut by the data's edge", "cul_de_sac": "Cul-de-sac",
                           "gap": "Gap (could be connected)"}

_TEXT = {
    "zh": {"roads": "道路", "links": "候选连通", "title": "断头路与候选连通"},
    "en": {"roads": "Roads", "links": "Missing links", "title": "Dead ends and missing links"},
}

_ALIASES = {
    "zh": {"node": "节点", "name": "道路名称", "kind_zh": "类型",
           "branch_length_m": "支路长度（米）", "rank": "排序", "gap_m": "缺口（米）",
           "detour_ratio": "绕行系数",
           "crosses_barrier": "跨越障碍", "priority": "优先级"},
    "en": {"node": "Node", "name": "Road name", "kind": "Kind",
           "branch_length_m": "Branch length (m)", "rank": "Rank", "gap_m": "Gap (m)",
           "detour_ratio": "Detour ratio", "crosses_barrier": "Crosses a barrier",
           "priority": "Priority"},
}


def _language(language: str) -> str:
    if language not in _TEXT:
        msg = f"language={language!r} is not supported; use 'zh' or 'en'"
        raise ValidationError(msg)
    return language


def map_title(language: str = "zh") -> str:
    """Title of the dead-end map, in one language (``"断头路与候选连通"``)."""
    return _TEXT[_language(language)]["title"]


def _accuracy_of(frame: pd.DataFrame | None) -> list[object]:
    if frame is None:
        return []
    found: list[object] = [frame.attrs.get("accuracy")]
    if "accuracy" in frame.columns:
        found.extend(pd.unique(frame["accuracy"].dropna()))
    return found


def briefing_layers(
    dead_ends: gpd.GeoDataFrame,
    links: gpd.GeoDataFrame | None = None,
    *,
    roads: gpd.GeoDataFrame | None = None,
    language: str = "zh",
    accuracy: str | None = None,
) -> list[tuple[gpd.GeoDataFrame, dict]]:
    """Layers for ``zjgis.maps.briefing_map(extra=...)``: roads, dead ends by kind, links.

    Parameters
    ----------
    dead_ends : geopandas.GeoDataFrame
        Result of :func:`~zjgis.network.dead_ends` (classified).
    links : geopandas.GeoDataFrame, optional
        Result of :func:`~zjgis.network.missing_links`.
    roads : geopandas.GeoDataFrame, optional
        The road centrelines, drawn underneath in grey.
    language : {"zh", "en"}
        Language of the legend titles and tooltip labels (one language, never both).
    accuracy : str, optional
        Accuracy class of every layer.  Default: the worst class
        (:func:`zjgis.layers.worst_accuracy`) found in the ``accuracy`` column
        or ``attrs["accuracy"]`` of ``roads``, ``dead_ends`` and ``links`` —
        results computed from sample roads carry the 样例 badge.

    Returns
    -------
    list of (geopandas.GeoDataFrame, dict)
        ``(frame, style)`` pairs in drawing order; a kind with no dead end and
        an empty ``links`` are left out.  Dead ends are reset to a ``node``
        column (the tooltip shows it).

    Raises
    ------
    ValidationError
        ``language`` is not ``"zh"`` or ``"en"``.
    """
    text = _TEXT[_language(language)]
    aliases = _ALIASES[language]
    acc = accuracy or worst_accuracy(_accuracy_of(roads) + _accuracy_of(dead_ends)
                                     + _accuracy_of(links))
    badge = {"accuracy": acc} if acc else {}
    kind_col = "kind_zh" if language == "zh" and "kind_zh" in dead_ends.columns else "kind"
    extra: list[tuple[gpd.GeoDataFrame, dict]] = []
    if roads is not None:
        extra.append((roads, {"title": text["roads"], "color": "#777777", "weight": 1.0,
                              **badge}))
    for kind, colour in KIND_COLOURS.items():
        sub = dead_ends[dead_ends["kind"] == kind].reset_index()
        if len(sub):
            title = DEAD_END_KINDS[kind] if language == "zh" else KIND_EN[kind]
            extra.append((sub, {"title": title,
                                "color": colour, "fill_color": colour, "radius": 5.0,
                                "tooltip": ["node", "name", kind_col, "branch_length_m"],
                                "aliases": aliases, **badge}))
    if links is not None and len(links):
        extra.append((links, {"title": text["links"], "color": "#ff7f00",
                              "weight": 3.0, "dash_array": "6 4",
                              "tooltip": ["rank", "name", "gap_m", "detour_ratio",
                                          "crosses_barrier", "priority"],
                              "aliases": aliases, **badge}))
    return extra
