"""Register parcels ready for a map layer (colour by lifecycle status).

:mod:`zjgis.landreserve` does not import :mod:`zjgis.maps` (analyses and maps sit
side by side); notebooks and the CLI pass :func:`map_layer`'s frame to
``zjgis.maps.briefing_map(extra=...)``.
"""

from __future__ import annotations

import html

import geopandas as gpd
import pandas as pd

from zjgis import crs as _crs
from zjgis._validate import require_columns, require_crs
from zjgis.landreserve.register import STATUS_COLOURS, STATUS_ZH, STATUSES

__all__ = ["map_layer", "map_style", "legend"]


def legend() -> pd.DataFrame:
    """Status legend: ``status``, ``label_zh``, ``colour`` in lifecycle order."""
    return pd.DataFrame({"status": list(STATUSES),
                         "label_zh": [STATUS_ZH[s] for s in STATUSES],
                         "colour": [STATUS_COLOURS[s] for s in STATUSES]})


def map_style(*, title: str = "土地储备地块（按状态）") -> dict:
    """Style of :func:`map_layer`'s frame as a plain dict for ``zjgis.maps`` (``Style(**d)``).

    Keys: ``column`` (``"status"``), ``categories`` (status → colour), ``labels``
    (Chinese status labels in lifecycle order), ``title``, ``tooltip`` (columns),
    ``fill_opacity``, ``weight``.
    """
    return {
        "column": "status",
        "categories": dict(STATUS_COLOURS),
        "labels": [STATUS_ZH[s] for s in STATUSES],
        "title": title,
        "tooltip": ["parcel_id", "name", "status_zh", "land_use", "area_mu", "project_id"],
        "fill_opacity": 0.6,
        "weight": 1.0,
        "color": "#444444",
    }


def map_layer(parcels: gpd.GeoDataFrame, *, assignments: pd.DataFrame | None = None
              ) -> gpd.GeoDataFrame:
    """Parcels with ready style and tooltip columns for a briefing map.

    Parameters
    ----------
    parcels : geopandas.GeoDataFrame
        Register parcels (``parcel_id``, ``status``, ``area_mu``, geometry).
    assignments : pandas.DataFrame, optional
        ``MatchResult.assignments``: matched projects are added to the tooltip and
        their parcels outlined.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 copy on the input index with ``colour`` (fill, by status),
        ``line_colour``, ``status_zh``, ``project_id`` (or None) and ``tooltip``
        (HTML-escaped text: id, name, status, land use, area, project).
    """
    require_crs(parcels, "parcels")
    require_columns(parcels, ["parcel_id", "status", "area_mu"], "parcels")
    out = parcels.to_crs(_crs.WGS84) if not parcels.crs.equals(_crs.WGS84) else parcels.copy()
    out["status_zh"] = out["status"].map(STATUS_ZH)
    out["colour"] = out["status"].map(STATUS_COLOURS).fillna("#999999")
    project = pd.Series([None] * len(out), index=out.index, dtype=object)
    if assignments is not None and len(assignments):
        lookup = dict(zip(assignments["parcel_id"], assignments["project_id"], strict=True))
        project = out["parcel_id"].map(lookup)
    out["project_id"] = pd.Series([None if pd.isna(v) else v for v in project], index=out.index,
                                  dtype=object)
    out["line_colour"] = ["#d7191c" if p is not None else "#444444" for p in out["project_id"]]
    names = out["name"] if "name" in out else pd.Series([""] * len(out), index=out.index)
    land_use = out["land_use"] if "land_use" in out else pd.Series([""] * len(out),
                                                                  index=out.index)
    acc = out["accuracy"] if "accuracy" in out else pd.Series([None] * len(out), index=out.index)
    tips = []
    for pid, name, st, lu, mu, proj, a in zip(out["parcel_id"], names, out["status_zh"], land_use,
                                              out["area_mu"], out["project_id"], acc, strict=True):
        text = f"{pid} {name or ''} · {st or '?'} · {lu or ''} · {float(mu):,.1f} 亩"
        if proj is not None:
            text += f" · 项目 {proj}"
        if a == "sample":
            text += " · 样例数据"
        tips.append(html.escape(text))
    out["tooltip"] = tips
    accuracy = sorted(set(acc.dropna().astype(str)))
    out.attrs.update(title_zh="土地储备地块", title_en="Land-reserve parcels",
                     accuracy=accuracy[0] if len(accuracy) == 1 else ",".join(accuracy) or None,
                     kind="parcels")
    return out
