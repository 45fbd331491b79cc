"""Road networks: noding, dead ends (断头路) and missing links.

Planners of the science city are asked to "全面打通断头路" — open up every
dead-end road.  This module turns any road-centreline layer (an OpenStreetMap
export, the planning bureau's lines) into a routable graph, finds its dead ends,
tells the ones that matter (``gap``: another road lies a short walk away but is
only reachable by a long detour) from harmless ones (``cul_de_sac``) and from
artefacts of where the data stop (``boundary``), and proposes missing links
ranked by a documented priority score.

Public API
----------
:func:`build_graph`
    Node lines at shared endpoints and crossings (respecting bridge/tunnel/layer),
    snap endpoints closer than ``snap_m``, return a :class:`RoadGraph`.
:func:`dead_ends`
    Degree-1 nodes with branch length and kind (boundary / cul_de_sac / gap).
:func:`missing_links`
    Candidate connectors with gap length, network distance, detour ratio,
    barrier crossing flag and priority.
:func:`dead_ends_and_links`
    Both in one pass (what ``zjgis deadends`` runs).
:func:`sample_path`
    Files of the shipped SAMPLE network.

Layout
------
``graph`` (:class:`RoadGraph`, :func:`build_graph`), ``_noding`` (private noding
kernels), ``_paths`` (private shortest paths and branch walking),
``_candidates`` (private gap search), ``deadends``, ``links``, ``report`` (map
layers), ``sample``.
Each imports only the ones before it in that list.

References
----------
Boeing, G. (2017). OSMnx: New methods for acquiring, constructing, analyzing,
and visualizing complex street networks. *Computers, Environment and Urban
Systems* 65, 126-139 (street counts per node; the 500 m buffer before counting).

Examples
--------
>>> import geopandas as gpd
>>> import zjgis.network as zn
>>> graph = zn.build_graph(gpd.read_file(zn.sample_path("roads")))
>>> ends = zn.dead_ends(graph)
>>> links = zn.missing_links(graph, dead_ends=ends)
>>> set(links["dead_end_node"]) <= set(ends.index[ends["kind"] == "gap"])
True
"""

from __future__ import annotations

from zjgis.network.deadends import (
    DEAD_END_KINDS,
    EDGE_BUFFER_M,
    MAX_GAP_M,
    MIN_DETOUR_RATIO,
    dead_ends,
)
from zjgis.network.graph import RoadGraph, as_graph, build_graph
from zjgis.network.links import dead_ends_and_links, missing_links
from zjgis.network.report import KIND_COLOURS, KIND_EN, briefing_layers, map_title
from zjgis.network.sample import sample_path

__all__ = [
    "RoadGraph",
    "build_graph",
    "as_graph",
    "dead_ends",
    "missing_links",
    "dead_ends_and_links",
    "DEAD_END_KINDS",
    "MAX_GAP_M",
    "MIN_DETOUR_RATIO",
    "EDGE_BUFFER_M",
    "sample_path",
    "briefing_layers",
    "map_title",
    "KIND_COLOURS",
    "KIND_EN",
]
