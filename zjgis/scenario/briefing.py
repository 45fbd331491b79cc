"""What a scenario's maps and tables show — as data, for :mod:`zjgis.maps` to draw.

The package never draws: :func:`briefing_layers` returns ``(frame, style)`` pairs
(``style`` a plain dict of :class:`zjgis.maps.Style` options) that
``maps.briefing_map(extra=...)`` draws; the same pairs serve the CLI and notebooks, so
colours and columns are the same everywhere.
"""

from __future__ import annotations

import pandas as pd

from zjgis.layers import ACCURACY_ZH, accuracy_zh
from zjgis.scenario.evaluate import ScenarioResult

__all__ = ["briefing_layers", "change_table", "area_table", "ACCURACY_ZH", "badges",
           "RATIO_STYLE"]


#: jobs–housing ratio classes (the thresholds of :func:`zjgis.jobshousing.balance`)
RATIO_STYLE = {"column": "ratio", "bins": (0.8, 1.2, float("inf")),
               "colors": ("#4575b4", "#1a9850", "#d73027"),
               "labels": ("职住比 < 0.8（居住主导）", "0.8–1.2（平衡）", "> 1.2（就业主导）"),
               "title": "职住比（分区）", "fill_opacity": 0.5}


def badges(result: ScenarioResult) -> list[str]:
    """Accuracy badges of every input that is not official (``样例：zones`` …)."""
    return [f"{accuracy_zh(a)}：{name}" for name, a in sorted(result.accuracy.items())
            if a != "official"]


def briefing_layers(result: ScenarioResult, state: str = "before", *,
                    near_deg: float = 0.03) -> list[tuple[object, dict]]:
    r"""Layers of one side of the briefing, in drawing order, subject first.

    Parameters
    ----------
    result : ScenarioResult
    state : {"before", "after"}
    near_deg : float
        Stations and catchments are drawn within this margin (degrees) of the
        subject's bounding box, not all over Shanghai.

    Returns
    -------
    list of (GeoDataFrame, dict)
        Zones by jobs–housing ratio, 800 m catchments, stations, dead ends, the
        scenario's new links — whichever the result has.

    Examples
    --------
    >>> from zjgis.scenario import parse_scenario, evaluate
    >>> sc = parse_scenario('name = "x"\n[base]\nzones = "sample"\nunits = ["zones"]')
    >>> r = evaluate(sc)
    >>> [style["title"] for _, style in briefing_layers(r, "after")]
    ['职住比（分区）', '轨道站800米范围', '轨道站点']
    """
    if state not in ("before", "after"):
        msg = f"state must be 'before' or 'after', got {state!r}"
        raise ValueError(msg)
    lay = dict(result.layers[state])
    subject = lay.get("zones", lay.get("parcels", lay.get("dead_ends")))
    if subject is not None and len(subject):
        x0, y0, x1, y1 = subject.to_crs("EPSG:4326").total_bounds
        for key in ("stations", "catchment_800m"):
            if key in lay and len(lay[key]):
                lay[key] = lay[key].to_crs("EPSG:4326").cx[x0 - near_deg:x1 + near_deg,
                                                            y0 - near_deg:y1 + near_deg]
    out: list[tuple[object, dict]] = []
    if "zones" in lay:
        z = lay["zones"]
        out.append((z, {**RATIO_STYLE, "tooltip": [c for c in ("zone", "name", "jobs",
                                                                 "workers", "ratio")
                                                    if c in z.columns]}))
    if "catchment_800m" in lay and len(lay["catchment_800m"]):
        out.append((lay["catchment_800m"], {"color": "#6a3d9a", "fill_opacity": 0.12,
                                            "title": "轨道站800米范围"}))
    if "stations" in lay and len(lay["stations"]):
        out.append((lay["stations"], {"color": "#111111", "radius": 4, "title": "轨道站点"}))
    if "dead_ends" in lay and len(lay["dead_ends"]):
        out.append((lay["dead_ends"], {"color": "#d62728", "radius": 4,
                                       "title": "断头路端点"}))
    if "links" in lay:
        out.append((lay["links"], {"color": "#ff7f00", "weight": 5, "title": "方案新增道路"}))
    return out


def change_table(result: ScenarioResult) -> pd.DataFrame:
    """The headline table: totals and the two outlines, Chinese headers."""
    t = result.indicators
    t = t[t["unit_set"].isin(["all", "science_city_2017", "science_city_2022"])]
    return t[["unit_set_zh", "indicator_zh", "unit_of_measure", "before", "after",
              "change"]].rename(columns={"unit_set_zh": "范围", "indicator_zh": "指标",
                                         "unit_of_measure": "单位", "before": "方案前",
                                         "after": "方案后", "change": "变化"})


def area_table(result: ScenarioResult, unit_set: str = "streets_towns") -> pd.DataFrame:
    """Jobs, workers and ratio of the areas that change, Chinese headers."""
    t = result.indicators
    t = t[(t["unit_set"] == unit_set) & (t["indicator"].isin(["jobs", "workers", "ratio"]))]
    t = t[t["change"].abs() > 1e-9]
    return t[["unit", "indicator_zh", "before", "after", "change"]].rename(
        columns={"unit": "单元", "indicator_zh": "指标", "before": "方案前", "after": "方案后",
                 "change": "变化"})
