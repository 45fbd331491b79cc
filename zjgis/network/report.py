"""What a map of dead ends and missing links shows: :func:`briefing_layers`.

The ``zjgis deadends --map`` command and the notebooks draw the same layers with
the same colours and tooltip columns, because both take them from here.

Examples
--------
>>> import geopandas as gpd
>>> from zjgis import network
>>> roads = gpd.read_file(network.sample_path("roads"))
>>> ends, links = network.dead_ends_and_links(roads)
>>> [style["title"] for _, style in network.briefing_layers(ends, links, roads=roads)]
['道路 roads', '边界截断 boundary', '尽端路 cul_de_sac',
 '断头路(可打通) gap', '候选连通 missing links']
"""

from __future__ import annotations

import geopandas as gpd

from zjgis.network.deadends import DEAD_END_KINDS

__all__ = ["KIND_COLOURS", "briefing_layers"]

#: Colour of each dead-end kind on maps.
KIND_COLOURS: dict[str, str] = {"boundary": "#9e9e9e", "cul_de_sac": "#1f78b4",
                                "gap": "#e31a1c"}


def briefing_layers(
    dead_ends: gpd.GeoDataFrame,
    links: gpd.GeoDataFrame | None = None,
    *,
    roads: gpd.GeoDataFrame | None = None,
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

    Returns
    -------
    list of (geopandas.GeoDataFrame, dict)
        ``(frame, style)`` pairs in drawing order; a kind with no dead end and
        an empty ``links`` are left out.  Dead ends are reset to a ``node``
        column (the tooltip shows it).
    """
    extra: list[tuple[gpd.GeoDataFrame, dict]] = []
    if roads is not None:
        extra.append((roads, {"title": "道路 roads", "color": "#777777", "weight": 1.0}))
    for kind, colour in KIND_COLOURS.items():
        sub = dead_ends[dead_ends["kind"] == kind].reset_index()
        if len(sub):
            extra.append((sub, {"title": f"{DEAD_END_KINDS[kind]} {kind}",
                                "color": colour, "fill_color": colour, "radius": 5.0,
                                "tooltip": ["node", "name", "kind", "branch_length_m"]}))
    if links is not None and len(links):
        extra.append((links, {"title": "候选连通 missing links", "color": "#ff7f00",
                              "weight": 3.0, "dash_array": "6 4",
                              "tooltip": ["rank", "name", "gap_m", "detour_ratio",
                                          "crosses_barrier", "priority"]}))
    return extra
